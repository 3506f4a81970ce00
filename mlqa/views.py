import sys

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.db import InterfaceError, OperationalError
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.template import loader
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from accounts.site import absolute_url
from caching import BANK, LISTS, cached_page
from questions.counts import topics_with_counts
from questions.models import Question
from questions.sitemaps import sitemaps


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


# Private, per-member or form pages: nothing for a search engine (their content is a member's
# own, or a log-in form). Question pages, topics, lists and public profiles stay open.
ROBOTS_DISALLOW = [
    "/accounts/",
    "/settings/",
    "/practice/",
    "/moderation/",
    "/notifications/",
    "/admin/",
    "/questions/propose/",
    "/api/v1/me/",
    "/_bench/",
]


@require_safe
def robots_txt(request):
    """robots.txt: the private areas closed to crawlers, and where the sitemap is."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW)]
    lines.append(f"Sitemap: {absolute_url(request, reverse('sitemap-index'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


@cached_page([LISTS, BANK], members=None)
def sitemap_index(request):
    """The sitemap index: each section's sitemap, and each page of the questions' (lastmod)."""
    items = []
    for section, sitemap in sitemaps(request).items():
        location = absolute_url(
            request, reverse("sitemap-section", kwargs={"section": section})
        )
        lastmod = sitemap.get_latest_lastmod()
        items.append(sitemap_views.SitemapIndexItem(location, lastmod))
        items += [
            sitemap_views.SitemapIndexItem(f"{location}?p={page}", lastmod)
            for page in range(2, sitemap.paginator.num_pages + 1)
        ]
    return TemplateResponse(
        request,
        "sitemap_index.xml",
        {"sitemaps": items},
        content_type="application/xml",
    )


@cached_page([LISTS, BANK], members=None)
def sitemap_section(request, section):
    """One section's sitemap (one page of it: `?p=`)."""
    return sitemap_views.sitemap(request, sitemaps(request), section=section)
