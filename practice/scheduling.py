"""FSRS scheduling (py-fsrs 6) for practice cards, and retrievability with fractional days.

The same `apply_review` moves a stored card forward after a grade and replays a card's review
log in `rebuild_card`, so a card rebuilt from its log equals the stored one. Intervals are
fuzzed only for members who ask (Anki's fuzz, drawn from a generator seeded by the card and the
review, and recorded on the review, so a replay is exact), and each review records the desired
retention and the FSRS parameters (FSRS's defaults, or a version fitted to the member's own log,
practice.fitting) it was scheduled with, because the intervals depend on both.
"""

import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from fsrs import Card as FsrsCard
from fsrs import Rating as FsrsRating
from fsrs import Scheduler, State
from fsrs.scheduler import DEFAULT_PARAMETERS, FUZZ_RANGES

from .models import (
    DEFAULT_LEARNING_STEPS,
    DEFAULT_RELEARNING_STEPS,
    Card,
    CardState,
    FsrsParameters,
    Rating,
)

PARAMETERS = tuple(DEFAULT_PARAMETERS)
# R(t) = (1 + FACTOR * t / S) ** -DECAY, with DECAY = w20: R is 0.9 when t equals S.
DECAY = PARAMETERS[20]
FACTOR = 0.9 ** (-1 / DECAY) - 1
RECENCY_HALF_LIFE_DAYS = 30
SECONDS_PER_DAY = 86_400


STEP_UNITS = {"s": 1, "m": 60, "h": 3600, "d": SECONDS_PER_DAY}
MAX_STEPS = 10
MAX_STEP_SECONDS = 30 * SECONDS_PER_DAY


@lru_cache(maxsize=256)
def parse_steps(text: str) -> tuple[int, ...]:
    """Anki's step list ("1m 10m", "30s 1h 1d"; empty: none) as seconds; ValueError, with a
    message for the member, when it is not one."""
    steps = []
    for word in text.split():
        number, unit = word[:-1], word[-1:].lower()
        if unit not in STEP_UNITS or not number.isdigit():
            raise ValueError(
                f"“{word}” is not a step: write a whole number and a unit, s, m, h or d (e.g. 10m)."
            )
        seconds = int(number) * STEP_UNITS[unit]
        if not 1 <= seconds <= MAX_STEP_SECONDS:
            raise ValueError(f"“{word}”: each step is from 1s to 30d.")
        steps.append(seconds)
    if len(steps) > MAX_STEPS:
        raise ValueError(f"At most {MAX_STEPS} steps.")
    return tuple(steps)


def normal_steps(text: str) -> str:
    """The stored spelling of a valid step list: lower case, single spaces."""
    parse_steps(text)
    return " ".join(text.lower().split())


@lru_cache(maxsize=64)
def scheduler_for(
    desired_retention: float,
    weights=PARAMETERS,
    learning_steps: str = DEFAULT_LEARNING_STEPS,
    relearning_steps: str = DEFAULT_RELEARNING_STEPS,
) -> Scheduler:
    return Scheduler(
        parameters=weights,
        desired_retention=desired_retention,
        learning_steps=[timedelta(seconds=s) for s in parse_steps(learning_steps)],
        relearning_steps=[timedelta(seconds=s) for s in parse_steps(relearning_steps)],
        enable_fuzzing=False,
    )


def as_utc(moment: datetime) -> datetime:
    """py-fsrs insists on timezone-aware UTC datetimes."""
    if moment.tzinfo is None:
        raise ValueError("Practice times must be timezone-aware.")
    return moment.astimezone(UTC)


def days_between(earlier: datetime, later: datetime) -> float:
    """Fractional days, never negative (py-fsrs itself rounds down to whole days)."""
    return max(0.0, (later - earlier).total_seconds() / SECONDS_PER_DAY)


def retrievability(stability, last_review, now, decay=DECAY) -> float | None:
    """The FSRS probability of recall at `now`; None for a card never reviewed. `decay` is the
    card's (`Card.decay`, w20 of the parameters that computed its stability)."""
    if stability is None or last_review is None:
        return None
    elapsed = days_between(last_review, now)
    factor = 0.9 ** (-1 / decay) - 1
    return (1 + factor * elapsed / stability) ** -decay


def recency_factor(since, now) -> float:
    """How much a review made at `since` still counts at `now`: halves every 30 days."""
    return 0.5 ** (days_between(since, now) / RECENCY_HALF_LIFE_DAYS)


def _to_fsrs(card: Card) -> FsrsCard:
    return FsrsCard(
        card_id=card.pk or 0,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=as_utc(card.due),
        last_review=as_utc(card.last_review) if card.last_review else None,
    )


def fuzzed_interval(interval: timedelta, *, seed: str) -> timedelta:
    """Anki's interval fuzz (py-fsrs's ranges: a few percent, never under 2.5 days), drawn from
    a generator seeded by the card and the review, so replaying the log gives the same days."""
    days = interval.days
    if days < 2.5:
        return interval
    delta = 1.0
    for part in FUZZ_RANGES:
        delta += part["factor"] * max(
            min(float(days), part["end"]) - part["start"], 0.0
        )
    low = max(2, round(days - delta))
    high = max(low, round(days + delta))
    return timedelta(days=random.Random(seed).randint(low, high))


def apply_review(
    card: Card,
    *,
    rating,
    reviewed_at,
    desired_retention,
    weights=None,
    fuzz=False,
    learning_steps=DEFAULT_LEARNING_STEPS,
    relearning_steps=DEFAULT_RELEARNING_STEPS,
) -> float | None:
    """Move `card` (unsaved) through one review; return the retrievability just before it.

    `weights`: the FSRS parameters to schedule with (a member's fitted set), None for FSRS's
    defaults. `fuzz`: spread a review interval the way Anki does, deterministically
    (`fuzzed_interval`, seeded by the card's key and the review's time). `learning_steps`,
    `relearning_steps`: Anki's step lists ("1m 10m", "10m"), the member's setting then."""
    rating = Rating(rating)
    reviewed_at = as_utc(reviewed_at)
    weights = tuple(weights) if weights else PARAMETERS
    # getattr: the data migration 0002 replays cards of a schema without `decay`.
    before = retrievability(
        card.stability, card.last_review, reviewed_at, getattr(card, "decay", DECAY)
    )
    was_in_review = card.state == CardState.REVIEW
    if card.last_review is not None:
        factor = recency_factor(card.last_review, reviewed_at)
        card.recent_weight *= factor
        card.recent_pass_weight *= factor
    scheduler = scheduler_for(
        desired_retention, weights, learning_steps, relearning_steps
    )
    scheduled, _log = scheduler.review_card(
        _to_fsrs(card), FsrsRating(int(rating)), review_datetime=reviewed_at
    )
    card.decay = weights[20]
    card.state = int(scheduled.state)
    card.step = scheduled.step
    card.stability = scheduled.stability
    card.difficulty = scheduled.difficulty
    card.due = scheduled.due
    if fuzz and scheduled.state == State.Review:
        seed = f"{card.pk}:{reviewed_at.isoformat()}"
        card.due = reviewed_at + fuzzed_interval(scheduled.due - reviewed_at, seed=seed)
    card.last_review = scheduled.last_review
    if card.review_count == 0:
        card.first_passed = rating >= Rating.HARD
    if was_in_review:
        card.retention_reviews += 1
        card.expected_lapses += 1 - before
    card.review_count += 1
    card.recent_weight += 1.0
    if rating >= Rating.HARD:
        card.recent_pass_weight += 1.0
    elif was_in_review:
        card.lapse_count += 1
    return before


# Card fields that are not a function of the log: rebuild_card carries them over.
NOT_FROM_THE_LOG = (
    "created_at",
    "reset_at",
    "suspended_at",
    "buried_until",
    "due_set_to",
    "due_set_at",
)


def replayed_reviews(card: Card, reviews) -> list:
    """The reviews that make `card` what it is, in log order: not undone (voided), and made
    after the card's last reset (forget), if any."""
    kept = [
        review
        for review in reviews
        if review.voided_at is None
        and (card.reset_at is None or review.reviewed_at > card.reset_at)
    ]
    return sorted(kept, key=lambda r: (r.reviewed_at, r.pk or 0))


def rebuild_card(card: Card, reviews) -> Card:
    """A new, unsaved Card equal to what replaying `reviews` (any order) from scratch gives,
    each review with the desired retention, FSRS parameters and steps it was scheduled with (one
    query for the parameter sets, none when every review used the defaults).

    Undone reviews and those before the card's last reset are skipped (`replayed_reviews`); a
    card with none left is new again, due from its creation or its reset. A due date set by hand
    after the last review replayed stands."""
    fresh = Card(
        pk=card.pk,
        user_id=card.user_id,
        question_id=card.question_id,
        due=card.reset_at or card.created_at,
        **{name: getattr(card, name) for name in NOT_FROM_THE_LOG},
    )
    reviews = replayed_reviews(card, reviews)
    used = {r.parameters_id for r in reviews if r.parameters_id is not None}
    weights = {
        pk: parameters.weights_tuple
        for pk, parameters in (
            FsrsParameters.objects.in_bulk(used) if used else {}
        ).items()
    }
    for review in reviews:
        apply_review(
            fresh,
            rating=review.rating,
            reviewed_at=review.reviewed_at,
            desired_retention=review.desired_retention,
            weights=weights.get(review.parameters_id),
            fuzz=review.fuzzed,
            learning_steps=review.learning_steps,
            relearning_steps=review.relearning_steps,
        )
    if (
        card.due_set_at is not None
        and fresh.last_review is not None
        and card.due_set_at > fresh.last_review
    ):
        fresh.due = card.due_set_to  # set by hand since the last review
    return fresh


def next_intervals(
    card: Card | None,
    *,
    now,
    desired_retention,
    weights=None,
    learning_steps=DEFAULT_LEARNING_STEPS,
    relearning_steps=DEFAULT_RELEARNING_STEPS,
) -> dict[int, timedelta]:
    """For each rating, how long until the card would be due again: shown on the grade buttons."""
    now = as_utc(now)
    fsrs_card = _to_fsrs(card) if card is not None else FsrsCard(card_id=0, due=now)
    scheduler = scheduler_for(
        desired_retention,
        tuple(weights) if weights else PARAMETERS,
        learning_steps,
        relearning_steps,
    )
    intervals = {}
    for rating in Rating:
        scheduled, _ = scheduler.review_card(
            fsrs_card, FsrsRating(int(rating)), review_datetime=now
        )
        intervals[int(rating)] = scheduled.due - now
    return intervals


def format_interval(delta: timedelta) -> str:
    """Short human wording: "1 min", "10 min", "3 h", "4 days", "2.5 months", "1.2 years"."""
    seconds = max(0, delta.total_seconds())
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))} min"
    if seconds < SECONDS_PER_DAY:
        return f"{round(seconds / 3600)} h"
    days = seconds / SECONDS_PER_DAY
    if days < 31:
        count = round(days)
        return f"{count} day{'s' if count != 1 else ''}"
    if days < 365:
        return f"{days / 30.4:.1f} months"
    return f"{days / 365:.1f} years"
