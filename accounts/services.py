from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from mlqa import pagecache

from .models import MODERATORS_GROUP, User


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account: personal data and private records go, public answers stay anonymised."""
    user = User.objects.select_for_update().get(pk=user.pk)
    EmailAddress.objects.filter(user=user).delete()
    for related in _private_relations():
        related.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.anonymise()
    user.save()
    pagecache.site_changed()  # their name leaves every page they posted on


def _private_relations():
    """Models that hold a user's private data, removed when the account is deleted."""
    from practice.models import PRIVATE_MODELS

    return PRIVATE_MODELS


def moderators_group() -> Group:
    """The Moderators group with its permission (made by a migration; remade if a test flushed it)."""
    group, created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    if created:
        content_type = ContentType.objects.get_for_model(User)
        permission, _ = Permission.objects.get_or_create(
            codename="moderate",
            content_type=content_type,
            defaults={"name": "Can moderate posts, flags and users"},
        )
        group.permissions.add(permission)
    return group


@transaction.atomic
def moderator_set(*, user: User, is_moderator: bool, actor: User | None = None) -> None:
    """Grant or revoke the moderator role; the change is written to the audit log."""
    from moderation.models import AuditLogEntry
    from moderation.services import audit

    group = moderators_group()
    if is_moderator == user.groups.filter(pk=group.pk).exists():
        return
    if is_moderator:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    action = (
        AuditLogEntry.Action.ROLE_GRANT
        if is_moderator
        else AuditLogEntry.Action.ROLE_REVOKE
    )
    audit(actor=actor, action=action, target=user)
