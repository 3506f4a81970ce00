from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "questions"
    verbose_name = "Questions"

    def ready(self):
        from accounts.registry import register_profile_section

        from .views.profile import published_answers

        register_profile_section(published_answers)
