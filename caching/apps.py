from django.apps import AppConfig
from django.core import checks
from django.utils.module_loading import autodiscover_modules


class CachingConfig(AppConfig):
    name = "caching"
    verbose_name = "Caching"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.contrib.auth.signals import user_logged_in
        from django.core.signals import request_started

        from . import checks as caching_checks
        from .declarations import feeds
        from .sessions import session_key_with_member_id
        from .tokens import PERMISSIONS, member_token, start_reading

        User = get_user_model()

        # The layer's own declarations: the member copy and the cached permission sets.
        @feeds(User)
        def member_row(member):
            return [member_token(member.pk)]

        for through in (
            User.groups.through,
            User.user_permissions.through,
            Group.permissions.through,
        ):
            feeds(through)(lambda row: [PERMISSIONS])
        feeds(Group)(lambda row: [PERMISSIONS])
        feeds(Permission)(lambda row: [PERMISSIONS])

        user_logged_in.connect(
            session_key_with_member_id, dispatch_uid="caching:session-key"
        )
        # Which tokens a request read, and how new its rows are, start afresh with it.
        request_started.connect(start_reading, dispatch_uid="caching:start-reading")
        checks.register(caching_checks.borrowed_from_django)
        # Every app's caching.py: which of its rows feed which tokens.
        autodiscover_modules("caching")
