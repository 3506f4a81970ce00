from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Mail to members"

    def ready(self):
        from accounts.registry import register_private_data

        from .models import MailPreferences

        register_private_data(MailPreferences)
