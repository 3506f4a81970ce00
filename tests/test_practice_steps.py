"""Anki's learning and relearning steps as a member setting: validated on the settings form,
recorded on each review, and replayed by rebuild_card with the steps each review used."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse

from practice.models import Card, PracticeSettings
from practice.scheduling import rebuild_card
from practice.services import (
    item_reveal,
    practice_settings_update,
    review_record,
    session_end,
    session_start,
)
from tests.practice_factories import current_item, practisable_question

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def grade_once(user, now, rating, mode):
    """One session of one card at `now`, graded `rating`; the review."""
    session = session_start(user=user, mode=mode, size=1, now=now)
    item = current_item(session)
    item_reveal(item=item, thought_through=True, now=now)
    review = review_record(item=item, rating=rating, now=now)
    session_end(session=session, now=now)
    return review


def test_steps_schedule_learning_and_a_rebuild_replays_each_reviews_steps(user):
    practisable_question()
    practice_settings_update(user=user, learning_steps="5m 1h", relearning_steps="")
    first = grade_once(user, MORNING, 1, "new")  # Again: back to the first step
    card = Card.objects.get(user=user)
    assert first.learning_steps == "5m 1h" and first.relearning_steps == ""
    assert card.due - MORNING == timedelta(minutes=5)
    moment = card.due
    grade_once(user, moment, 3, "due")  # Good: the second step
    card.refresh_from_db()
    assert card.due - moment == timedelta(hours=1)
    # The member changes their steps mid-history: later reviews use the new ones.
    practice_settings_update(
        user=user, learning_steps="2h 3h 4h", relearning_steps="30m"
    )
    moment = card.due
    grade_once(user, moment, 1, "due")  # Again: step 0 of the new steps
    card.refresh_from_db()
    assert card.due - moment == timedelta(hours=2)
    for rating in (3, 3, 3, 1):  # through the steps to reviews, then forgotten
        moment = card.due
        grade_once(user, moment, rating, "due")
        card.refresh_from_db()
    assert card.due - moment == timedelta(minutes=30)  # the relearning step
    assert card.reviews.filter(learning_steps="5m 1h").count() == 2
    fields = [f.attname for f in Card._meta.concrete_fields]
    rebuilt = rebuild_card(card, card.reviews.all())
    assert {n: getattr(rebuilt, n) for n in fields} == {
        n: getattr(card, n) for n in fields
    }
    # The first two reviews replayed with their own steps, then with today's: the record matters.
    early = list(card.reviews.order_by("reviewed_at")[:2])
    assert rebuild_card(card, early).due - early[1].reviewed_at == timedelta(hours=1)
    for review in early:
        review.learning_steps, review.relearning_steps = "2h 3h 4h", "30m"
    assert rebuild_card(card, early).due - early[1].reviewed_at == timedelta(hours=3)


def test_steps_are_validated_and_keep_the_input(user_client, user):
    url = reverse("practice:settings")
    base = {"desired_retention": "0.9", "session_size": "10"}
    response = user_client.post(
        url, {**base, "learning_steps": "1m tenm", "relearning_steps": "10m"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert "“tenm” is not a step" in page
    assert 'value="1m tenm"' in page
    response = user_client.post(
        url, {**base, "learning_steps": "1m", "relearning_steps": "40d"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "each step is from 1s to 30d" in response.content.decode()
    response = user_client.post(
        url, {**base, "learning_steps": " 30S  1H 1d ", "relearning_steps": ""}
    )
    assert response.status_code == HTTPStatus.FOUND
    saved = PracticeSettings.objects.get(user=user)
    assert (saved.learning_steps, saved.relearning_steps) == ("30s 1h 1d", "")
    # A form without the fields (an older page) keeps the member's steps.
    user_client.post(url, base)
    saved.refresh_from_db()
    assert saved.learning_steps == "30s 1h 1d"
