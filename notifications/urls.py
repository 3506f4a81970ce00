from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("settings/mail/", views.preferences_edit, name="preferences"),
    path("mail/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
