"""The weak-topic estimator on hand-made histories (practice.mastery)."""

import math
from datetime import timedelta

import pytest

from practice.mastery import (
    CERTAINTY,
    LAMBDA_WEAK,
    PRIOR_STRENGTH,
    STATUS_FINE,
    STATUS_UNKNOWN,
    STATUS_WEAK,
    gamma_sf,
    member_level,
    topic_mastery,
    weak_topics,
)
from practice.models import Card, Rating
from practice.selectors import card_rows
from practice.snapshot import home_summary
from tests.factories import TopicFactory
from tests.practice_factories import NOW, grade, history, practisable_question

pytestmark = pytest.mark.django_db

DR = 0.9
G, A = Rating.GOOD, Rating.AGAIN
# A first-sight failure, then two lapses once the card had graduated (Good, Good: Review).
LAPSING = [A, G, G, A, G, A]


def mastery_of(user, topic, *, now=NOW, dr=DR):
    return topic_mastery(card_rows(user), desired_retention=dr, now=now).get(topic.pk)


def topic_with_history(user, ratings, *, questions=4, start, every=timedelta(days=3)):
    topic = TopicFactory()
    for _ in range(questions):
        history(
            user, practisable_question(topic=topic), ratings, start=start, every=every
        )
    return topic


def strong_topics(user, count=4):
    return [
        topic_with_history(user, [G] * 4, start=NOW - timedelta(days=20))
        for _ in range(count)
    ]


def gamma_tail_reference(shape, x):
    """Q(shape, x) in closed form: e^-x * sum x^i / i! for whole shapes, and from
    Q(1/2, x) = erfc(sqrt x) by Q(a + 1, x) = Q(a, x) + x^a e^-x / Gamma(a + 1) for halves."""
    if shape == int(shape):
        return math.exp(-x) * sum(x**i / math.factorial(i) for i in range(int(shape)))
    a, q = 0.5, math.erfc(math.sqrt(x))
    while a < shape:
        q += math.exp(a * math.log(x) - x - math.lgamma(a + 1))
        a += 1
    return q


@pytest.mark.parametrize("shape", [0.5, 1, 2, 3.5, 7.5, 14, 60])
@pytest.mark.parametrize("x", [0.01, 0.3, 1, 2.5, 7, 40, 90])
def test_the_gamma_tail_matches_its_closed_forms(shape, x):
    assert gamma_sf(shape, x) == pytest.approx(
        gamma_tail_reference(shape, x), rel=1e-6, abs=1e-12
    )


def test_all_good_is_not_weak(user):
    topic = topic_with_history(user, [G] * 5, start=NOW - timedelta(days=20))
    strong_topics(user, 2)
    mastery = mastery_of(user, topic, now=NOW + timedelta(hours=1))
    assert mastery.questions == 4 and mastery.first_sights == 4
    assert mastery.failures == 0
    assert mastery.status == STATUS_FINE
    assert mastery.certainty > 0.8
    assert not mastery.is_weak


def test_repeated_lapses_are_weak_and_say_how_sure(user, client):
    strong_topics(user)
    weak = topic_with_history(user, LAPSING, start=NOW - timedelta(days=20))
    mastery = mastery_of(user, weak)
    assert (mastery.first_sights, mastery.first_sight_failures) == (4, 4)
    assert (mastery.retention_reviews, mastery.lapses) == (8, 8)
    assert mastery.status == STATUS_WEAK
    assert mastery.weak_probability >= CERTAINTY
    assert mastery.failure_ratio > LAMBDA_WEAK
    assert mastery.pass_rate < DR
    client.force_login(user)
    page = client.get("/practice/progress/").content.decode()
    assert f"4 questions, {mastery.certainty_percent}% sure" in page


def test_two_reviews_are_not_judged_yet(user):
    strong_topics(user, 2)
    topic = topic_with_history(user, [A], questions=2, start=NOW - timedelta(days=1))
    mastery = mastery_of(user, topic)
    assert mastery.trials == 2
    assert mastery.status == STATUS_UNKNOWN
    assert mastery.trials_needed == 1
    assert not mastery.is_weak


def test_learning_steps_are_not_evidence(user):
    """Grades minutes apart (learning and relearning steps) say little about memory."""
    topic = topic_with_history(
        user, [A, A, A, A], questions=1, start=NOW, every=timedelta(minutes=2)
    )
    mastery = mastery_of(user, topic, now=NOW + timedelta(hours=1))
    assert (mastery.first_sights, mastery.retention_reviews) == (1, 0)
    assert mastery.status == STATUS_UNKNOWN


def test_a_small_topic_is_judged_on_its_reviews(user):
    """A topic with one question is judged once that question has 3 graded trials."""
    strong_topics(user)
    small = topic_with_history(
        user, LAPSING, questions=1, start=NOW - timedelta(days=20)
    )
    mastery = mastery_of(user, small)
    assert mastery.questions == 1 and mastery.trials == 3
    assert mastery.status in (STATUS_WEAK, STATUS_FINE)
    # Three failures in three trials, but a wide posterior: less sure than four questions.
    assert mastery.weak_probability > 0.5


def test_not_seen_for_200_days_decays(user):
    topic = topic_with_history(
        user, [G, G, G], questions=3, start=NOW - timedelta(days=206)
    )
    fresh = mastery_of(user, topic, now=NOW - timedelta(days=199))
    stale = mastery_of(user, topic)
    assert fresh.recall_now > 0.9
    assert stale.recall_now < 0.8  # forgetting shows as "recall now" ...
    assert stale.status == fresh.status == STATUS_FINE  # ... not as a weakness


def test_a_member_weak_everywhere_has_no_weak_topic(user):
    """Weak means below the member's own level: uniformly poor grades flag nothing."""
    topics = [
        topic_with_history(user, LAPSING, start=NOW - timedelta(days=20))
        for _ in range(4)
    ]
    mastery = topic_mastery(card_rows(user), desired_retention=DR, now=NOW)
    assert [mastery[t.pk].status for t in topics] == [STATUS_FINE] * 4
    # The smoothing of the member's level towards 0.7 leaves some excess for a member who fails
    # everything, but not a credible one.
    assert all(0.7 < mastery[t.pk].failure_ratio < 1.5 for t in topics)


def test_the_estimate_matches_a_direct_computation(user):
    strong_topics(user, 2)
    topic = topic_with_history(
        user, LAPSING, questions=2, start=NOW - timedelta(days=30)
    )
    cards = list(Card.objects.filter(user=user).select_related("question"))
    by_topic = {}
    for card in cards:
        by_topic.setdefault(card.question.topic_id, []).append(card)
    # The median topic's first-sight pass rate, each smoothed towards 0.7 by one trial.
    rates = sorted(
        (sum(c.first_passed for c in group) + 0.7) / (len(group) + 1)
        for group in by_topic.values()
    )
    kappa = rates[len(rates) // 2]  # three topics: the middle one
    # FSRS's calibration, each topic weighing at most 4 reviews.
    weights = {
        t: min(1, 4 / sum(c.retention_reviews for c in group))
        if sum(c.retention_reviews for c in group)
        else 0
        for t, group in by_topic.items()
    }
    calibration = (
        sum(weights[t] * sum(c.lapse_count for c in g) for t, g in by_topic.items()) + 1
    ) / (
        sum(weights[t] * sum(c.expected_lapses for c in g) for t, g in by_topic.items())
        + 1
    )
    mine = [c for c in cards if c.question.topic_id == topic.pk]
    failures = sum(not c.first_passed for c in mine) + sum(c.lapse_count for c in mine)
    expected = len(mine) * (1 - kappa) + calibration * sum(
        c.expected_lapses for c in mine
    )
    mastery = mastery_of(user, topic)
    level = member_level(card_rows(user))
    assert level.first_sight_pass == pytest.approx(kappa)
    assert level.calibration == pytest.approx(calibration)
    assert mastery.expected_failures == pytest.approx(expected)
    assert mastery.failure_ratio == pytest.approx(
        (PRIOR_STRENGTH + failures) / (PRIOR_STRENGTH + expected)
    )
    assert mastery.weak_probability == pytest.approx(
        gamma_sf(PRIOR_STRENGTH + failures, (PRIOR_STRENGTH + expected) * LAMBDA_WEAK)
    )


def test_the_target_follows_the_desired_retention(user):
    strong_topics(user)
    weak = topic_with_history(user, LAPSING, start=NOW - timedelta(days=20))
    assert mastery_of(user, weak, dr=0.97).is_weak
    # Below the member's level but above a (very low) target: not weak.
    loose = mastery_of(user, weak, dr=0.7)
    assert loose.pass_rate > 0.3
    assert loose.is_weak == (loose.pass_rate < 0.7)


def test_weak_topics_are_ranked_surest_first(user):
    strong_topics(user, 5)
    start = NOW - timedelta(days=20)
    mild = topic_with_history(user, LAPSING, questions=2, start=start)
    severe = topic_with_history(user, LAPSING, questions=5, start=start)
    ranked = weak_topics(topic_mastery(card_rows(user), desired_retention=DR, now=NOW))
    assert [m.topic_id for m in ranked][:1] == [severe.pk]
    assert mild.pk in {m.topic_id for m in ranked} or len(ranked) == 1


def test_home_summary_counts_topics_not_judged_yet(user):
    strong_topics(user)
    topic_with_history(user, [A], questions=1, start=NOW - timedelta(days=1))
    weak = topic_with_history(user, LAPSING, start=NOW - timedelta(days=20))
    grade(user, practisable_question(), Rating.GOOD, NOW)
    summary = home_summary(user, now=NOW)
    assert [topic.pk for topic, _ in summary["weak_topics"]] == [weak.pk]
    assert summary["unknown_topic_count"] == 2
    assert summary["threshold_percent"] == 90


def test_an_undecided_fine_topic_says_what_would_settle_it(user):
    strong_topics(user)
    # Two first-sight failures of four questions, then all recalled: fine, with doubt.
    doubtful = topic_with_history(
        user, [A, G, G], questions=2, start=NOW - timedelta(days=9)
    )
    for _ in range(2):
        history(
            user,
            practisable_question(topic=doubtful),
            [G, G],
            start=NOW - timedelta(days=5),
        )
    m = mastery_of(user, doubtful)
    assert m.status == STATUS_FINE and m.is_undecided
    needed = m.passes_to_settle
    assert needed is not None and needed >= 1
    # That many more passed trials (each adding the member's expected failures) settle it.
    per_trial = m.expected_failures / m.trials
    assert (
        gamma_sf(m.shape, (m.rate + needed * per_trial) * LAMBDA_WEAK) < 1 - CERTAINTY
    )
    assert (
        gamma_sf(m.shape, (m.rate + (needed - 1) * per_trial) * LAMBDA_WEAK)
        >= 1 - CERTAINTY
    )
    # A surely fine topic needs nothing more.
    assert mastery_of(user, strong_topics(user, count=1)[0]).passes_to_settle is None
