"""Practice data is private: anonymous visitors log in, other users get a 404, deletion removes it."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from practice.models import (
    Card,
    PracticeSession,
    PracticeSettings,
    Review,
    SessionItem,
)
from practice.services import item_reveal, review_record, session_start
from tests.factories import UserFactory
from tests.practice_factories import current_item, make_bank, urls_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    return make_bank()


PRIVATE_GETS = [
    "practice:home",
    "practice:progress",
    "practice:history",
    "practice:history-csv",
    "practice:anki-export",
    "practice:settings",
    "practice:lists",
    "practice:deck",
]


@pytest.mark.parametrize("name", PRIVATE_GETS)
def test_anonymous_visitors_are_sent_to_log_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


def test_anonymous_posts_and_object_pages_are_sent_to_log_in(client, user, bank):
    session = session_start(user=user, mode="due", size=3)
    item = current_item(session)
    card = Card.objects.create(user=user, question=bank[0])
    urls = [
        reverse("practice:session", args=[session.pk]),
        reverse("practice:card", args=[card.pk]),
    ]
    posts = [
        reverse("practice:start"),
        *urls_for(item),
        reverse("practice:end", args=[session.pk]),
    ]
    for url in urls:
        assert reverse("account_login") in client.get(url)["Location"]
    for url in posts:
        assert reverse("account_login") in client.post(url, {"rating": "3"})["Location"]
    assert current_item(session).attempted_at is None


def test_another_users_session_card_and_history_are_404(client, user, bank):
    session = session_start(user=user, mode="due", size=3)
    item = current_item(session)
    item_reveal(item=item, attempt="private thoughts")
    review_record(item=item, rating=3)
    card = Card.objects.get(user=user)
    next_item = current_item(session)
    client.force_login(UserFactory())
    reveal_url, grade_url = urls_for(next_item)
    assert (
        client.get(reverse("practice:session", args=[session.pk])).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert (
        client.get(reverse("practice:card", args=[card.pk])).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert client.post(reveal_url, {"attempt": "x"}).status_code == HTTPStatus.NOT_FOUND
    assert client.post(grade_url, {"rating": "3"}).status_code == HTTPStatus.NOT_FOUND
    assert (
        client.post(reverse("practice:end", args=[session.pk])).status_code
        == HTTPStatus.NOT_FOUND
    )
    history = client.get(reverse("practice:history")).content.decode()
    assert "private thoughts" not in history and "No reviews yet" in history
    assert (
        "private thoughts"
        not in client.get(reverse("practice:history-csv")).getvalue().decode()
    )
    session.refresh_from_db()
    assert session.ended_at is None and Review.objects.count() == 1


def test_an_item_of_another_session_is_404(user_client, user, bank):
    first = session_start(user=user, mode="due", size=3)
    second = session_start(user=user, mode="new", size=3)
    item = current_item(first)
    url = reverse("practice:reveal", args=[second.pk, item.pk])
    assert user_client.post(url, {"attempt": "x"}).status_code == HTTPStatus.NOT_FOUND


def test_deleting_the_account_deletes_all_practice_data(client, user, bank):
    other = UserFactory()
    for member in (user, other):
        session = session_start(user=member, mode="due", size=3)
        item = current_item(session)
        item_reveal(item=item, attempt="mine")
        review_record(item=item, rating=3)
        PracticeSettings.objects.create(user=member, desired_retention=0.8)
    client.force_login(user)
    response = client.post(
        reverse("accounts:delete"), {"confirm_username": user.username}
    )
    assert response.status_code == HTTPStatus.FOUND
    for model in (Card, Review, PracticeSession, PracticeSettings):
        assert not model.objects.filter(user=user).exists(), model
        assert model.objects.filter(user=other).exists(), model
    assert not SessionItem.objects.filter(session__user=user).exists()
    assert SessionItem.objects.filter(session__user=other).exists()
