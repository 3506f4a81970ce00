"""Counts the list pages show, cached until what they count changes (see mlqa.pagecache).

Counting 100,000 questions costs PostgreSQL tens of milliseconds on every page view; the numbers
change only when a question joins or leaves the bank (the `bank` token) or, for the answered and
canonical filters, when answers change (the `lists` token).
"""

from django.core.paginator import Paginator
from django.db.models import Count
from django.utils.functional import cached_property

from mlqa import pagecache

from .models import Question, Topic


def topic_question_counts() -> dict[int, int]:
    """Published questions per topic id."""

    def count():
        rows = (
            Question.objects.published()
            .order_by()
            .values_list("topic")
            .annotate(n=Count("pk"))
        )
        return dict(rows)

    return pagecache.cached_value("topic-counts", [pagecache.BANK], count)


def topics_with_counts(topics=None) -> list[Topic]:
    """Every topic, in menu order (or these `topics`), with `question_count` set."""
    counts = topic_question_counts()
    topics = list(Topic.objects.all()) if topics is None else topics
    for topic in topics:
        topic.question_count = counts.get(topic.pk, 0)
    return topics


class CachedCountPaginator(Paginator):
    """A paginator whose total is cached under the given tokens, keyed by the count's SQL, or
    given as `known_count` when the caller knows it already (a search)."""

    def __init__(self, object_list, per_page, depends_on, known_count=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.depends_on = depends_on
        self.known_count = known_count

    @cached_property
    def count(self):
        if self.known_count is not None:
            return self.known_count
        if not self.depends_on:
            return super().count
        sql, params = self.object_list.query.sql_with_params()
        return pagecache.cached_value(
            f"count:{sql}:{params!r}",
            self.depends_on,
            lambda: self.object_list.count(),
        )
