"""Permission checks without two queries on every page, and the receivers that keep them current.

`user.is_moderator` (in the header of every page) asks ModelBackend for the user's permissions,
which costs two queries (the user's own, their groups'). This backend keeps each user's set in the
cache under the `permissions` token, which any change of group membership or permissions replaces
(the receivers below: the admin, allauth and migrations change them too, not only our code), so a
granted or revoked role takes effect on the next request.
"""

from django.contrib.auth.backends import ModelBackend

from .tokens import PERMISSIONS, cached_value


class CachedPermissionsBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = cached_value(
                f"permissions:{user_obj.pk}",
                [PERMISSIONS],
                lambda: super(CachedPermissionsBackend, self).get_all_permissions(
                    user_obj
                ),
            )
        return user_obj._perm_cache
