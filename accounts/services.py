from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction

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


def _private_relations():
    """Models that hold a user's private data, removed when the account is deleted."""
    from practice.models import PRIVATE_MODELS

    return PRIVATE_MODELS


@transaction.atomic
def moderator_set(*, user: User, is_moderator: bool) -> None:
    group = Group.objects.get(name=MODERATORS_GROUP)
    if is_moderator:
        user.groups.add(group)
    else:
        user.groups.remove(group)
