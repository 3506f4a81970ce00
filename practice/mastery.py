"""Which topics are weak, and how sure we are: one pass over a member's cards, no query.

The evidence of a topic is its graded trials of two kinds, kept apart:

- first sight: the first grade of each question (did the member know it before practising it);
- retention: each review of a card that had graduated (state Review), where FSRS predicted the
  recall R just before. Learning and relearning steps (minutes apart) are not evidence: a card
  just failed and shown again ten minutes later says little about memory.

Each kind has the member's own expected failure rate over their topics, robust to the hard
topics (which get the most questions): a first-sight failure rate 1 - kappa, kappa the share of
first sights passed in the member's median topic (each topic's rate smoothed towards 0.7 by one
trial), and a calibration c of FSRS (the member's lapses over the lapses FSRS expected, sum of
1 - R, each topic weighing at most LEVEL_CAP reviews). A topic t's expected failures are then E_t = n1_t * (1 - kappa) + c * sum_t (1 - R),
and its observed failures F_t. The topic's failure ratio lambda_t (1: the member's own level)
has a Gamma(A, A) prior (mean 1, A = 2) and, failures being counts, the Gamma posterior
Gamma(A + F_t, A + E_t).

A topic is **weak** when it is credibly below the member's own level and the target:
P(lambda_t > LAMBDA_WEAK) >= CERTAINTY, and its estimated pass rate 1 - lambda_t * E_t / n_t is
below the desired retention. The page says how sure (that probability) and on what evidence
(questions and reviews). A topic with fewer than MIN_TRIALS trials is not judged yet. Small
topics are judged like the others, with the wide posterior their few trials give (nothing is
pooled with another topic: a related topic says little about a member's gap in this one).

"Recall now" (the mean FSRS recall of the topic's cards) is shown beside the judgement and
decays while a topic is not practised; it schedules reviews but does not make a topic weak.
"""

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass

from .scheduling import DECAY, retrievability

PRIOR_STRENGTH = 2.0  # A: the prior weighs as much as two expected failures
# Weak: at least a quarter more failures than at the member's own level.
LAMBDA_WEAK = 1.25
CERTAINTY = 0.7
MIN_TRIALS = 3
FIRST_SIGHT_PRIOR = 0.7  # the share of first sights passed before we know the member
LEVEL_CAP = 4  # reviews a topic weighs at most in FSRS's calibration for the member
MAX_TO_SETTLE = 30  # "passes_to_settle" looks this far ahead

STATUS_WEAK = "weak"
STATUS_FINE = "fine"
STATUS_UNKNOWN = "unknown"


def gamma_sf(shape: float, x: float) -> float:
    """P(X > x) for X ~ Gamma(shape, rate 1): the regularized upper incomplete gamma Q."""
    if x <= 0:
        return 1.0
    if x < shape + 1:  # the series of P converges fast here
        term = total = 1.0 / shape
        n = shape
        while abs(term) > abs(total) * 1e-12:
            n += 1
            term *= x / n
            total += term
        return max(
            0.0, 1.0 - total * math.exp(-x + shape * math.log(x) - math.lgamma(shape))
        )
    # Lentz's continued fraction for Q.
    tiny = 1e-300
    b = x + 1 - shape
    c, d = 1 / tiny, 1 / b
    h = d
    for i in range(1, 300):
        an = -i * (i - shape)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-12:
            break
    return min(1.0, math.exp(-x + shape * math.log(x) - math.lgamma(shape)) * h)


@dataclass(frozen=True)
class MemberLevel:
    """The member's own level, pooled over all their topics."""

    first_sight_pass: float  # kappa
    calibration: float  # c: lapses over the lapses FSRS expected


@dataclass(frozen=True)
class TopicMastery:
    topic_id: int
    questions: int  # questions of the topic the member has graded
    first_sights: int
    first_sight_failures: int
    retention_reviews: int
    lapses: int
    expected_failures: float  # E_t, at the member's own level
    recall_now: float | None  # mean FSRS recall of the topic's cards now
    desired_retention: float

    @property
    def reviewed(self) -> int:
        """Questions graded (the table's "reviewed")."""
        return self.questions

    @property
    def first_sights_passed(self) -> int:
        return self.first_sights - self.first_sight_failures

    @property
    def reviews_recalled(self) -> int:
        return self.retention_reviews - self.lapses

    @property
    def trials(self) -> int:
        return self.first_sights + self.retention_reviews

    @property
    def failures(self) -> int:
        return self.first_sight_failures + self.lapses

    @property
    def shape(self) -> float:
        return PRIOR_STRENGTH + self.failures

    @property
    def rate(self) -> float:
        return PRIOR_STRENGTH + self.expected_failures

    @property
    def failure_ratio(self) -> float:
        """The posterior mean of lambda: 1 is the member's own level, 2 twice their failures."""
        return self.shape / self.rate

    @property
    def weak_probability(self) -> float:
        """P(lambda > LAMBDA_WEAK): how sure we are that the topic is below the member's level."""
        return gamma_sf(self.shape, self.rate * LAMBDA_WEAK)

    @property
    def pass_rate(self) -> float:
        """The estimated share of this topic's trials passed (first sights and reviews)."""
        if not self.trials:
            return self.desired_retention
        return max(0.0, 1 - self.failure_ratio * self.expected_failures / self.trials)

    @property
    def has_enough_data(self) -> bool:
        return self.trials >= MIN_TRIALS

    @property
    def trials_needed(self) -> int:
        return max(0, MIN_TRIALS - self.trials)

    @property
    def is_weak(self) -> bool:
        return (
            self.has_enough_data
            and self.weak_probability >= CERTAINTY
            and self.pass_rate < self.desired_retention
        )

    @property
    def certainty(self) -> float:
        """How sure the status is: P(weak) for a weak topic, P(not weak) for a fine one."""
        p = self.weak_probability
        return p if self.is_weak else 1 - p

    @property
    def status(self) -> str:
        if not self.has_enough_data:
            return STATUS_UNKNOWN
        return STATUS_WEAK if self.is_weak else STATUS_FINE

    @property
    def is_undecided(self) -> bool:
        """Not judged yet, or judged fine with a fair chance of being weak: more evidence helps."""
        return not self.has_enough_data or (
            not self.is_weak and self.weak_probability >= 1 - CERTAINTY
        )

    @property
    def passes_to_settle(self) -> int | None:
        """For a topic judged fine with a fair chance of being weak (`is_undecided`): how many
        more trials passed, each expected to fail at the member's own rate, would make it
        surely fine (P(weak) under 1 - CERTAINTY); None otherwise, or beyond MAX_TO_SETTLE."""
        if not self.has_enough_data or self.is_weak or not self.is_undecided:
            return None
        per_trial = self.expected_failures / self.trials
        for more in range(1, MAX_TO_SETTLE + 1):
            rate = self.rate + more * per_trial
            if gamma_sf(self.shape, rate * LAMBDA_WEAK) < 1 - CERTAINTY:
                return more
        return None

    @property
    def gap(self) -> float:
        """How far the failure ratio is above the weak line (negative: below it)."""
        return self.failure_ratio - LAMBDA_WEAK

    @property
    def mastery(self) -> float:
        """The estimated pass rate (the bar's length)."""
        return self.pass_rate

    @property
    def percent(self) -> int:
        return round(self.pass_rate * 100)

    @property
    def certainty_percent(self) -> int:
        return round(self.certainty * 100)


def unpractised(topic_id, desired_retention) -> TopicMastery:
    return TopicMastery(topic_id, 0, 0, 0, 0, 0, 0.0, None, desired_retention)


def member_level(cards) -> MemberLevel:
    """The member's own level over their topics, robust to the topics they find hard (which
    the exposure policy gives the most questions, and which pooling trials as they come would
    let drag the member's level down to theirs): the first-sight pass rate of the median topic
    (each topic's smoothed towards FIRST_SIGHT_PRIOR by one trial), and FSRS's calibration with
    each topic weighing at most LEVEL_CAP reviews."""
    per_topic = defaultdict(
        lambda: [0, 0, 0, 0, 0.0]
    )  # firsts, passed, reviews, lapses, sum 1-R
    for card in cards:
        acc = per_topic[card["topic_id"]]
        if card["first_passed"] is not None:
            acc[0] += 1
            acc[1] += card["first_passed"]
        acc[2] += card["retention_reviews"]
        acc[3] += card["lapse_count"]
        acc[4] += card["expected_lapses"]
    rates = sorted(
        (passed + FIRST_SIGHT_PRIOR) / (firsts + 1)
        for firsts, passed, *_ in per_topic.values()
        if firsts
    )
    lapses = expected = 0.0
    for _, _, reviews, lapsed, expected_lapses in per_topic.values():
        weight = min(1.0, LEVEL_CAP / reviews) if reviews else 0.0
        lapses += weight * lapsed
        expected += weight * expected_lapses
    return MemberLevel(
        first_sight_pass=statistics.median(rates) if rates else FIRST_SIGHT_PRIOR,
        calibration=(lapses + 1) / (expected + 1),
    )


def topic_mastery(cards, *, desired_retention, now) -> dict[int, TopicMastery]:
    """The judgement of every topic the member has graded, from card rows (`card_rows`)."""
    cards = [card for card in cards if card["last_review"] is not None]
    level = member_level(cards)
    first_fail = 1 - level.first_sight_pass
    # questions, first sights, first failures, retention reviews, lapses, sum (1 - R), sum R now
    sums = defaultdict(lambda: [0, 0, 0, 0, 0, 0.0, 0.0])
    for card in cards:
        acc = sums[card["topic_id"]]
        acc[0] += 1
        if card["first_passed"] is not None:
            acc[1] += 1
            acc[2] += not card["first_passed"]
        acc[3] += card["retention_reviews"]
        acc[4] += card["lapse_count"]
        acc[5] += card["expected_lapses"]
        acc[6] += (
            retrievability(
                card["stability"], card["last_review"], now, card.get("decay", DECAY)
            )
            or 0.0
        )
    return {
        topic_id: TopicMastery(
            topic_id=topic_id,
            questions=questions,
            first_sights=firsts,
            first_sight_failures=first_failures,
            retention_reviews=reviews,
            lapses=lapses,
            expected_failures=firsts * first_fail + level.calibration * expected,
            recall_now=recall / questions,
            desired_retention=desired_retention,
        )
        for topic_id, (
            questions,
            firsts,
            first_failures,
            reviews,
            lapses,
            expected,
            recall,
        ) in sums.items()
    }


def weak_topics(mastery_by_topic) -> list[TopicMastery]:
    """Weak topics, the surest and furthest below first."""
    weak = [m for m in mastery_by_topic.values() if m.is_weak]
    return sorted(weak, key=lambda m: (-m.weak_probability, -m.gap, m.topic_id))
