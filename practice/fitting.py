"""Personal FSRS parameters: a member's own memory model, fitted to their review log.

FSRS's default parameters are fitted to many people; a member's own forgetting curve differs
(the diagnosis study's learners forget faster or slower than the defaults predict). Once a member
has MIN_REVIEWS reviews, `parameters_fit` fits FSRS-6's 21 parameters to their log with
fsrs-rs-python (the Rust optimizer Anki uses, 1.5 MB and no torch, a fraction of a second for
thousands of reviews) and saves them as a new version (`FsrsParameters`); sessions started after
use it, each review records the version it was scheduled with, and `rebuild_card` replays every
review with its own version, so a card is still rebuilt exactly from its log. A member is fitted
again once REFIT_AFTER more reviews have come in.

The fit never runs in a request: `manage.py fit_fsrs_parameters` (or the background job that
calls the same function) does it. Its calibration, predicted against actual recall on the
member's graduated reviews with the parameters in force before the fit (what was predicted at
the time) and with the new ones (the log replayed), is saved with the version and shown on the
progress page. Both are measured on the reviews the fit saw: the after figure is in-sample.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from fsrs_rs_python import DEFAULT_PARAMETERS as RS_DEFAULT_PARAMETERS
from fsrs_rs_python import FSRS, FSRSItem, FSRSReview

from .models import (
    DEFAULT_LEARNING_STEPS,
    DEFAULT_RELEARNING_STEPS,
    Card,
    CardState,
    FsrsParameters,
    Rating,
    Review,
)
from .scheduling import PARAMETERS, apply_review

MIN_REVIEWS = 300
REFIT_AFTER = 100
# Buckets of predicted recall, as the progress page's (lower bound, label).
BUCKETS = [
    (0.0, "below 50%"),
    (0.5, "50–70%"),
    (0.7, "70–80%"),
    (0.8, "80–90%"),
    (0.9, "90–95%"),
    (0.95, "95% and up"),
]


@dataclass(frozen=True)
class LoggedReview:
    card_id: int
    rating: int
    reviewed_at: object
    desired_retention: float
    parameters_id: int | None
    learning_steps: str = DEFAULT_LEARNING_STEPS
    relearning_steps: str = DEFAULT_RELEARNING_STEPS


def review_histories(user_id) -> dict[int, list[LoggedReview]]:
    """The member's review log, card by card in the order the cards went through it (one query):
    the grades that stand (not undone, and after the card's last reset, as rebuild_card
    replays them)."""
    rows = (
        Review.objects.counted()
        .filter(user_id=user_id)
        .filter(Q(card__reset_at__isnull=True) | Q(reviewed_at__gt=F("card__reset_at")))
        .order_by("card_id", "reviewed_at", "pk")
        .values_list(
            "card_id",
            "rating",
            "reviewed_at",
            "desired_retention",
            "parameters_id",
            "learning_steps",
            "relearning_steps",
        )
    )
    histories = defaultdict(list)
    for row in rows:
        histories[row[0]].append(LoggedReview(*row))
    return histories


def fsrs_items(histories) -> list[FSRSItem]:
    """fsrs-rs's training items: every prefix (two reviews or more) of every card's log, with
    the days between reviews counted as UTC dates apart (0 for a learning step the same day)."""
    items = []
    for reviews in histories.values():
        steps = []
        previous = None
        for review in reviews:
            day = review.reviewed_at.date()
            steps.append(
                FSRSReview(
                    review.rating, 0 if previous is None else (day - previous).days
                )
            )
            previous = day
        items.extend(FSRSItem(steps[:n]) for n in range(2, len(steps) + 1))
    return items


def predictions(histories, weights_of) -> list[tuple[float, bool]]:
    """(predicted recall, recalled) for every review of a graduated card, replaying each card's
    log with `weights_of(review)` (None: FSRS's defaults)."""
    found = []
    for reviews in histories.values():
        card = Card()
        for review in reviews:
            in_review = card.state == CardState.REVIEW
            before = apply_review(
                card,
                rating=review.rating,
                reviewed_at=review.reviewed_at,
                desired_retention=review.desired_retention,
                weights=weights_of(review),
                learning_steps=review.learning_steps,
                relearning_steps=review.relearning_steps,
            )
            if in_review and before is not None:
                found.append((before, review.rating >= Rating.HARD))
    return found


def calibration_summary(pairs) -> dict:
    """How well predicted recall matched: per bucket, the log loss and the bins' RMSE."""
    if not pairs:
        return {"reviews": 0, "buckets": []}
    bins = defaultdict(lambda: [0, 0.0, 0])  # reviews, sum predicted, recalled
    loss = 0.0
    for predicted, recalled in pairs:
        index = max(i for i, (low, _) in enumerate(BUCKETS) if predicted >= low)
        acc = bins[index]
        acc[0] += 1
        acc[1] += predicted
        acc[2] += recalled
        p = min(max(predicted, 1e-6), 1 - 1e-6)
        loss -= math.log(p if recalled else 1 - p)
    total = len(pairs)
    buckets = [
        {
            "label": BUCKETS[i][1],
            "reviews": n,
            "predicted": s / n,
            "actual": r / n,
        }
        for i, (n, s, r) in sorted(bins.items())
    ]
    rmse = math.sqrt(
        sum(b["reviews"] * (b["predicted"] - b["actual"]) ** 2 for b in buckets) / total
    )
    return {
        "reviews": total,
        "predicted": sum(p for p, _ in pairs) / total,
        "actual": sum(r for _, r in pairs) / total,
        "log_loss": loss / total,
        "rmse_bins": rmse,
        "buckets": buckets,
    }


def fit_weights(histories) -> tuple[float, ...]:
    """FSRS-6's parameters fitted to these histories (deterministic: fsrs-rs's fixed seed),
    kept within the bounds py-fsrs accepts."""
    fitted = FSRS(list(RS_DEFAULT_PARAMETERS)).compute_parameters(fsrs_items(histories))
    if len(fitted) != len(PARAMETERS) or not all(map(math.isfinite, fitted)):
        return PARAMETERS
    return tuple(
        min(max(float(w), low), high)
        for w, low, high in zip(
            fitted, LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True
        )
    )


def fit_due(*, review_count: int, latest: FsrsParameters | None) -> bool:
    """Whether a member with `review_count` reviews and `latest` fit should be fitted now."""
    if review_count < MIN_REVIEWS:
        return False
    return latest is None or review_count - latest.review_count >= REFIT_AFTER


def parameters_fit(*, user, force=False, now=None) -> FsrsParameters | None:
    """Fit the member's FSRS parameters and save them as a new version, when they have enough
    reviews (MIN_REVIEWS) and REFIT_AFTER more since the last fit (`force`: whatever the new
    reviews); None when no fit is due. Never call it in a request: it reads the whole log."""
    user_id = getattr(user, "pk", user)
    latest = FsrsParameters.objects.filter(user_id=user_id).order_by("-version").first()
    histories = review_histories(user_id)
    review_count = sum(len(reviews) for reviews in histories.values())
    if review_count < MIN_REVIEWS or not (
        force or fit_due(review_count=review_count, latest=latest)
    ):
        return None
    weights = fit_weights(histories)
    sets = {
        p.pk: p.weights_tuple for p in FsrsParameters.objects.filter(user_id=user_id)
    }
    before = calibration_summary(
        predictions(histories, lambda review: sets.get(review.parameters_id))
    )
    after = calibration_summary(predictions(histories, lambda review: weights))
    try:
        with transaction.atomic():
            return FsrsParameters.objects.create(
                user_id=user_id,
                version=(latest.version if latest else 0) + 1,
                weights=list(weights),
                review_count=review_count,
                fitted_at=now or timezone.now(),
                calibration={"before": before, "after": after},
            )
    except IntegrityError:
        # Another fit of the same member saved this version first.
        return None
