"""Undo the last grade: the review is voided (kept), the card is exactly what it was before the
grade, and the session is back on that card; through the real views, with and without htmx."""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse

from practice.models import Card, PracticeSession, Review
from practice.scheduling import rebuild_card
from practice.services import item_reveal, review_record, session_start
from tests.factories import UserFactory
from tests.practice_factories import NOW, current_item, grade, make_bank, urls_for

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CARD_FIELDS = [f.attname for f in Card._meta.concrete_fields]


def card_state(user, question):
    """Every field of the member's card for `question`, or None when there is no card yet."""
    card = Card.objects.filter(user=user, question=question).first()
    return None if card is None else {name: getattr(card, name) for name in CARD_FIELDS}


def as_new(state):
    """A card whose every grade was undone is a new question again: no FSRS state at all."""
    return state is None or (
        state["review_count"] == 0
        and state["last_review"] is None
        and state["stability"] is None
    )


def grade_through_views(client, session, rating, attempt="my try"):
    item = current_item(session)
    reveal_url, grade_url = urls_for(item)
    client.post(reveal_url, {"attempt": attempt})
    response = client.post(grade_url, {"rating": str(rating)})
    assert response.status_code == HTTPStatus.FOUND
    return item


@pytest.fixture
def bank():
    return make_bank()


def test_undo_restores_every_field_of_a_reviewed_card_and_goes_back_to_it(
    user_client, user, bank
):
    for question in bank:  # every card has a history, and is due
        grade(user, question, 3, NOW - timedelta(days=40))
        grade(user, question, 1, NOW - timedelta(days=30))
    user_client.post(reverse("practice:start"), {"mode": "due", "size": 3})
    session = PracticeSession.objects.get(user=user)
    item = current_item(session)
    before = card_state(user, item.question_id)

    grade_through_views(user_client, session, 4)
    assert card_state(user, item.question_id) != before
    assert current_item(session).pk != item.pk

    response = user_client.post(reverse("practice:undo", args=[session.pk]))
    assert response.status_code == HTTPStatus.FOUND
    assert card_state(user, item.question_id) == before
    voided = Review.objects.get(card__question=item.question_id, rating=4)
    assert voided.voided_at is not None and voided.attempt == "my try"
    back = current_item(session)
    assert back.pk == item.pk and back.is_revealed and not back.is_graded
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert "How well did you recall it?" in page and "my try" in page
    # Grading it again counts once, and the log still rebuilds the card exactly.
    grade_through_views(user_client, session, 2)
    card = Card.objects.get(user=user, question=item.question_id)
    rebuilt = rebuild_card(card, card.reviews.all())
    assert {n: getattr(rebuilt, n) for n in CARD_FIELDS} == card_state(
        user, card.question_id
    )
    assert card.reviews.counted().count() == 3 and card.reviews.count() == 4


def test_undo_twice_in_a_row_goes_back_two_cards(user_client, user, bank):
    user_client.post(reverse("practice:start"), {"mode": "new", "size": 3})
    session = PracticeSession.objects.get(user=user)
    first = grade_through_views(user_client, session, 3)
    first_after = card_state(user, first.question_id)
    second = grade_through_views(user_client, session, 1)

    user_client.post(reverse("practice:undo", args=[session.pk]), **HTMX)
    assert as_new(card_state(user, second.question_id))
    assert card_state(user, first.question_id) == first_after
    assert current_item(session).pk == second.pk

    response = user_client.post(reverse("practice:undo", args=[session.pk]), **HTMX)
    assert response.status_code == HTTPStatus.OK
    assert 'id="practice-card"' in response.content.decode()
    assert as_new(card_state(user, first.question_id))
    assert current_item(session).pk == first.pk
    assert session.items.count() == 1  # the second card left the session again
    # Both questions are new again: the home page counts them so.
    home = user_client.get(reverse("practice:home"))
    assert home.context["new_count"] == 3 and home.context["due_count"] == 0
    # Nothing left to undo: a clear refusal, not a 500.
    response = user_client.post(reverse("practice:undo", args=[session.pk]))
    assert response.status_code == HTTPStatus.CONFLICT
    assert "no grade to undo" in response.content.decode()


def test_undoing_the_grade_that_ended_a_session_reopens_it(user_client, user, bank):
    user_client.post(reverse("practice:start"), {"mode": "new", "size": 1})
    session = PracticeSession.objects.get(user=user)
    item = grade_through_views(user_client, session, 3)
    session.refresh_from_db()
    assert session.ended_at is not None
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert "Undo the last grade" in page
    user_client.post(reverse("practice:undo", args=[session.pk]))
    session.refresh_from_db()
    assert session.ended_at is None and current_item(session).pk == item.pk
    assert Review.objects.counted().filter(user=user).count() == 0
    history = user_client.get(reverse("practice:history"))
    assert history.status_code == HTTPStatus.OK
    assert "my try" not in history.content.decode()


def test_only_a_cards_latest_grade_can_be_undone(user, bank):
    first = session_start(user=user, mode="new", size=1, now=NOW)
    item = current_item(first)
    item_reveal(item=item, now=NOW)
    review_record(item=item, rating=1, now=NOW + timedelta(seconds=5))
    later = NOW + timedelta(minutes=20)
    second = session_start(user=user, mode="due", size=3, now=later)
    again = current_item(second)
    # The placement (practice.exposure) shows the topic's untried questions first.
    while again.question_id != item.question_id:
        item_reveal(item=again, now=later)
        review_record(item=again, rating=3, now=later + timedelta(seconds=1))
        again = current_item(second)
    item_reveal(item=again, now=later)
    review_record(item=again, rating=3, now=later + timedelta(seconds=5))
    from practice.services import PracticeRefused, review_undo

    with pytest.raises(PracticeRefused):
        review_undo(session=first, now=later + timedelta(minutes=1))
    review_undo(session=second, now=later + timedelta(minutes=1))
    review_undo(session=first, now=later + timedelta(minutes=2))
    assert as_new(card_state(user, item.question_id))


def test_another_members_session_is_a_404_and_nothing_changes(client, user, bank):
    session = session_start(user=user, mode="new", size=2, now=NOW)
    item = current_item(session)
    item_reveal(item=item, now=NOW)
    review_record(item=item, rating=3, now=NOW + timedelta(seconds=5))
    other = UserFactory()
    client.force_login(other)
    response = client.post(reverse("practice:undo", args=[session.pk]))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert Review.objects.counted().filter(user=user).count() == 1
    client.logout()
    response = client.post(reverse("practice:undo", args=[session.pk]))
    assert response.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in response["Location"]


def test_undo_is_post_only(user_client, user, bank):
    session = session_start(user=user, mode="new", size=2, now=NOW)
    response = user_client.get(reverse("practice:undo", args=[session.pk]))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
