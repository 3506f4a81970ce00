from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from .models import MODERATORS_GROUP, User
from .registry import private_data_models


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete an account: personal data and private records go, public answers stay anonymised."""
    user = User.objects.select_for_update().get(pk=user.pk)
    EmailAddress.objects.filter(user=user).delete()
    for model in private_data_models():
        model.objects.filter(user=user).delete()
    user.groups.clear()
    user.user_permissions.clear()
    user.anonymise()
    user.save()


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
