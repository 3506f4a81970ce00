from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = "Moderation"

    def ready(self):
        from accounts.registry import register_role_recorder
        from questions.services.edits import (
            register_delete_recorder,
            register_edit_recorder,
        )

        from .audit import (
            moderator_delete_recorded,
            moderator_edit_recorded,
            role_change_recorded,
        )

        # Moderators' edits and deletions of others' posts go to the audit log.
        register_edit_recorder(moderator_edit_recorded)
        register_delete_recorder(moderator_delete_recorded)
        # Role changes made in the admin (moderator_set writes its own entry).
        register_role_recorder(role_change_recorded)
