"""Counts the list pages show, cached until what they count changes (see caching/).

Counting 100,000 questions costs PostgreSQL tens of milliseconds on every page view; the numbers
change only when a question joins or leaves the bank (the `bank` token) or, for the answered,
canonical, interview and difficulty filters, when answers, marks or ratings change (the `lists`
token).
"""

from django.core.paginator import Paginator
from django.db.models import Count, Max
from django.utils.functional import cached_property

from caching import BANK, LISTS, cached_value

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

    return cached_value("topic-counts", [BANK], count)


def largest_question_pk() -> int:
    """The largest question id there is (0 for an empty bank): practice's random picks start
    from a random id below it."""
    return cached_value(
        "largest-question-pk",
        [BANK],
        lambda: Question.objects.aggregate(top=Max("pk"))["top"] or 0,
    )


def topics_with_counts(topics=None) -> list[Topic]:
    """Every topic, in menu order (or these `topics`), with `question_count` set."""
    counts = topic_question_counts()
    topics = list(Topic.objects.all()) if topics is None else topics
    for topic in topics:
        topic.question_count = counts.get(topic.pk, 0)
    return topics


def filter_options(model, label) -> list[tuple[str, str]]:
    """(slug, label) of every topic or source, for the list's filter menus."""
    return cached_value(
        f"choices:{model._meta.model_name}",
        [BANK],
        lambda: list(model.objects.values_list("slug", label)),
    )


def list_count_depends_on(filterset):
    """The tokens a filtered list's total depends on; None: count every time (searches)."""
    if filterset.search_text:
        return None
    return [BANK, LISTS] if filterset.filters_on_answers() else [BANK]


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
        return cached_value(
            f"count:{sql}:{params!r}",
            self.depends_on,
            lambda: self.object_list.count(),
        )
