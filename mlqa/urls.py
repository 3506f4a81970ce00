from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("questions/", include("questions.urls")),
    path("admin/", admin.site.urls),
]

handler403 = "mlqa.views.permission_denied"
handler404 = "mlqa.views.page_not_found"
handler500 = "mlqa.views.server_error"
