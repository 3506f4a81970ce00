from datetime import UTC, datetime, time, timedelta

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.site import site_url
from caching import cached_page, page_expires_at

from ..exports import anki_package, csv_lines
from ..forms import HistoryFilterForm
from ..models import Review
from ..progress import progress_context
from ..snapshot import practice_depends_on

HISTORY_PAGE_SIZE = 25


@cached_page(
    members="private", member_depends_on=practice_depends_on, login_required=True
)
@require_safe
def progress(request):
    """The user's mastery per topic, activity, streaks, upcoming reviews and calibration."""
    now = timezone.now()
    context = progress_context(request.user, now=now)
    # The heatmap, streaks and forecast count UTC days.
    tomorrow = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=UTC)
    page_expires_at(request, tomorrow)
    return render(request, "practice/progress.html", context)


def _filtered_reviews(request):
    form = HistoryFilterForm(request.GET or None)
    reviews = form.filter(Review.objects.counted().filter(user=request.user))
    return form, reviews


@login_required
@require_safe
def history(request):
    """Every review of the user, newest first, filtered by topic and rating, 25 per page."""
    form, reviews = _filtered_reviews(request)
    paginator = Paginator(
        reviews.select_related("card__question__topic").order_by("-reviewed_at", "-id"),
        HISTORY_PAGE_SIZE,
    )
    # get_page turns a missing, malformed or out-of-range number into the nearest page.
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "practice/history.html",
        {
            "form": form,
            "page": page,
            "page_numbers": list(
                paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            ),
            "query_string": form.query_string(),
        },
    )


@login_required
@require_safe
def history_csv(request):
    """The user's reviews (with the history page's filters) as a CSV download."""
    _form, reviews = _filtered_reviews(request)
    response = StreamingHttpResponse(
        csv_lines(reviews), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="mlqa-practice-history.csv"'
    return response


@login_required
@require_safe
def anki_export(request):
    """The user's deck (every question they have practised) as an Anki package.

    Its links are absolute, as a card in Anki is not on the site: SITE_URL when it is set (the
    public address behind a proxy), else the address this request came to."""
    response = HttpResponse(
        anki_package(request.user, site_url=site_url(request)),
        content_type="application/octet-stream",
    )
    response["Content-Disposition"] = 'attachment; filename="mlqa-practice.apkg"'
    return response
