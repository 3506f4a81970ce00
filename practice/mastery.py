"""Topic mastery and weak topics, in one pass over a user's cards.

For a user and topic t, with A the questions of t the user has reviewed and DR the desired
retention:

- R_i = (1 + F * dt_i / S_i) ** -w20, the retrievability of card i now (dt in fractional days);
- Rbar_t = (sum R_i + 2 * DR) / (|A| + 2);
- P_t = (sum_j w_j * [rating_j >= Hard] + 2 * DR) / (sum_j w_j + 2) over the user's reviews j
  in t, with w_j = 0.5 ** (age_j / 30 days);
- M_t = min(Rbar_t, P_t). Weak: |A| >= 3 and M_t < DR - 0.05, ranked by the distance below.

The sums over reviews come from each card's `recent_weight` / `recent_pass_weight` (the same sums
valued at its last review), decayed to now: exact, and independent of the number of reviews.
"""

from collections import defaultdict
from dataclasses import dataclass

from .scheduling import recency_factor, retrievability

MIN_REVIEWED = 3
WEAK_MARGIN = 0.05
PRIOR_WEIGHT = 2

STATUS_WEAK = "weak"
STATUS_FINE = "fine"
STATUS_UNKNOWN = "unknown"


@dataclass(frozen=True)
class TopicMastery:
    topic_id: int
    reviewed: int
    retrievability: float
    performance: float
    desired_retention: float

    @property
    def mastery(self) -> float:
        return min(self.retrievability, self.performance)

    @property
    def threshold(self) -> float:
        return self.desired_retention - WEAK_MARGIN

    @property
    def has_enough_data(self) -> bool:
        return self.reviewed >= MIN_REVIEWED

    @property
    def is_weak(self) -> bool:
        return self.has_enough_data and self.mastery < self.threshold

    @property
    def gap(self) -> float:
        """How far below the weak line the topic is (negative: above it)."""
        return self.threshold - self.mastery

    @property
    def status(self) -> str:
        if not self.has_enough_data:
            return STATUS_UNKNOWN
        return STATUS_WEAK if self.is_weak else STATUS_FINE

    @property
    def percent(self) -> int:
        return round(self.mastery * 100)


def unpractised(topic_id, desired_retention) -> TopicMastery:
    """A topic with no reviews: both estimates are the prior, DR."""
    return TopicMastery(
        topic_id, 0, desired_retention, desired_retention, desired_retention
    )


def topic_mastery(cards, *, desired_retention, now) -> dict[int, TopicMastery]:
    """Mastery of every topic the user has reviewed, from rows with keys `topic_id`,
    `stability`, `last_review`, `recent_weight` and `recent_pass_weight`."""
    sums = defaultdict(lambda: [0, 0.0, 0.0, 0.0])  # |A|, sum R, sum w, sum w * passed
    for card in cards:
        r = retrievability(card["stability"], card["last_review"], now)
        if r is None:
            continue
        factor = recency_factor(card["last_review"], now)
        acc = sums[card["topic_id"]]
        acc[0] += 1
        acc[1] += r
        acc[2] += card["recent_weight"] * factor
        acc[3] += card["recent_pass_weight"] * factor
    prior = PRIOR_WEIGHT * desired_retention
    return {
        topic_id: TopicMastery(
            topic_id=topic_id,
            reviewed=count,
            retrievability=(sum_r + prior) / (count + PRIOR_WEIGHT),
            performance=(sum_pass + prior) / (sum_w + PRIOR_WEIGHT),
            desired_retention=desired_retention,
        )
        for topic_id, (count, sum_r, sum_w, sum_pass) in sums.items()
    }


def weak_topics(mastery_by_topic) -> list[TopicMastery]:
    """Weak topics, the furthest below the line first."""
    weak = [m for m in mastery_by_topic.values() if m.is_weak]
    return sorted(weak, key=lambda m: (-m.gap, m.topic_id))
