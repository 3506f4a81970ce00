"""The grade and set-aside path: one locked lookup is the permission check, and a card graded
for the first time in two tabs at once ends up one card whose log rebuilds it."""

from http import HTTPStatus

import pytest
from django.urls import reverse

from practice import services
from practice.models import Card, Review
from practice.scheduling import apply_review, rebuild_card
from practice.services import item_reveal, review_record, session_start
from tests.factories import UserFactory
from tests.practice_factories import NOW, current_item, make_bank

pytestmark = pytest.mark.django_db

CARD_FIELDS = [f.attname for f in Card._meta.concrete_fields]


@pytest.fixture
def bank():
    return make_bank()


def test_grading_or_setting_aside_through_another_session_is_a_404(
    user_client, user, bank
):
    first = session_start(user=user, mode="new", size=3)
    second = session_start(user=user, mode="new", size=3)
    item = current_item(first)
    item_reveal(item=item, attempt="mine")
    for name, data in (
        ("practice:grade", {"rating": "3"}),
        ("practice:set-aside", {"action": "skip"}),
    ):
        url = reverse(name, args=[second.pk, item.pk])
        assert user_client.post(url, data).status_code == HTTPStatus.NOT_FOUND
        assert (
            user_client.post(url, data, HTTP_HX_REQUEST="true").status_code
            == HTTPStatus.NOT_FOUND
        )
    item.refresh_from_db()
    assert item.review_id is None and item.skipped_at is None
    # Through its own session it is graded.
    url = reverse("practice:grade", args=[first.pk, item.pk])
    assert user_client.post(url, {"rating": "3"}).status_code == HTTPStatus.FOUND
    assert Review.objects.filter(user=user).count() == 1


def test_another_members_card_is_a_404_even_with_a_bad_grade(client, user, bank):
    session = session_start(user=user, mode="new", size=3)
    item = current_item(session)
    item_reveal(item=item, attempt="mine")
    client.force_login(UserFactory())
    url = reverse("practice:grade", args=[session.pk, item.pk])
    for rating in ("3", "9"):
        assert client.post(url, {"rating": rating}).status_code == HTTPStatus.NOT_FOUND
    url = reverse("practice:set-aside", args=[session.pk, item.pk])
    assert client.post(url, {"action": "x"}).status_code == HTTPStatus.NOT_FOUND
    assert not Review.objects.exists()


def test_a_first_grade_made_in_another_tab_meanwhile_grades_that_card(
    user, bank, monkeypatch
):
    """Two tabs grade the same new question at once: the second one's insert meets the first
    one's card (the unique constraint), and its review goes on that card, after the first."""
    session = session_start(user=user, mode="new", size=3, now=NOW)
    item = current_item(session)
    item_reveal(item=item, attempt="mine", now=NOW)
    real_inserted = services._inserted

    def other_tab_first(card):
        other = Card(user_id=card.user_id, question_id=card.question_id, due=NOW)
        apply_review(other, rating=1, reviewed_at=NOW, desired_retention=0.9)
        other.save()
        Review.objects.create(
            user_id=card.user_id,
            card=other,
            rating=1,
            reviewed_at=NOW,
            desired_retention=0.9,
        )
        monkeypatch.setattr(services, "_inserted", real_inserted)
        return real_inserted(card)

    monkeypatch.setattr(services, "_inserted", other_tab_first)
    review = review_record(item=item, rating=3, now=NOW)
    card = Card.objects.get(user=user, question_id=item.question_id)
    assert review.card_id == card.pk and card.review_count == 2
    assert list(card.reviews.order_by("id").values_list("rating", flat=True)) == [1, 3]
    rebuilt = rebuild_card(card, card.reviews.all())
    assert {n: getattr(rebuilt, n) for n in CARD_FIELDS} == {
        n: getattr(card, n) for n in CARD_FIELDS
    }
