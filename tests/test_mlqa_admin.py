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
