"""Permission checks without two queries on every page.

`user.is_moderator` (in the header of every page) asks ModelBackend for the user's permissions,
which costs two queries (the user's own, their groups'). This backend keeps each user's set in the
cache under a version token that any change of group membership or permissions replaces
(accounts/signals.py), so a granted or revoked role takes effect on the next request.
"""

from django.contrib.auth.backends import ModelBackend

from mlqa import pagecache

PERMISSIONS = pagecache.PERMISSIONS


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = pagecache.cached_value(
                f"permissions:{user_obj.pk}",
                [PERMISSIONS],
                lambda: super(CachedPermissionsBackend, self).get_all_permissions(
                    user_obj
                ),
            )
        return user_obj._perm_cache
