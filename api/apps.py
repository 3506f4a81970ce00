from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self):
        from accounts.registry import register_private_data

        from .models import AccessToken

        # A deleted account's tokens go with it.
        register_private_data(AccessToken)
