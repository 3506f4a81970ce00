from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("settings/", views.settings_edit, name="settings"),
    path("settings/delete/", views.account_delete, name="delete"),
    path("users/<str:username>/", views.profile, name="profile"),
]
