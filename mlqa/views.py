import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.template import loader

from caching import LISTS, cached_page
from questions.counts import topics_with_counts
from questions.models import Question


@cached_page([LISTS])
def home(request):
    """The front page: what MLQA is, the topics, and the most recently active questions."""
    topics = topics_with_counts()
    context = {
        "topics": topics,
        "recent_questions": Question.objects.published().with_list_data()[:10],
        "question_total": sum(topic.question_count for topic in topics),
    }
    return render(request, "home.html", context)


def bad_request(request, exception=None):
    """400 without the site layout or the request's context: what is wrong may be the request
    itself (its body, its encoding), so nothing here reads it."""
    return HttpResponseBadRequest(
        loader.get_template("errors/400.html").render({"reason": ""})
    )


def permission_denied(request, exception=None):
    """403 in the site layout, with the reason the view gave when it gave one."""
    reason = str(exception) if exception is not None and str(exception) else ""
    return render(request, "errors/403.html", {"reason": reason}, status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    """500 page, or a 503 "back in a moment" page when the database is unreachable.

    Rendered without request context: the failure may be in a context processor or the database.
    """
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        response = HttpResponse(
            loader.get_template("errors/503.html").render(), status=503
        )
        response["Retry-After"] = "5"
        return response
    return HttpResponseServerError(loader.get_template("errors/500.html").render())


def trivial(request):
    """A tiny page with no database query: the benchmark's ceiling for this app and server.

    Only served where `BENCH_PAGES` is on (DEBUG, the benchmark's settings, the tests): in
    production it is a 404 like any unknown address."""
    if not settings.BENCH_PAGES:
        raise Http404
    return render(request, "trivial.html")
