from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from questions.services.edits import register_edit_recorder

        from .audit import moderator_edit_recorded

        # Moderators' edits of others' posts go to the audit log.
        register_edit_recorder(moderator_edit_recorded)
