"""The exposure policy: the new-card share, the daily allowance, the diagnostic first sessions,
where new cards go, and same-session relearning (practice.exposure through next_pick)."""

import random
from collections import Counter
from datetime import timedelta

import pytest

from practice.exposure import (
    DIAGNOSTIC_QUESTIONS,
    MAX_SHOWINGS,
    NEW_PER_DAY,
    PHASE_ANY,
    PHASE_DIAGNOSTIC,
    PHASE_REMEDIATION,
    PHASE_UNDECIDED,
    new_topic,
)
from practice.mastery import TopicMastery
from practice.models import Mode, PracticeSession, SessionItem
from practice.services import item_reveal, review_record, session_start
from questions.models import Question
from tests.factories import TopicFactory
from tests.practice_factories import NOW, grade, practisable_question

pytestmark = pytest.mark.django_db
D, N, R = SessionItem.Reason.DUE, SessionItem.Reason.NEW, SessionItem.Reason.RELEARN


def new_session(user, mode=Mode.DUE, size=10):
    return PracticeSession.objects.create(
        user=user, mode=mode, size=size, started_at=NOW
    )


def take(session, count, *, now=NOW):
    from tests.test_practice_next_card import take as take_without_grading

    return take_without_grading(session, count, now=now)


def bank(topics=5, per_topic=4):
    made = [TopicFactory() for _ in range(topics)]
    for topic in made:
        for _ in range(per_topic):
            practisable_question(topic=topic)
    return made


def topic_of(pick):
    return Question.objects.get(pk=pick.question_id).topic_id


def graded_per_topic(user, topics, count, at):
    for topic in topics:
        for question in Question.objects.filter(topic=topic).order_by("pk")[:count]:
            grade(user, question, 4, at)


def test_a_due_session_keeps_half_its_cards_new(user):
    topics = bank(topics=4, per_topic=5)
    # Every topic placed (DIAGNOSTIC_QUESTIONS tried), all of them due now.
    graded_per_topic(user, topics, DIAGNOSTIC_QUESTIONS, NOW - timedelta(days=60))
    picks = take(new_session(user, size=10), 10)
    assert [p.reason for p in picks] == [D, N] * 5


def test_the_placement_shows_new_questions_before_due_ones(user):
    topics = bank(topics=4, per_topic=6)
    graded_per_topic(user, topics[:3], DIAGNOSTIC_QUESTIONS, NOW - timedelta(days=60))
    graded_per_topic(user, topics[3:], 1, NOW - timedelta(days=60))
    picks = take(new_session(user, size=8), 8)
    # The last topic lacks DIAGNOSTIC_QUESTIONS - 1 questions: they come first; then at least
    # half the session's cards are new.
    placement = DIAGNOSTIC_QUESTIONS - 1
    assert placement == 2
    assert [topic_of(p) for p in picks[:placement]] == [topics[3].pk] * placement
    assert [p.reason for p in picks] == [N, N, D, D, D, N, D, N]


def test_the_daily_allowance_of_new_cards(user):
    bank(topics=2, per_topic=NEW_PER_DAY)
    questions = list(Question.objects.all())
    for question in questions[:NEW_PER_DAY]:
        grade(
            user, question, 4, NOW - timedelta(hours=2)
        )  # today's new cards (Easy: not due)
    grade(user, questions[-1], 4, NOW - timedelta(days=60))  # due
    picks = take(new_session(user, size=10), 10)
    assert [p.reason for p in picks] == [D]  # no new card left today, one due card
    # The new-questions mode is the member's explicit choice: no allowance there.
    assert take(new_session(user, mode=Mode.NEW, size=3), 3)[0].reason == N
    # Tomorrow the allowance is back.
    tomorrow = take(new_session(user, size=4), 4, now=NOW + timedelta(days=1))
    assert N in [p.reason for p in tomorrow]


def test_the_first_sessions_sample_every_topic(user):
    topics = bank(topics=6, per_topic=5)
    picks = take(new_session(user, size=6 * DIAGNOSTIC_QUESTIONS), 50)
    counts = Counter(topic_of(p) for p in picks)
    assert counts == {t.pk: DIAGNOSTIC_QUESTIONS for t in topics}
    first_round = {topic_of(p) for p in picks[:6]}
    assert first_round == {t.pk for t in topics}  # every topic once before any twice


def estimate(topic_id, *, failures, trials, expected=0.3):
    """A topic's estimate from first sights alone, `expected` the member's failure rate."""
    return TopicMastery(
        topic_id=topic_id,
        questions=trials,
        first_sights=trials,
        first_sight_failures=failures,
        retention_reviews=0,
        lapses=0,
        first_sight_expected=expected,
        review_expected=0.1,
        recall_now=0.9,
        desired_retention=0.9,
    )


def test_new_cards_go_to_untried_then_doubtful_then_weak_topics():
    rng = random.Random(7)
    counts = {1: 5, 2: 5, 3: 5, 4: 5}
    tried = {1: 8, 2: 8, 3: 1, 4: 6}
    sure_fine = estimate(1, failures=0, trials=8)
    sure_weak = estimate(2, failures=8, trials=8)
    assert sure_fine.status == "fine" and sure_fine.is_settled
    assert sure_weak.is_weak and sure_weak.is_settled
    leaning_fine = estimate(4, failures=2, trials=6)  # P(weak) about 0.24
    mastery = {
        1: sure_fine,
        2: sure_weak,
        3: estimate(3, failures=1, trials=1),
        4: leaning_fine,
    }
    # Placement: a topic with fewer than 3 questions tried comes first.
    assert new_topic(mastery, counts, tried, rng=rng) == (3, PHASE_DIAGNOSTIC)
    tried[3] = 3
    # Then the topic whose judgement is likeliest wrong: a suspect judged fine (a miss with
    # probability P(weak), about 0.55) before one leaning fine (about 0.24) ...
    mastery[3] = estimate(3, failures=2, trials=3)
    assert not mastery[3].is_weak and not mastery[3].is_settled
    assert not leaning_fine.is_settled and not leaning_fine.is_weak
    assert new_topic(mastery, counts, tried, rng=rng) == (3, PHASE_UNDECIDED)
    # ... and a topic flagged weak, not sure yet (a false alarm with probability about 0.04),
    # after the one leaning fine, but before topics settled either way.
    mastery[3] = estimate(3, failures=7, trials=8)
    assert mastery[3].is_weak and not mastery[3].is_settled
    assert new_topic(mastery, counts, tried, rng=rng) == (4, PHASE_UNDECIDED)
    del counts[4]  # no new question left in topic 4
    assert new_topic(mastery, counts, tried, rng=rng) == (3, PHASE_UNDECIDED)
    # Once every topic is settled: half the time a weak topic (remediation), else any.
    counts[4] = 5
    mastery[3] = estimate(3, failures=0, trials=8)
    mastery[4] = estimate(4, failures=0, trials=8)
    phases = Counter(new_topic(mastery, counts, tried, rng=rng) for _ in range(400))
    assert set(phases) == {(2, PHASE_REMEDIATION), (None, PHASE_ANY)}
    assert 150 < phases[(2, PHASE_REMEDIATION)] < 250  # half the time
    assert new_topic(mastery, {}, tried, rng=rng) == (None, PHASE_ANY)


def grade_current(session, rating, now):
    session.refresh_from_db()
    item = session.items.filter(review__isnull=True).order_by("-position").first()
    item_reveal(item=item, now=now)
    review_record(item=item, rating=rating, now=now)
    return item


def test_a_failed_card_comes_back_in_the_same_session(user):
    bank(topics=3, per_topic=4)
    session = session_start(user=user, mode=Mode.DUE, size=4, now=NOW)
    failed = grade_current(session, 1, NOW)  # Again: due in 1 minute
    moment = NOW
    shown = [failed.question_id]
    for _ in range(3):
        moment += timedelta(seconds=40)
        shown.append(grade_current(session, 3, moment).question_id)
    items = list(session.items.order_by("position"))
    reasons = [item.reason for item in items]
    # The failed card came back once its step had passed, and did not take a new card's place.
    assert R in reasons
    again = items[reasons.index(R)]
    assert again.question_id == failed.question_id
    assert again.shown_at >= NOW + timedelta(minutes=1)
    assert len({item.question_id for item in items}) == 4


def test_a_card_comes_back_at_most_a_few_times(user):
    bank(topics=2, per_topic=3)
    session = session_start(user=user, mode=Mode.DUE, size=6, now=NOW)
    moment = NOW
    while True:
        session.refresh_from_db()
        if session.ended_at or moment > NOW + timedelta(hours=2):
            break
        grade_current(session, 1, moment)  # always Again
        moment += timedelta(minutes=2)
    showings = Counter(session.items.values_list("question_id", flat=True))
    assert len(showings) == 6
    assert max(showings.values()) == MAX_SHOWINGS
    assert all(count <= MAX_SHOWINGS for count in showings.values())
