"""The weak-topic estimator on hand-made histories (practice.mastery)."""

import math
from datetime import timedelta

import pytest

from practice.mastery import (
    CERTAINTY,
    LEVEL_SUSPECT,
    PRIOR_SD,
    REVIEW_WEIGHT,
    STATUS_FINE,
    STATUS_UNKNOWN,
    STATUS_WEAK,
    THETA_WEAK,
    log_odds_posterior,
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
    """Topics at the member's own level: four questions known at first sight and recalled
    since, and one failed at first sight (a member passes about three in four first sights)."""
    topics = [
        topic_with_history(user, [G] * 4, start=NOW - timedelta(days=20))
        for _ in range(count)
    ]
    for topic in topics:
        history(
            user,
            practisable_question(topic=topic),
            [A, G, G, G],
            start=NOW - timedelta(days=20),
            every=timedelta(days=3),
        )
    return topics


def grid_posterior(groups, line):
    """P(theta > line) and theta's posterior mean by brute force: the exact log posterior on a
    fine grid (the estimator uses Laplace's approximation)."""
    xs = [-6 + i * 0.001 for i in range(12001)]
    logs = []
    for x in xs:
        value = -(x**2) / (2 * PRIOR_SD**2)
        for weight, trials, failures, offset in groups:
            p = 1 / (1 + math.exp(-(offset + x)))
            value += weight * (
                failures * math.log(p) + (trials - failures) * math.log(1 - p)
            )
        logs.append(value)
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    total = sum(weights)
    above = sum(w for x, w in zip(xs, weights, strict=True) if x > line) / total
    return above, sum(x * w for x, w in zip(xs, weights, strict=True)) / total


def logit(p):
    return math.log(p / (1 - p))


@pytest.mark.parametrize(
    "groups",
    [
        [(1.0, 3, 3, logit(0.3))],
        [(1.0, 6, 1, logit(0.3))],
        [(1.0, 12, 7, logit(0.2)), (0.5, 10, 2, logit(0.1))],
        [(1.0, 25, 6, logit(0.25)), (0.5, 40, 3, logit(0.08))],
    ],
)
def test_the_laplace_approximation_is_close_to_the_exact_posterior(groups):
    mode, sd = log_odds_posterior(groups)
    exact_p, exact_mean = grid_posterior(groups, THETA_WEAK)
    approx_p = 0.5 * math.erfc((THETA_WEAK - mode) / (sd * math.sqrt(2)))
    assert approx_p == pytest.approx(exact_p, abs=0.03)
    assert mode == pytest.approx(exact_mean, abs=0.1)


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
    assert mastery.log_odds > THETA_WEAK and mastery.failure_ratio > 1.5
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
    assert all(mastery[t.pk].weak_probability < CERTAINTY for t in topics)


def test_the_estimate_matches_a_direct_computation(user):
    strong_topics(user, 2)
    topic = topic_with_history(
        user, LAPSING, questions=2, start=NOW - timedelta(days=30)
    )
    cards = list(Card.objects.filter(user=user).select_related("question"))
    by_topic = {}
    for card in cards:
        by_topic.setdefault(card.question.topic_id, []).append(card)

    # The first-sight pass rate pooled over the topics (at most 8 first sights each, smoothed
    # towards 0.7 by one trial), leaving out those LEVEL_SUSPECT likely weak against it.
    def pooled(groups):
        passed = sum(
            min(1, 8 / len(g)) * sum(c.first_passed for c in g) for g in groups
        )
        trials = sum(min(1, 8 / len(g)) * len(g) for g in groups)
        return (passed + 0.7) / (trials + 1)

    everyone = pooled(by_topic.values())
    usual = [
        group
        for group in by_topic.values()
        if grid_posterior(
            [
                (
                    1.0,
                    len(group),
                    sum(not c.first_passed for c in group),
                    logit(1 - everyone),
                )
            ],
            THETA_WEAK,
        )[0]
        < LEVEL_SUSPECT
    ]
    kappa = pooled(usual)
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
    reviews = sum(c.retention_reviews for c in mine)
    review_rate = calibration * sum(c.expected_lapses for c in mine) / reviews
    groups = [
        (1.0, len(mine), sum(not c.first_passed for c in mine), logit(1 - kappa)),
        (REVIEW_WEIGHT, reviews, sum(c.lapse_count for c in mine), logit(review_rate)),
    ]
    mastery = mastery_of(user, topic)
    level = member_level(card_rows(user))
    assert level.first_sight_pass == pytest.approx(kappa)
    assert level.calibration == pytest.approx(calibration)
    assert mastery.first_sight_expected == pytest.approx(1 - kappa)
    assert mastery.review_expected == pytest.approx(review_rate)
    exact_p, exact_mean = grid_posterior(groups, THETA_WEAK)
    assert mastery.weak_probability == pytest.approx(exact_p, abs=0.03)
    assert mastery.log_odds == pytest.approx(exact_mean, abs=0.1)


def test_the_target_follows_the_desired_retention(user):
    strong_topics(user)
    weak = topic_with_history(user, LAPSING, start=NOW - timedelta(days=20))
    assert mastery_of(user, weak, dr=0.97).is_weak
    # Below the member's level but above a (very low) target: not weak.
    sure = mastery_of(user, weak, dr=0.97)
    loose = mastery_of(user, weak, dr=sure.pass_rate * 0.9)
    assert loose.weak_probability == sure.weak_probability >= CERTAINTY
    assert not loose.is_weak


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
    # That many more questions passed at first sight settle it, one fewer does not.
    assert m.weak_probability_after(needed) < 1 - CERTAINTY
    assert m.weak_probability_after(needed - 1) >= 1 - CERTAINTY
    # A surely fine topic needs nothing more.
    assert mastery_of(user, strong_topics(user, count=1)[0]).passes_to_settle is None
