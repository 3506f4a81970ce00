"""Sitemaps (django.contrib.sitemaps) of the public pages search engines should find: the
published questions, the topics and the lists. Locations use the site's public address
(accounts.site), so each sitemap is made for one request."""

from urllib.parse import urlsplit

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from accounts.site import site_url

from .models import Question, Topic

# Well under the protocol's 50,000 URLs and 50 MB: 100,000 questions are ten pages of the index.
QUESTIONS_PER_SITEMAP = 10_000


class SiteSitemap(Sitemap):
    def __init__(self, request):
        self.request = request
        self.address = urlsplit(site_url(request))

    def get_domain(self, site=None):
        return self.address.netloc

    def get_protocol(self, protocol=None):
        return self.address.scheme


class QuestionSitemap(SiteSitemap):
    limit = QUESTIONS_PER_SITEMAP
    changefreq = "weekly"

    def items(self):
        # In id order (the primary key's index): a page of the sitemap is one index range.
        return (
            Question.objects.published()
            .only("id", "slug", "last_activity_at")
            .order_by("id")
        )

    def lastmod(self, question):
        return question.last_activity_at

    def get_latest_lastmod(self):
        # One aggregate, not every question's lastmod (the default reads them all).
        return Question.objects.published().aggregate(latest=Max("last_activity_at"))[
            "latest"
        ]


class TopicSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self):
        return Topic.objects.only("slug").order_by("position", "name")


class ListSitemap(SiteSitemap):
    changefreq = "daily"

    def items(self):
        return ["home", "questions:list"]

    def location(self, name):
        return reverse(name)


def sitemaps(request) -> dict:
    """The sections of the sitemap index, by name."""
    return {
        "pages": ListSitemap(request),
        "topics": TopicSitemap(request),
        "questions": QuestionSitemap(request),
    }
