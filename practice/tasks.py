"""Practice's background jobs: fitting members' own FSRS parameters (practice.fitting).

The scheduler (`manage.py send_scheduled_mail`, every 5 minutes) runs `queue_due_fits`, which
queues a fit for each member with a fit due; the worker runs `fit_member_parameters`. A fit
queued twice is harmless: the second finds no fit due (fewer than REFIT_AFTER new reviews).
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from jobs.tasks import retrying_task

from .fitting import MIN_REVIEWS, REFIT_AFTER, parameters_fit
from .models import FsrsParameters


@retrying_task(attempts=3)
def fit_member_parameters(member_id: int) -> str:
    """Fit one member's parameters if a fit is due."""
    fitted = parameters_fit(user=member_id)
    return f"version {fitted.version}" if fitted else "no fit due"


def members_due_a_fit():
    """Members with MIN_REVIEWS counted reviews and REFIT_AFTER more since their last fit
    (one query)."""
    last_fit = (
        FsrsParameters.objects.filter(user=OuterRef("pk"))
        .order_by("-version")
        .values("review_count")[:1]
    )
    return (
        get_user_model()
        .objects.annotate(
            review_total=Count(
                "practice_reviews", filter=Q(practice_reviews__voided_at__isnull=True)
            ),
            fitted_on=Coalesce(
                Subquery(last_fit, output_field=IntegerField()),
                Value(-REFIT_AFTER),
            ),
        )
        .filter(review_total__gte=MIN_REVIEWS)
        .filter(review_total__gte=Coalesce("fitted_on", 0) + REFIT_AFTER)
    )


def queue_due_fits() -> int:
    """Queue a fit for every member who has one due (a scheduled job); how many were queued."""
    ids = list(members_due_a_fit().values_list("pk", flat=True))
    for member_id in ids:
        fit_member_parameters.enqueue(member_id)
    return len(ids)
