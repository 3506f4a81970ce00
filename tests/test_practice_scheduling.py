"""FSRS integration: ratings move due dates the FSRS way, and the log rebuilds every card."""

from datetime import UTC, timedelta

import pytest
from fsrs import Card as FsrsCard
from fsrs import Rating as FsrsRating
from fsrs import Scheduler, State

from practice.models import Card, CardState, Rating, Review
from practice.scheduling import (
    DECAY,
    FACTOR,
    format_interval,
    next_intervals,
    rebuild_card,
    retrievability,
)
from practice.services import (
    item_reveal,
    practice_settings_update,
    review_record,
    session_start,
)
from tests.practice_factories import NOW, grade, practisable_question

pytestmark = pytest.mark.django_db


def test_a_new_card_follows_the_fsrs_learning_steps(user):
    again, good, easy = (practisable_question() for _ in range(3))
    grade(user, again, Rating.AGAIN, NOW)
    grade(user, good, Rating.GOOD, NOW)
    grade(user, easy, Rating.EASY, NOW)
    cards = {c.question_id: c for c in Card.objects.filter(user=user)}
    assert cards[again.pk].due == NOW + timedelta(minutes=1)
    assert cards[good.pk].due == NOW + timedelta(minutes=10)
    assert cards[good.pk].state == CardState.LEARNING
    assert cards[easy.pk].state == CardState.REVIEW
    assert cards[easy.pk].due - NOW >= timedelta(days=8)


def test_ratings_order_the_next_interval_of_a_review_card(user):
    questions = [practisable_question() for _ in Rating]
    for question, rating in zip(questions, Rating, strict=True):
        grade(user, question, Rating.EASY, NOW - timedelta(days=20))
        grade(user, question, rating, NOW)
    due = {c.question_id: c.due for c in Card.objects.filter(user=user)}
    again, hard, good, easy = (due[q.pk] for q in questions)
    assert again == NOW + timedelta(minutes=10)  # relearning step
    assert NOW + timedelta(days=1) <= hard < good < easy


def test_stored_cards_match_py_fsrs_run_directly(user):
    question = practisable_question()
    times = [
        NOW,
        NOW + timedelta(minutes=12),
        NOW + timedelta(days=3),
        NOW + timedelta(days=19),
    ]
    ratings = [Rating.GOOD, Rating.GOOD, Rating.AGAIN, Rating.EASY]
    for at, rating in zip(times, ratings, strict=True):
        grade(user, question, rating, at)
    scheduler = Scheduler(enable_fuzzing=False, desired_retention=0.9)
    expected = FsrsCard(card_id=1, due=NOW)
    for at, rating in zip(times, ratings, strict=True):
        expected, _ = scheduler.review_card(
            expected, FsrsRating(int(rating)), review_datetime=at
        )
    card = Card.objects.get(user=user)
    assert card.state == expected.state == State.Review
    assert card.due == expected.due
    assert card.stability == pytest.approx(expected.stability, rel=1e-12)
    assert card.difficulty == pytest.approx(expected.difficulty, rel=1e-12)
    assert card.lapse_count == 1
    assert card.review_count == 4


def test_a_card_rebuilt_from_its_log_equals_the_stored_card(user):
    """Through the real services, with the desired retention changed half-way."""
    for _ in range(3):
        practisable_question()
    ratings = iter([3, 1, 4, 2, 3, 3, 1, 3, 4, 2, 2, 3])
    moment = NOW
    for round_number in range(4):
        if round_number == 2:
            practice_settings_update(user=user, desired_retention=0.8, session_size=10)
        session = session_start(user=user, mode="due", size=3, now=moment)
        for _ in range(3):
            item = session.items.filter(review__isnull=True).get()
            item_reveal(item=item, attempt="try", now=moment + timedelta(seconds=30))
            moment += timedelta(minutes=1)
            review_record(item=item, rating=next(ratings), now=moment)
            session.refresh_from_db()
            if session.ended_at:
                break
        moment += timedelta(days=4, hours=5)
    # Cards not yet due are not offered again, so some sessions end early.
    assert Review.objects.filter(user=user).count() >= 8
    assert set(Review.objects.values_list("desired_retention", flat=True)) == {0.9, 0.8}
    fields = [f.attname for f in Card._meta.concrete_fields]
    for card in Card.objects.filter(user=user):
        rebuilt = rebuild_card(card, list(card.reviews.all()))
        for name in fields:
            assert getattr(rebuilt, name) == getattr(card, name), name
        assert rebuilt.due.tzinfo is not None


def test_retrievability_uses_fractional_days(user):
    question = practisable_question()
    grade(user, question, Rating.EASY, NOW)
    card = Card.objects.get()
    assert retrievability(card.stability, card.last_review, NOW) == 1.0
    assert retrievability(
        card.stability, card.last_review, NOW + timedelta(days=card.stability)
    ) == pytest.approx(0.9)
    half_day = retrievability(
        card.stability, card.last_review, NOW + timedelta(hours=12)
    )
    assert half_day == pytest.approx((1 + FACTOR * 0.5 / card.stability) ** -DECAY)
    assert half_day < 1.0  # py-fsrs itself would round 12 hours down to 0 days: 1.0
    assert retrievability(None, None, NOW) is None


def test_each_review_records_the_recall_predicted_before_it(user):
    question = practisable_question()
    first = grade(user, question, Rating.EASY, NOW)
    card = Card.objects.get()
    stability, last = card.stability, card.last_review
    later = NOW + timedelta(days=5, hours=7)
    second = grade(user, question, Rating.GOOD, later)
    assert first.retrievability is None
    assert second.retrievability == pytest.approx(
        retrievability(stability, last, later)
    )


def test_the_review_log_is_append_only(user):
    review = grade(user, practisable_question(), Rating.GOOD, NOW)
    review.rating = Rating.EASY
    with pytest.raises(ValueError, match="append-only"):
        review.save()


def test_times_must_be_timezone_aware(user):
    card = Card(user=user, question=practisable_question(), due=NOW)
    with pytest.raises(ValueError):
        from practice.scheduling import apply_review

        apply_review(
            card, rating=3, reviewed_at=NOW.replace(tzinfo=None), desired_retention=0.9
        )


def test_next_intervals_preview_each_button():
    intervals = next_intervals(None, now=NOW, desired_retention=0.9)
    assert intervals[Rating.AGAIN] == timedelta(minutes=1)
    assert intervals[Rating.GOOD] == timedelta(minutes=10)
    assert intervals[Rating.EASY] >= timedelta(days=8)
    assert format_interval(intervals[Rating.AGAIN]) == "1 min"
    assert format_interval(timedelta(days=1)) == "1 day"
    assert format_interval(timedelta(days=45)) == "1.5 months"
    assert format_interval(timedelta(days=800)) == "2.2 years"
    assert NOW.tzinfo is UTC
