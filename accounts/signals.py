"""Who holds which permission changed: cached permission sets (accounts.backends) are dropped;
a member's row was saved or deleted: the copy GET requests read (accounts.middleware) follows;
a member signed in: their session key is made again, with their id (accounts.sessions).

Signals, not service calls: groups, permissions and members also change in the admin, allauth and
migrations, which are not our code. Our own UPDATE statements on member rows call
`pagecache.member_changed` themselves (no signal is sent for them).
"""

from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from mlqa import pagecache

from .backends import PERMISSIONS
from .models import User
from .sessions import SessionStore


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


@receiver(post_save, sender=User)
@receiver(post_delete, sender=User)
def member_row_changed(sender, instance, **kwargs):
    pagecache.member_changed(instance.pk)


@receiver(user_logged_in)
def session_key_with_member_id(sender, request, user, **kwargs):
    # Django gives a session a new key before it records who signed in; a second new key, made
    # now, carries the id. (A password change renews the key itself: it keeps the id.)
    session = getattr(request, "session", None)
    if isinstance(session, SessionStore):
        session.cycle_key()
