"""The member's daily limits (Anki's "new cards per day" and "maximum reviews per day") set the
exposure policy's allowances, and hold across several sessions in one day."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse

from practice.models import Card, PracticeSettings, SessionItem
from practice.services import (
    NothingToPractise,
    item_reveal,
    review_record,
    session_start,
)
from tests.practice_factories import current_item, grade, practisable_question

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def run_session(user, now, size=10, mode="due"):
    """Start a session (due reviews by default) at `now` and grade every card Easy; the reasons
    shown."""
    try:
        session = session_start(user=user, mode=mode, size=size, now=now)
    except NothingToPractise:
        return []
    reasons = []
    while (item := current_item(session)) is not None:
        now += timedelta(seconds=30)
        item_reveal(item=item, now=now)
        review_record(item=item, rating=4, now=now)
        reasons.append(item.reason)
        session.refresh_from_db()
    return reasons


def test_limits_hold_across_sessions_in_one_day(user):
    PracticeSettings.objects.create(user=user, new_per_day=3, reviews_per_day=4)
    for _ in range(10):
        practisable_question()
    old = [practisable_question() for _ in range(8)]
    for question in old:  # due this morning
        grade(user, question, 4, MORNING - timedelta(days=90))
    shown = []
    for hour in range(4):  # four sessions through the day
        shown += run_session(user, MORNING + timedelta(hours=hour), size=3)
    new = [r for r in shown if r in (SessionItem.Reason.NEW, SessionItem.Reason.WEAK)]
    due = [r for r in shown if r == SessionItem.Reason.DUE]
    assert len(new) == 3 and len(due) == 4
    # The next day both allowances are back.
    tomorrow = run_session(user, MORNING + timedelta(days=1), size=10)
    assert tomorrow.count(SessionItem.Reason.DUE) == 4
    assert sum(r != SessionItem.Reason.DUE for r in tomorrow) == 3


def test_focus_mode_shares_the_days_limits_with_due_sessions(user):
    PracticeSettings.objects.create(user=user, new_per_day=3, reviews_per_day=4)
    for _ in range(10):
        practisable_question()
    for question in [practisable_question() for _ in range(8)]:  # due this morning
        grade(user, question, 4, MORNING - timedelta(days=90))
    shown = []
    for hour, mode in enumerate(("weak", "due", "weak", "weak", "weak")):
        shown += run_session(user, MORNING + timedelta(hours=hour), size=3, mode=mode)
    new = [r for r in shown if r in (SessionItem.Reason.NEW, SessionItem.Reason.WEAK)]
    assert len(new) == 3 and shown.count(SessionItem.Reason.DUE) == 4
    # Beyond both limits, focus offers only early reviews of cards not due yet (extra study).
    assert SessionItem.Reason.EARLY in shown
    assert len(shown) == 7 + shown.count(SessionItem.Reason.EARLY)
    held_back = Card.objects.filter(user=user, due__lte=MORNING + timedelta(hours=6))
    assert held_back.count() == 4  # due cards past the review limit wait for tomorrow


def test_the_day_is_the_members_day(user):
    PracticeSettings.objects.create(
        user=user, new_per_day=1, reviews_per_day=0, time_zone="Asia/Tokyo"
    )
    for _ in range(4):
        practisable_question()
    late = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)  # 23:00 in Tokyo
    assert len(run_session(user, late)) == 1
    assert run_session(user, late + timedelta(minutes=30)) == []
    # 00:30 in Tokyo (still 1 June in UTC): a new day for the member.
    assert len(run_session(user, late + timedelta(hours=1, minutes=30))) == 1


def test_limits_are_settings(user_client, user):
    response = user_client.post(
        reverse("practice:settings"),
        {
            "desired_retention": "0.9",
            "session_size": "10",
            "new_per_day": "5",
            "reviews_per_day": "50",
            "time_zone": "Europe/Paris",
            "leech_threshold": "6",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    saved = PracticeSettings.objects.get(user=user)
    assert (saved.new_per_day, saved.reviews_per_day) == (5, 50)
    assert (saved.time_zone, saved.leech_threshold) == ("Europe/Paris", 6)
    response = user_client.post(
        reverse("practice:settings"),
        {"desired_retention": "0.9", "session_size": "10", "new_per_day": "-1"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    response = user_client.post(
        reverse("practice:settings"),
        {"desired_retention": "0.9", "session_size": "10", "time_zone": "Mars/Base"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Choose a time zone from the list" in response.content.decode()


def test_interval_fuzz_is_deterministic_so_the_log_still_rebuilds_the_card(user):
    from practice.scheduling import next_intervals, rebuild_card

    PracticeSettings.objects.create(user=user, interval_fuzz=True)
    questions = [practisable_question() for _ in range(6)]
    moment = MORNING
    session = session_start(user=user, mode="new", size=6, now=moment)
    while (item := current_item(session)) is not None:
        moment += timedelta(seconds=10)
        item_reveal(item=item, now=moment)
        review_record(
            item=item, rating=4, now=moment
        )  # Easy: a review interval of days
    cards = list(Card.objects.filter(user=user))
    assert len(cards) == len(questions)
    fields = [f.attname for f in Card._meta.concrete_fields]
    unfuzzed = []
    for card in cards:
        review = card.reviews.get()
        assert review.fuzzed
        rebuilt = rebuild_card(card, card.reviews.all())
        assert {n: getattr(rebuilt, n) for n in fields} == {
            n: getattr(card, n) for n in fields
        }
        plain = next_intervals(None, now=review.reviewed_at, desired_retention=0.9)[4]
        unfuzzed.append((card.due - review.reviewed_at).days - plain.days)
    # Easy on a new card gives a review interval of several days: fuzz moved some of them.
    assert any(unfuzzed) and all(abs(days) <= 2 for days in unfuzzed)
