from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self):
        from accounts.registry import register_private_data
        from questions.services.curation import register_merge_hook

        from .merging import practice_merge
        from .models import PRIVATE_MODELS

        # A member's practice is theirs alone: it goes with their account.
        register_private_data(*PRIVATE_MODELS)
        # A question merged into another takes its members' cards, notes and list places.
        register_merge_hook(practice_merge)
