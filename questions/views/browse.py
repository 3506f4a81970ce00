from django.core.paginator import InvalidPage
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from caching import LISTS, cached_page

from ..counts import (
    CachedCountPaginator,
    list_count_depends_on,
    topic_question_counts,
    topics_with_counts,
)
from ..filters import QuestionFilter
from ..models import Question, Topic
from ..search import attach_snippets, is_capped

PAGE_SIZE = 25
_MAX_PAGE_DIGITS = 12


@cached_page([LISTS])
def question_list(request):
    """Every question in the bank, filtered, searched and sorted from the query string."""
    context = _filtered_page(request, Question.objects.published().with_list_data())
    return render(request, "questions/question_list.html", context)


@cached_page([LISTS])
def topic_index(request):
    """Every topic with its description and how many published questions it has."""
    topics = topics_with_counts()
    return render(
        request,
        "questions/topic_index.html",
        {"topics": topics, "question_total": sum(t.question_count for t in topics)},
    )


@cached_page([LISTS])
def topic_detail(request, slug):
    """One topic: its description, how many questions it has, and the same filtered list."""
    topic = get_object_or_404(Topic, slug=slug)
    context = _filtered_page(
        request, topic.questions.published().with_list_data(), fixed_topic=topic
    )
    context.update(
        topic=topic, topic_question_count=topic_question_counts().get(topic.pk, 0)
    )
    return render(request, "questions/topic_detail.html", context)


def _filtered_page(request, queryset, fixed_topic=None):
    """One page of filtered questions: invalid filters and page numbers are shown, never fatal.

    A page number that is not a positive whole number shows page 1 with a note; one past the end is a 404.
    """
    filterset = QuestionFilter(request.GET, queryset=queryset, fixed_topic=fixed_topic)
    paginator = CachedCountPaginator(
        filterset.qs,
        PAGE_SIZE,
        depends_on=list_count_depends_on(filterset),
        known_count=filterset.search_count,
    )
    raw_page = request.GET.get("page", "").strip()
    number, page_error = 1, ""
    if (
        raw_page.isascii()
        and raw_page.isdigit()
        and int(raw_page[:_MAX_PAGE_DIGITS]) >= 1
    ):
        if len(raw_page) > _MAX_PAGE_DIGITS:
            raise Http404(
                "No such page."
            )  # more digits than any page count: past the end
        number = int(raw_page)
    elif raw_page:
        page_error = (
            "The page number must be a whole number from 1 up, so this is page 1."
        )
    try:
        page = paginator.page(number)
    except InvalidPage as error:
        raise Http404("No such page.") from error
    page.object_list = list(page.object_list)
    search_text = filterset.search_text
    if search_text:
        attach_snippets(page.object_list, search_text)
    return {
        "filter": filterset,
        "page": page,
        "page_numbers": list(
            paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=0)
        ),
        "page_error": page_error,
        "query_string": filterset.query_string(),
        "is_filtered": filterset.is_filtered(),
        "menu_choice_count": filterset.menu_choice_count(),
        # Overrides the context processor's raw value: the header box shows what was searched for.
        "search_query": search_text,
        "search_capped": bool(search_text) and is_capped(paginator.count),
    }
