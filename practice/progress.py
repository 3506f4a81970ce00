"""What the progress page shows, in a fixed number of queries whatever the size of the history.

With a shared cache, the figures read from the member's rows come from the cache until they
practise again (their practice token, see practice.snapshot); mastery, the due forecast, the
heatmap and streaks are worked out from the cached rows on every request, as they change with time.
"""

from dataclasses import dataclass
from datetime import UTC, date, timedelta

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    FloatField,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, Substr, TruncDate

from caching import cached_value
from questions.counts import topics_with_counts

from .charts import bar_heights, heatmap, streaks
from .fitting import BUCKETS
from .fitting import MIN_REVIEWS as FIT_MIN_REVIEWS
from .mastery import (
    CERTAINTY,
    MIN_TRIALS,
    STATUS_FINE,
    STATUS_UNKNOWN,
    STATUS_WEAK,
    topic_mastery,
    unpractised,
)
from .models import FsrsParameters, Rating, Review
from .snapshot import bank_topics, practice_depends_on, practice_snapshot

# Buckets of predicted recall (retrievability just before a review): lower bound, label.
CALIBRATION_BUCKETS = BUCKETS
DUE_CHART_HEIGHT = 60
STATUS_ORDER = {STATUS_WEAK: 0, STATUS_FINE: 1, STATUS_UNKNOWN: 2}


@dataclass(frozen=True)
class CalibrationRow:
    label: str
    reviews: int
    predicted: float
    actual: float

    @property
    def predicted_percent(self):
        return round(self.predicted * 100)

    @property
    def actual_percent(self):
        return round(self.actual * 100)


def _review_day():
    """The UTC date of a review, computed in SQL.

    SQLite stores datetimes as UTC text whose first ten characters are the date; its TruncDate
    calls a Python function per row, which costs about 40 ms per 1,000 reviews.
    """
    if connection.vendor == "sqlite":
        return Substr(Cast("reviewed_at", output_field=CharField()), 1, 10)
    return TruncDate("reviewed_at", tzinfo=UTC)


def daily_counts(user) -> dict[date, int]:
    """Reviews per UTC day, over the whole history: one row per day with a review."""
    rows = (
        Review.objects.counted()
        .filter(user=user)
        .annotate(day=_review_day())
        .values("day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        date.fromisoformat(row["day"])
        if isinstance(row["day"], str)
        else row["day"]: row["n"]
        for row in rows
    }


def calibration(user) -> list[CalibrationRow]:
    """Predicted recall against the share actually recalled (rated Hard or better), per bucket."""
    whens = [
        When(retrievability__gte=low, then=Value(index))
        for index, (low, _) in reversed(list(enumerate(CALIBRATION_BUCKETS)))
    ]
    rows = (
        Review.objects.counted()
        .filter(user=user, retrievability__isnull=False)
        .annotate(bucket=Case(*whens, default=Value(0), output_field=IntegerField()))
        .values("bucket")
        .annotate(
            n=Count("id"),
            passed=Count("id", filter=Q(rating__gte=Rating.HARD)),
            predicted=Avg("retrievability", output_field=FloatField()),
        )
        .order_by("bucket")
    )
    return [
        CalibrationRow(
            label=CALIBRATION_BUCKETS[row["bucket"]][1],
            reviews=row["n"],
            predicted=row["predicted"],
            actual=row["passed"] / row["n"],
        )
        for row in rows
    ]


def due_forecast(rows, *, now) -> list[dict]:
    """Cards due on each of the next 7 days (today includes everything overdue)."""
    today = now.date()
    counts = [0] * 7
    for row in rows:
        if not row["live"]:
            continue
        offset = max(0, (row["due"].date() - today).days)
        if offset < 7:
            counts[offset] += 1
    heights = bar_heights(counts, height=DUE_CHART_HEIGHT)
    return [
        {
            "day": today + timedelta(days=offset),
            "count": count,
            "height": height,
            "x": offset * 40 + 6,
            "y": DUE_CHART_HEIGHT - height + 16,
            "label_x": offset * 40 + 20,
        }
        for offset, (count, height) in enumerate(zip(counts, heights, strict=True))
    ]


def memory_model(user_id) -> dict | None:
    """The member's latest fitted FSRS parameters with their calibration before and after the
    fit (practice.fitting), or None while FSRS's defaults schedule them."""
    latest = (
        FsrsParameters.objects.filter(user_id=user_id)
        .order_by("-version")
        .values("version", "review_count", "fitted_at", "calibration")
        .first()
    )
    if latest is None:
        return None
    rows = []
    for label, key in (("Before the fit", "before"), ("After the fit", "after")):
        part = latest["calibration"].get(key, {})
        if part.get("reviews"):
            rows.append(
                {
                    "label": label,
                    "reviews": part["reviews"],
                    "predicted": round(part["predicted"] * 100),
                    "actual": round(part["actual"] * 100),
                    # Percentage points between predicted and actual, over the buckets.
                    "gap": round(part["rmse_bins"] * 100, 1),
                    "log_loss": round(part["log_loss"], 3),
                }
            )
    return {
        "version": latest["version"],
        "review_count": latest["review_count"],
        "fitted_at": latest["fitted_at"],
        "calibration": rows,
    }


def review_log(user) -> dict:
    """Reviews per UTC day, calibration and the fitted memory model, from the review log: three
    queries, or none while the member's practice token is unchanged. The heatmap and streaks are
    drawn from the days on every request (they move with the date); stored, the heatmap's
    markup would be 45 KB."""
    user_id = getattr(user, "pk", user)
    return cached_value(
        f"practice-review-log:{user_id}",
        practice_depends_on(user_id),
        lambda: {
            "days": daily_counts(user_id),
            "calibration": calibration(user_id),
            "model": memory_model(user_id),
        },
    )


def progress_context(user, *, now) -> dict:
    """Mastery per topic, the activity heatmap, streaks, the due forecast and calibration."""
    snapshot = practice_snapshot(user)
    settings, rows = snapshot["settings"], snapshot["rows"]
    dr = settings.desired_retention
    mastery = topic_mastery(rows, desired_retention=dr, now=now)
    topics = sorted(
        (
            (topic, mastery.get(topic.pk) or unpractised(topic.pk, dr))
            for topic in topics_with_counts(bank_topics())
        ),
        # Practised topics before unpractised ones; among them weak topics first (weakest on
        # top), then fine ones, then those without enough data.
        key=lambda pair: (
            pair[1].reviewed == 0,
            STATUS_ORDER[pair[1].status],
            -pair[1].weak_probability,
            -pair[1].reviewed,
        ),
    )
    log = review_log(user)
    counts = log["days"]
    today = now.date()
    current, longest = streaks(set(counts), today=today)
    return {
        "settings": settings,
        "threshold_percent": round(dr * 100),
        "certainty_percent": round(CERTAINTY * 100),
        "min_trials": MIN_TRIALS,
        "topics": topics,
        "weak_count": sum(1 for _, m in topics if m.status == STATUS_WEAK),
        "card_count": len(rows),
        "review_total": sum(counts.values()),
        "heatmap": heatmap(counts, today=today),
        "current_streak": current,
        "longest_streak": longest,
        "due_forecast": due_forecast(rows, now=now),
        "calibration": log["calibration"],
        "memory_model": log["model"],
        "fit_min_reviews": FIT_MIN_REVIEWS,
    }
