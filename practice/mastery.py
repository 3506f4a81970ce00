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
1 - R, each topic weighing at most LEVEL_CAP reviews).

A topic's trials are Bernoulli: a first sight fails with probability sigmoid(logit(1 - kappa) +
theta_t), a review with sigmoid(logit(c * mean(1 - R)) + theta_t), where theta_t, the topic's
shift in log-odds of failing (0: the member's own level), has a Normal(0, PRIOR_SD^2) prior. Its
posterior is taken as Normal at its mode (Laplace's approximation, a few Newton steps). Reviews
weigh REVIEW_WEIGHT each: FSRS follows each card's own history (a card failed gets a shorter
interval), so its predicted recall already carries most of a topic's weakness and a review says
little more about the topic than about the scheduler; counted fully, a weak topic's many
reviews pulled its estimate back to the member's level as the month went on (the study).

A topic is **weak** when it is credibly below the member's own level and the target:
P(theta_t > THETA_WEAK) >= CERTAINTY (failing at 1.75 times the member's own odds or worse), and
its estimated pass rate is below the desired retention. The page says how sure (that
probability) and on what evidence (questions and reviews). A topic with fewer than MIN_TRIALS
trials is not judged yet. Small topics are judged like the others, with the wide posterior their
few trials give (nothing is pooled with another topic: a related topic says little about a
member's gap in this one). The constants were tuned on simulated learners
(bench/diagnosis_study.py) with a seed other than the recorded run's.

"Recall now" (the mean FSRS recall of the topic's cards) is shown beside the judgement and
decays while a topic is not practised; it schedules reviews but does not make a topic weak.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from .scheduling import DECAY, retrievability

PRIOR_SD = (
    1.0  # theta's prior: a topic's odds of failing within e^(+-1) of the member's own
)
# Weak: odds of failing at least 1.75 times the member's own.
THETA_WEAK = math.log(1.75)
CERTAINTY = 0.8
REVIEW_WEIGHT = 0.1
MIN_TRIALS = 3
# The exposure policy gathers evidence on a topic until its P(weak) is this sure either way.
SURELY_WEAK = 0.97
SURELY_FINE = 0.1
FIRST_SIGHT_PRIOR = 0.7  # the share of first sights passed before we know the member
LEVEL_CAP = 4  # reviews a topic weighs at most in FSRS's calibration for the member
LEVEL_FIRST_SIGHTS = 8  # first sights a topic weighs at most in the member's level
# A topic this likely weak on its first sights alone is left out of the member's level.
LEVEL_SUSPECT = 0.85
MAX_TO_SETTLE = 30  # "passes_to_settle" looks this far ahead
NEWTON_STEPS = 25

STATUS_WEAK = "weak"
STATUS_FINE = "fine"
STATUS_UNKNOWN = "unknown"


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def normal_sf(z: float) -> float:
    """P(Z > z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def log_odds_posterior(groups) -> tuple[float, float]:
    """The mode and standard deviation of theta given `groups` of Bernoulli trials
    (weight, trials, failures, logit of the failure rate expected at the member's level), with
    theta's Normal(0, PRIOR_SD^2) prior: Newton's method on the log posterior (concave)."""
    theta, curvature = 0.0, 1 / PRIOR_SD**2
    for _ in range(NEWTON_STEPS):
        slope, curvature = -theta / PRIOR_SD**2, 1 / PRIOR_SD**2
        for weight, trials, failures, offset in groups:
            p = _sigmoid(offset + theta)
            slope += weight * (failures - trials * p)
            curvature += weight * trials * p * (1 - p)
        step = slope / curvature
        theta += step
        if abs(step) < 1e-7:
            break
    return theta, 1 / math.sqrt(curvature)


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
    first_sight_expected: (
        float  # 1 - kappa: a first sight's failure rate at the member's level
    )
    review_expected: (
        float  # a review's mean failure rate at the member's level, c * (1 - R)
    )
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
    def expected_failures(self) -> float:
        """Failures at the member's own level."""
        return (
            self.first_sights * self.first_sight_expected
            + self.retention_reviews * self.review_expected
        )

    def _groups(self, more_passed=0):
        groups = []
        if self.first_sights + more_passed:
            groups.append(
                (
                    1.0,
                    self.first_sights + more_passed,
                    self.first_sight_failures,
                    _logit(self.first_sight_expected),
                )
            )
        if self.retention_reviews:
            groups.append(
                (
                    REVIEW_WEIGHT,
                    self.retention_reviews,
                    self.lapses,
                    _logit(self.review_expected),
                )
            )
        return groups

    @cached_property
    def _posterior(self) -> tuple[float, float]:
        return log_odds_posterior(self._groups())

    @property
    def log_odds(self) -> float:
        """theta's posterior mode: the topic's shift in log-odds of failing (0: the member's level)."""
        return self._posterior[0]

    @property
    def log_odds_sd(self) -> float:
        return self._posterior[1]

    @property
    def failure_ratio(self) -> float:
        """The odds of failing over the member's own (1: their level, 2: twice the odds)."""
        return math.exp(self.log_odds)

    @cached_property
    def weak_probability(self) -> float:
        """P(theta > THETA_WEAK): how sure we are that the topic is below the member's level."""
        mean, sd = self._posterior
        return normal_sf((THETA_WEAK - mean) / sd)

    @property
    def pass_rate(self) -> float:
        """The estimated share of this topic's trials passed (first sights and reviews)."""
        if not self.trials:
            return self.desired_retention
        failing = self.first_sights * _sigmoid(
            _logit(self.first_sight_expected) + self.log_odds
        )
        if self.retention_reviews:
            failing += self.retention_reviews * _sigmoid(
                _logit(self.review_expected) + self.log_odds
            )
        return max(0.0, 1 - failing / self.trials)

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
    def is_settled(self) -> bool:
        """Judged, and sure either way: P(weak) at least SURELY_WEAK or at most SURELY_FINE.
        Until then new questions of the topic are worth more than others' (practice.exposure)."""
        if not self.has_enough_data:
            return False
        p = self.weak_probability
        return p >= SURELY_WEAK or p <= SURELY_FINE

    def weak_probability_after(self, more_passed: int) -> float:
        """P(weak) once `more_passed` more first sights of the topic are passed."""
        return _weak_probability(self._groups(more_passed))

    @property
    def passes_to_settle(self) -> int | None:
        """For a topic judged fine with a fair chance of being weak (`is_undecided`): how many
        more of its questions passed at first sight would make it surely fine (P(weak) under
        1 - CERTAINTY); None otherwise, or beyond MAX_TO_SETTLE."""
        if not self.has_enough_data or self.is_weak or not self.is_undecided:
            return None
        for more in range(1, MAX_TO_SETTLE + 1):
            if self.weak_probability_after(more) < 1 - CERTAINTY:
                return more
        return None

    @property
    def gap(self) -> float:
        """How far the log-odds shift is above the weak line (negative: below it)."""
        return self.log_odds - THETA_WEAK

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
    return TopicMastery(
        topic_id, 0, 0, 0, 0, 0, 1 - FIRST_SIGHT_PRIOR, 0.1, None, desired_retention
    )


def member_level(cards) -> MemberLevel:
    """The member's own level over their topics, robust to the topics they find hard (which
    the exposure policy gives the most questions, and which pooling trials as they come would
    let drag the member's level down to theirs): the first-sight pass rate pooled over the
    topics not suspected weak (each topic weighing at most LEVEL_FIRST_SIGHTS first sights;
    a topic is suspected when, judged on its first sights against the pooled rate of all
    topics, it is at least LEVEL_SUSPECT likely weak), smoothed towards FIRST_SIGHT_PRIOR by one trial;
    and FSRS's calibration with each topic weighing at most LEVEL_CAP reviews."""
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
    firsts = [(n, passed) for n, passed, *_ in per_topic.values() if n]
    everyone = _pooled_pass(firsts)
    offset = _logit(1 - everyone)
    usual = [
        (n, passed)
        for n, passed in firsts
        if _weak_probability([(1.0, n, n - passed, offset)]) < LEVEL_SUSPECT
    ]
    lapses = expected = 0.0
    for _, _, reviews, lapsed, expected_lapses in per_topic.values():
        weight = min(1.0, LEVEL_CAP / reviews) if reviews else 0.0
        lapses += weight * lapsed
        expected += weight * expected_lapses
    return MemberLevel(
        first_sight_pass=_pooled_pass(usual),
        calibration=(lapses + 1) / (expected + 1),
    )


def _pooled_pass(firsts) -> float:
    """The share of first sights passed over (first sights, passed) per topic, each topic
    weighing at most LEVEL_FIRST_SIGHTS, smoothed towards FIRST_SIGHT_PRIOR by one trial."""
    passed = trials = 0.0
    for n, topic_passed in firsts:
        weight = min(1.0, LEVEL_FIRST_SIGHTS / n)
        passed += weight * topic_passed
        trials += weight * n
    return (passed + FIRST_SIGHT_PRIOR) / (trials + 1)


def _weak_probability(groups) -> float:
    mean, sd = log_odds_posterior(groups)
    return normal_sf((THETA_WEAK - mean) / sd)


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
            first_sight_expected=first_fail,
            review_expected=min(0.95, level.calibration * expected / reviews)
            if reviews
            else 0.1,
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
