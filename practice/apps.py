from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self):
        from accounts.registry import register_private_data

        from .models import PRIVATE_MODELS

        # A member's practice is theirs alone: it goes with their account.
        register_private_data(*PRIVATE_MODELS)
