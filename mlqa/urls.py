from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from api.api import api
from questions.views import notifications

from . import views

urlpatterns = [
    # The most read pages first: each request tries the patterns in order.
    path("", views.home, name="home"),
    path("questions/", include("questions.urls")),
    path("practice/", include("practice.urls")),
    # Before allauth's own: sign-up that survives two identical submissions (issue 15).
    path("accounts/signup/", account_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("notifications.urls")),
    path("moderation/", include("moderation.urls")),
    path("api/v1/", api.urls),
    path("settings/api-tokens/", include("api.urls")),
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/",
        notifications.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/read/",
        notifications.notifications_read_all,
        name="notifications-read",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", views.sitemap_index, name="sitemap-index"),
    path("sitemap-<slug:section>.xml", views.sitemap_section, name="sitemap-section"),
    # The admin signs in through the site's log-in and its limits (issue 15).
    path("admin/login/", account_views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("_bench/trivial/", views.trivial, name="trivial"),
]

handler400 = "mlqa.views.bad_request"
handler403 = "mlqa.views.permission_denied"
handler404 = "mlqa.views.page_not_found"
handler500 = "mlqa.views.server_error"
