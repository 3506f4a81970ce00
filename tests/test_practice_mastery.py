"""The weak-topic formula on hand-made histories."""

from datetime import timedelta

import pytest
from fsrs import Scheduler

from practice.mastery import (
    STATUS_FINE,
    STATUS_UNKNOWN,
    STATUS_WEAK,
    topic_mastery,
    weak_topics,
)
from practice.models import Card, Rating, Review
from practice.selectors import card_rows
from practice.snapshot import home_summary
from tests.factories import TopicFactory
from tests.practice_factories import NOW, grade, history, practisable_question

pytestmark = pytest.mark.django_db

DR = 0.9


def mastery_of(user, topic, *, now=NOW, dr=DR):
    return topic_mastery(card_rows(user), desired_retention=dr, now=now).get(topic.pk)


def topic_with_history(user, ratings, *, questions=4, start, every=timedelta(days=3)):
    topic = TopicFactory()
    for _ in range(questions):
        history(
            user, practisable_question(topic=topic), ratings, start=start, every=every
        )
    return topic


def test_all_good_is_not_weak(user):
    topic = topic_with_history(
        user, [Rating.GOOD] * 5, start=NOW - timedelta(days=20), every=timedelta(days=4)
    )
    mastery = mastery_of(user, topic, now=NOW + timedelta(hours=1))
    assert mastery.reviewed == 4
    assert mastery.status == STATUS_FINE
    assert not mastery.is_weak
    assert mastery.performance > 0.95
    assert mastery.mastery >= DR - 0.05


def test_repeated_lapses_are_weak(user):
    topic = topic_with_history(
        user,
        [Rating.GOOD, Rating.AGAIN, Rating.AGAIN, Rating.HARD, Rating.AGAIN],
        start=NOW - timedelta(days=15),
    )
    mastery = mastery_of(user, topic)
    assert mastery.status == STATUS_WEAK
    assert mastery.performance < 0.6


def test_one_failure_is_not_enough_data(user):
    topic = topic_with_history(
        user, [Rating.AGAIN], questions=1, start=NOW - timedelta(days=1)
    )
    mastery = mastery_of(user, topic)
    assert mastery.reviewed == 1
    assert mastery.mastery < DR - 0.05  # low, but one question says little
    assert mastery.status == STATUS_UNKNOWN
    assert not mastery.is_weak


def test_two_questions_are_still_not_enough_data(user):
    topic = topic_with_history(
        user, [Rating.AGAIN] * 3, questions=2, start=NOW - timedelta(days=9)
    )
    assert mastery_of(user, topic).status == STATUS_UNKNOWN


def test_not_seen_for_200_days_is_weak(user):
    topic = topic_with_history(
        user,
        [Rating.GOOD, Rating.GOOD, Rating.GOOD],
        questions=3,
        start=NOW - timedelta(days=206),
    )
    fresh = mastery_of(user, topic, now=NOW - timedelta(days=199))
    stale = mastery_of(user, topic)
    assert fresh.status == STATUS_FINE
    assert stale.status == STATUS_WEAK
    assert (
        stale.retrievability < stale.performance
    )  # forgetting, not failing, makes it weak


def test_the_formula_matches_a_direct_computation_from_the_reviews(user):
    topic = TopicFactory()
    plans = [
        ([Rating.GOOD, Rating.AGAIN, Rating.GOOD], timedelta(days=2)),
        ([Rating.EASY, Rating.HARD], timedelta(days=11)),
        ([Rating.AGAIN, Rating.AGAIN, Rating.HARD, Rating.GOOD], timedelta(hours=30)),
    ]
    for index, (ratings, every) in enumerate(plans):
        history(
            user,
            practisable_question(topic=topic),
            ratings,
            start=NOW - timedelta(days=40 - index * 7, hours=index),
            every=every,
        )
    now = NOW + timedelta(hours=5, minutes=17)
    w20 = Scheduler().parameters[20]
    factor = 0.9 ** (-1 / w20) - 1
    recalls = [
        (1 + factor * ((now - c.last_review).total_seconds() / 86400) / c.stability)
        ** -w20
        for c in Card.objects.filter(user=user)
    ]
    weights, passes = 0.0, 0.0
    for review in Review.objects.filter(user=user):
        weight = 0.5 ** ((now - review.reviewed_at).total_seconds() / 86400 / 30)
        weights += weight
        passes += weight * (review.rating >= Rating.HARD)
    expected_r = (sum(recalls) + 2 * DR) / (len(recalls) + 2)
    expected_p = (passes + 2 * DR) / (weights + 2)

    mastery = mastery_of(user, topic, now=now)
    assert mastery.reviewed == 3
    assert mastery.retrievability == pytest.approx(expected_r, rel=1e-9)
    assert mastery.performance == pytest.approx(expected_p, rel=1e-9)
    assert mastery.mastery == pytest.approx(min(expected_r, expected_p), rel=1e-9)
    assert mastery.is_weak == (min(expected_r, expected_p) < DR - 0.05)


def test_the_line_follows_the_desired_retention(user):
    topic = topic_with_history(
        user, [Rating.GOOD, Rating.HARD, Rating.GOOD], start=NOW - timedelta(days=40)
    )
    loose = mastery_of(user, topic, dr=0.7)
    strict = mastery_of(user, topic, dr=0.97)
    assert loose.threshold == pytest.approx(0.65)
    assert strict.threshold == pytest.approx(0.92)
    assert not loose.is_weak


def test_weak_topics_are_ranked_by_distance_below_the_line(user):
    start = NOW - timedelta(days=12)
    mild = topic_with_history(
        user, [Rating.GOOD, Rating.AGAIN, Rating.GOOD], start=start
    )
    severe = topic_with_history(user, [Rating.AGAIN] * 4, start=start)
    topic_with_history(
        user, [Rating.GOOD] * 3, start=NOW - timedelta(days=1), every=timedelta(hours=2)
    )
    ranked = weak_topics(topic_mastery(card_rows(user), desired_retention=DR, now=NOW))
    assert [m.topic_id for m in ranked] == [severe.pk, mild.pk]
    assert ranked[0].gap > ranked[1].gap > 0


def test_home_summary_counts_topics_without_enough_practice(user):
    topic_with_history(user, [Rating.AGAIN], questions=1, start=NOW - timedelta(days=1))
    weak = topic_with_history(
        user, [Rating.AGAIN] * 3, questions=3, start=NOW - timedelta(days=5)
    )
    grade(user, practisable_question(), Rating.GOOD, NOW)
    summary = home_summary(user, now=NOW)
    assert [topic.pk for topic, _ in summary["weak_topics"]] == [weak.pk]
    assert summary["unknown_topic_count"] == 2
    assert summary["threshold_percent"] == 85
