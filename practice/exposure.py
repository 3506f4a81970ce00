"""The exposure policy: how many new questions a session shows, and from which topics.

A weak topic can only be found among topics that were tried, so new questions are not left to
whatever time due reviews leave over (which let one weak topic found early eat the sessions):

- **a guaranteed share**: in a due-reviews session, at least NEW_SHARE of the cards shown so far
  are new (while new questions are left and the day's allowance lasts), due reviews fill the rest;
- **a daily allowance** of NEW_PER_DAY new questions (as Anki's "new cards per day"; the member's
  `new_per_day` setting), so that a month of practice does not bury the member in reviews, and
  of due reviews (Anki's "maximum reviews per day", the member's `reviews_per_day`), counted in
  the member's day (their time zone);
- **a placement**: while some topic with new questions left has fewer than DIAGNOSTIC_QUESTIONS
  questions tried (as many as a topic needs to be judged, practice.mastery.MIN_TRIALS), a
  due-reviews session shows new questions only (within the day's allowance), due reviews
  waiting: a member's first sessions sample every topic, fewest tried first;
- **where it helps most**: first the placement's topics; then the topic whose judgement is
  likeliest wrong (a topic judged fine is missed with probability P(weak), one flagged weak is a
  false alarm with probability 1 - P(weak)), among topics not settled yet (flagged weak ones
  until practice.mastery.SURELY_WEAK sure, the others until P(weak) <= SURELY_FINE), least
  evidence first among near-equals: a sequential test, which gives a suspect topic the
  questions that confirm or clear it and spends little on topics already clear; once every
  topic is settled, half the time a weak topic (remediation), else any question;
- **same-session relearning**: a card failed in this session (back at the first learning or
  relearning step) comes back in it once that step (FSRS's 1 or 10 minutes) has passed, at most
  MAX_SHOWINGS times in all, instead of flooding the next day. (A session that is full or
  out of cards still ends: a card failed last waits for the next session.)

Pure functions over the estimates (practice.mastery) and counts: the selectors run the queries.
"""

import math
import random

from .models import CardState

NEW_SHARE = 0.5
NEW_PER_DAY = 20
DIAGNOSTIC_QUESTIONS = 3
REMEDIATION_SHARE = 0.5
MAX_SHOWINGS = 3
# Doubts this close count as equal: the least evidence among them goes first.
DOUBT_TIE = 0.02

PHASE_DIAGNOSTIC = "diagnostic"
PHASE_UNDECIDED = "undecided"
PHASE_REMEDIATION = "remediation"
PHASE_ANY = "any"


def new_card_due(*, position: int, new_so_far: int) -> bool:
    """Whether the card at `position` (1-based) must be new to keep the guaranteed share."""
    return new_so_far < math.floor(NEW_SHARE * position)


def in_placement(counts, tried) -> bool:
    """Whether some topic with new questions left (`counts`) has fewer than DIAGNOSTIC_QUESTIONS
    questions tried (`tried`): then sessions show new questions before due ones."""
    return any(tried.get(t, 0) < DIAGNOSTIC_QUESTIONS for t in counts)


def new_allowance_left(*, created_today: int, pending: int, limit=NEW_PER_DAY) -> int:
    """New questions still allowed today: the limit less the cards first graded today and the
    new questions shown in this session and not graded yet."""
    return max(0, limit - created_today - pending)


def review_allowance_left(*, reviewed_today: int, pending: int, limit) -> int:
    """Due reviews still allowed today (the member's "reviews per day"): the limit less the
    cards reviewed today that were not new today and the due cards shown in this session and not
    graded yet. Cards failed in a session (relearning) come back whatever is left."""
    return max(0, limit - reviewed_today - pending)


def new_topic(mastery, counts, tried, *, rng=random) -> tuple[int | None, str]:
    """The topic the next new question comes from, and why.

    `mastery`: the estimate of each topic the member has graded (practice.mastery);
    `counts`: new questions left per topic (only topics with some); `tried`: questions graded
    or shown per topic. (None, PHASE_ANY) means any new question, drawn uniformly.
    """
    if not counts:
        return None, PHASE_ANY
    topics = sorted(counts)
    untried = [t for t in topics if tried.get(t, 0) < DIAGNOSTIC_QUESTIONS]
    if untried:
        fewest = min(tried.get(t, 0) for t in untried)
        return rng.choice(
            [t for t in untried if tried.get(t, 0) == fewest]
        ), PHASE_DIAGNOSTIC
    # Where one more first sight most reduces the doubt: the topic whose judgement is likeliest
    # wrong (a miss, P(weak), for one judged fine; a false alarm, 1 - P(weak), for one flagged
    # weak), among topics not settled yet; the least evidence first among near-equals.
    unsettled = [t for t in topics if t not in mastery or not mastery[t].is_settled]
    if unsettled:
        worst = max(_doubt(mastery, t) for t in unsettled)
        closest = [t for t in unsettled if _doubt(mastery, t) >= worst - DOUBT_TIE]
        least = min(_trials(mastery, t) for t in closest)
        return rng.choice(
            [t for t in closest if _trials(mastery, t) == least]
        ), PHASE_UNDECIDED
    weak = [t for t in topics if mastery[t].is_weak]
    if weak and rng.random() < REMEDIATION_SHARE:
        return rng.choice(weak), PHASE_REMEDIATION
    return None, PHASE_ANY


def _doubt(mastery, topic_id) -> float:
    """The chance that the topic's judgement is wrong (1 while it is not judged)."""
    estimate = mastery.get(topic_id)
    if estimate is None or not estimate.has_enough_data:
        return 1.0
    p = estimate.weak_probability
    return 1 - p if estimate.is_weak else p


def _trials(mastery, topic_id) -> int:
    estimate = mastery.get(topic_id)
    return estimate.trials if estimate else 0


def relearning_due(rows, *, showings, open_questions, now):
    """Cards of this session (`showings`: times shown per question) failed (at the first
    learning or relearning step) and due again now, not showing already and shown fewer than
    MAX_SHOWINGS times: the one due first, or None."""
    ready = [
        row
        for row in rows
        if row["question_id"] in showings
        and row["question_id"] not in open_questions
        and showings[row["question_id"]] < MAX_SHOWINGS
        and row["state"] in (CardState.LEARNING, CardState.RELEARNING)
        and row["step"] == 0
        and row["due"] <= now
        and row["live"]
    ]
    return min(ready, key=lambda r: (r["due"], r["question_id"]), default=None)
