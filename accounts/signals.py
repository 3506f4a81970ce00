"""Who holds which permission changed: cached permission sets (accounts.backends) are dropped.

Signals, not service calls: groups and permissions also change in the admin and in migrations,
which are Django's code, not ours.
"""

from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from mlqa import pagecache

from .backends import PERMISSIONS
from .models import User


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
@receiver(m2m_changed, sender=Group.permissions.through)
def permissions_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        pagecache.invalidate(PERMISSIONS)


@receiver(post_delete, sender=Group)
@receiver(post_delete, sender=Permission)
@receiver(post_save, sender=Permission)
def permission_rows_changed(sender, **kwargs):
    pagecache.invalidate(PERMISSIONS)
