from http import HTTPStatus

import pytest
from django.urls import reverse

from tests.factories import AnswerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    ["question", "answer", "topic", "source", "comment", "vote", "notification"],
)
def test_staff_see_the_admin_lists(client, model):
    AnswerFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert (
        client.get(reverse(f"admin:questions_{model}_changelist")).status_code
        == HTTPStatus.OK
    )


def test_non_staff_are_sent_to_the_admin_login(client, user):
    client.force_login(user)
    response = client.get(reverse("admin:index"))
    assert response.status_code == HTTPStatus.FOUND and "login" in response["Location"]


def _user_change_form(member, **changes):
    """The admin's user change form as a browser would send it back, with `changes`."""
    data = {
        "username": member.username,
        "first_name": member.first_name,
        "last_name": member.last_name,
        "email": member.email,
        "is_active": "on",
        "date_joined_0": member.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": member.date_joined.strftime("%H:%M:%S"),
        "display_name": member.display_name,
        "bio": member.bio,
        "reputation": str(member.reputation),
        "groups": [],
        "user_permissions": [],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_groups_field_in_the_admin_writes_the_role_change_to_the_audit_log(client):
    from accounts.services import moderators_group
    from moderation.models import AuditLogEntry

    admin = UserFactory(is_staff=True, is_superuser=True)
    member = UserFactory(username="future-mod")
    client.force_login(admin)
    url = reverse("admin:accounts_user_change", args=[member.pk])
    assert client.get(url).status_code == HTTPStatus.OK
    group = moderators_group()

    response = client.post(url, _user_change_form(member, groups=[str(group.pk)]))
    assert response.status_code == HTTPStatus.FOUND, response.content.decode()[:2000]
    member.refresh_from_db()
    assert member.groups.filter(pk=group.pk).exists()
    entry = AuditLogEntry.objects.get()
    assert (entry.action, entry.actor, entry.target_type, entry.target_id) == (
        AuditLogEntry.Action.ROLE_GRANT,
        admin,
        "user",
        member.pk,
    )
    assert entry.reason == "in the admin"

    # Saving again without a change writes nothing; taking the group away is a revoke.
    client.post(url, _user_change_form(member, groups=[str(group.pk)]))
    assert AuditLogEntry.objects.count() == 1
    client.post(url, _user_change_form(member, display_name="Renamed"))
    assert not member.groups.exists()
    assert list(AuditLogEntry.objects.values_list("action", flat=True)) == [
        AuditLogEntry.Action.ROLE_REVOKE,
        AuditLogEntry.Action.ROLE_GRANT,
    ]
    log = client.get(reverse("moderation:log")).content.decode()
    assert "Made moderator" in log and "Removed moderator" in log
