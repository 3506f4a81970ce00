"""The question list and topic pages: filters, sort orders, pagination, bad input, query counts."""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from questions.models import Difficulty, Kind, Question, QuestionSource
from questions.search import search_index_update
from questions.services.counters import question_top_score_refresh
from tests.factories import AnswerFactory, QuestionFactory, SourceFactory, TopicFactory

pytestmark = pytest.mark.django_db

# Queries a list page runs whatever the number of questions (anonymous visitor):
# count, one page of rows, the topic and source <select> options.
LIST_QUERIES = 4
# With every filter and a search: the chosen topic and source looked up by slug, the search's
# candidate ids, the count, the rows and (PostgreSQL) the snippets; the <select> options come from
# the cache.
LIST_QUERIES_ALL_FILTERS = 7
# The topic, its question count, count, rows, source options.
TOPIC_QUERIES = 5


def list_page(client, **params):
    return client.get(reverse("questions:list"), params)


def shown(response):
    return [question.title for question in response.context["page"].object_list]


def make_questions(count, **kwargs):
    """`count` questions, the first created the most recently active."""
    now = timezone.now()
    return [
        QuestionFactory(last_activity_at=now - timedelta(minutes=i), **kwargs)
        for i in range(count)
    ]


def test_list_shows_count_and_rows_most_recently_active_first(client):
    old = QuestionFactory(
        title="Old question", last_activity_at=timezone.now() - timedelta(days=3)
    )
    new = QuestionFactory(title="New question", kind=Kind.TOPIC)
    response = list_page(client)
    assert response.status_code == HTTPStatus.OK
    assert shown(response) == [new.title, old.title]
    html = response.content.decode()
    assert '<p class="result-count">2 questions</p>' in html
    assert "Explain: New question" in html  # the prompt, with its topic tag and badges
    assert new.topic.name in html and "Needs an answer" in html


def test_filter_by_topic(client):
    wanted, other = TopicFactory(), TopicFactory()
    question = QuestionFactory(topic=wanted)
    QuestionFactory(topic=other)
    assert shown(list_page(client, topic=wanted.slug)) == [question.title]


def test_filter_by_difficulty(client):
    easy = QuestionFactory(difficulty=Difficulty.EASY)
    QuestionFactory(difficulty=Difficulty.HARD)
    assert shown(list_page(client, difficulty="easy")) == [easy.title]


def test_filter_by_kind(client):
    topic = QuestionFactory(kind=Kind.TOPIC)
    question = QuestionFactory(kind=Kind.QUESTION)
    assert shown(list_page(client, kind="topic")) == [topic.title]
    assert shown(list_page(client, kind="question")) == [question.title]


def test_filter_by_source_lists_each_question_once(client):
    source, other = SourceFactory(), SourceFactory()
    twice = QuestionFactory()
    # The same question on two lines of one document is still one result.
    QuestionSource.objects.create(question=twice, source=source, line=3)
    QuestionSource.objects.create(question=twice, source=source, line=90)
    elsewhere = QuestionFactory()
    QuestionSource.objects.create(question=elsewhere, source=other, line=1)
    response = list_page(client, source=source.slug)
    assert shown(response) == [twice.title]
    assert response.context["page"].paginator.count == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("needs-answer", {"unanswered", "deleted canonical"}),
        ("answered", {"community", "reference", "canonical"}),
        ("canonical", {"canonical"}),
    ],
)
def test_filter_by_status(client, status, expected):
    QuestionFactory(title="unanswered")
    community = QuestionFactory(title="community")
    QuestionFactory(title="reference", has_reference_answer=True)
    canonical = QuestionFactory(title="canonical")
    AnswerFactory(question=canonical, is_canonical=True)
    deleted = QuestionFactory(title="deleted canonical")
    AnswerFactory(question=deleted, is_canonical=True, deleted_at=timezone.now())
    # The counters as the answer services keep them: deleted answers are not counted.
    Question.objects.filter(pk__in=[community.pk, canonical.pk]).update(answer_count=2)
    Question.objects.filter(pk=deleted.pk).update(answer_count=0)
    assert set(shown(list_page(client, status=status))) == expected


def test_sort_by_votes_uses_the_best_visible_answer(client):
    low, high, unanswered, deleted_high = make_questions(4)
    AnswerFactory(question=low, score=5)
    AnswerFactory(question=low, score=-2)
    AnswerFactory(question=high, score=10)
    AnswerFactory(question=deleted_high, score=100, deleted_at=timezone.now())
    question_top_score_refresh()  # factories write scores behind the services' backs
    response = list_page(client, sort="votes")
    # Questions without a visible answer come last, most recently active first.
    assert shown(response) == [
        high.title,
        low.title,
        unanswered.title,
        deleted_high.title,
    ]
    assert "<strong>10</strong> top answer score" in response.content.decode()


def test_sort_by_number_of_answers(client):
    one, none, three = make_questions(3)
    Question.objects.filter(pk=one.pk).update(answer_count=1)
    Question.objects.filter(pk=three.pk).update(answer_count=3)
    assert shown(list_page(client, sort="answers")) == [
        three.title,
        one.title,
        none.title,
    ]


def test_sort_by_difficulty_easy_first_unrated_last(client):
    unrated = QuestionFactory(difficulty=Difficulty.UNRATED)
    hard = QuestionFactory(difficulty=Difficulty.HARD)
    easy = QuestionFactory(difficulty=Difficulty.EASY)
    medium = QuestionFactory(difficulty=Difficulty.MEDIUM)
    expected = [easy.title, medium.title, hard.title, unrated.title]
    assert shown(list_page(client, sort="difficulty")) == expected


@pytest.mark.parametrize("sort", ["activity", "relevance", ""])
def test_sort_by_activity_is_the_default_and_relevance_without_search(client, sort):
    questions = make_questions(3)
    Question.objects.filter(pk=questions[2].pk).update(
        last_activity_at=timezone.now() + timedelta(hours=1)
    )
    expected = [questions[2].title, questions[0].title, questions[1].title]
    assert shown(list_page(client, sort=sort)) == expected


def test_pages_of_25_with_links_that_keep_the_filters(client):
    make_questions(60, difficulty=Difficulty.EASY)
    QuestionFactory(difficulty=Difficulty.HARD)
    response = list_page(client, difficulty="easy", sort="difficulty", page="2")
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["page"].object_list) == 25
    html = response.content.decode()
    assert '<p class="result-count">60 questions, showing 26–50</p>' in html
    keep = "?difficulty=easy&amp;sort=difficulty"
    assert f'href="{keep}"' in html  # first
    assert f'href="{keep}&amp;page=1" rel="prev"' in html
    assert f'href="{keep}&amp;page=3" rel="next"' in html
    assert re.search(rf'href="{re.escape(keep)}&amp;page=2" aria-current="page"', html)
    assert "Last »" in html and "« First" in html
    last = list_page(client, difficulty="easy", sort="difficulty", page="3")
    assert len(last.context["page"].object_list) == 10


def test_page_numbers_are_elided_around_the_current_page(client):
    make_questions(10 * 25)
    html = list_page(client, page="5").content.decode()
    numbers = re.findall(
        r'page=(\d+)"(?: aria-current="page")?><span class="visually-hidden">', html
    )
    assert numbers == ["3", "4", "5", "6", "7"]
    assert 'class="ellipsis"' in html


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("difficulty", "bogus"),
        ("kind", "bogus"),
        ("status", "bogus"),
        ("sort", "bogus"),
        ("topic", "no-such-topic"),
        ("source", "no-such-source"),
        ("topic", "not a slug!"),
        ("topic", "\x00"),
        ("source", "x" * 10_000),
    ],
)
def test_invalid_filter_value_shows_the_error_and_the_unfiltered_list(
    client, param, value
):
    questions = make_questions(2)
    response = list_page(client, **{param: value})
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'class="filter-errors" role="alert"' in html
    assert f'id="id_{param}_error"' in html and "Select a valid choice" in html
    assert shown(response) == [question.title for question in questions]
    assert param not in response.context["query_string"]


def test_invalid_filter_does_not_cancel_the_valid_ones(client):
    easy = QuestionFactory(difficulty=Difficulty.EASY)
    QuestionFactory(difficulty=Difficulty.HARD)
    response = list_page(client, difficulty="easy", kind="bogus")
    assert shown(response) == [easy.title]
    assert response.context["query_string"] == "difficulty=easy"


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "²", "", " "])
def test_page_that_is_not_a_whole_number_shows_page_one(client, page):
    make_questions(30)
    response = list_page(client, page=page)
    assert response.status_code == HTTPStatus.OK
    assert response.context["page"].number == 1
    if page.strip():
        assert "The page number must be a whole number" in response.content.decode()


@pytest.mark.parametrize("page", ["3", "99999", "9" * 40])
def test_page_past_the_end_is_not_found(client, page):
    make_questions(30)
    assert list_page(client, page=page).status_code == HTTPStatus.NOT_FOUND


def test_page_two_of_nothing_is_not_found_but_page_one_is_empty(client):
    assert list_page(client, page="2").status_code == HTTPStatus.NOT_FOUND
    response = list_page(client)
    assert response.status_code == HTTPStatus.OK
    assert "No questions match." in response.content.decode()


@pytest.mark.parametrize(
    "value",
    [
        "x" * 10_000,
        "gradient\x00descent",
        "\x00",
        "!!! ??? ... ---",
        "the and of",
        "🙂 é ß 中文",
        "' OR 1=1; DROP TABLE questions_question; --",
        '"unclosed phrase',
        "-",
        "<script>alert(1)</script>",
        "a & b | !c <-> d:*",
    ],
)
@pytest.mark.parametrize(
    "param", ["q", "topic", "difficulty", "source", "page", "sort"]
)
def test_absurd_input_never_fails(client, param, value):
    make_questions(3)
    response = client.get(
        reverse("questions:list"),
        {param: value, "q": "x"} if param != "q" else {param: value},
    )
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.NOT_FOUND}
    assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.parametrize(
    "raw",
    [
        "q=%ED%A0%80",
        "q=%FF%FE",
        "q=%00%00",
        "topic=%00&source=%FF",
        "page=%00",
        "q=a&q=b&page=1&page=x",
    ],
)
def test_undecodable_query_strings_never_fail(client, raw):
    make_questions(2)
    assert client.get(f"{reverse('questions:list')}?{raw}").status_code == HTTPStatus.OK


def test_absurd_query_is_cleaned_and_truncated(client):
    response = list_page(client, q=("abc\x00 " * 5000))
    assert response.status_code == HTTPStatus.OK
    query = response.context["search_query"]
    assert len(query) <= 200 and "\x00" not in query and query.startswith("abc abc")
    assert (
        f'value="{query}"' in response.content.decode()
    )  # in the header box and the form


def test_filter_form_works_without_javascript_and_labels_every_control(client):
    QuestionFactory()
    html = list_page(client).content.decode()
    form = html[html.index('<form class="filters"') :]
    form = form[: form.index("</form>")]
    assert 'method="get"' in form and '<button type="submit">' in form
    controls = re.findall(r'<(?:select|input)[^>]*\sid="([^"]+)"', form)
    assert set(controls) == {
        "id_q",
        "id_topic",
        "id_difficulty",
        "id_asked",
        "id_kind",
        "id_status",
        "id_source",
        "id_sort",
    }
    for control in controls:
        assert f'<label for="{control}">' in form


def test_topic_page_shows_description_count_and_only_its_questions(client):
    topic = TopicFactory(description="Everything about <b>gradients</b>.")
    mine = make_questions(3, topic=topic)
    QuestionFactory()  # another topic
    response = client.get(topic.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Everything about &lt;b&gt;gradients&lt;/b&gt;." in html
    assert "3 questions in this topic" in html
    assert shown(response) == [question.title for question in mine]
    assert 'id="id_topic"' not in html  # the topic is fixed


def test_topic_page_filters_within_the_topic_and_ignores_a_topic_parameter(client):
    topic, other = TopicFactory(), TopicFactory()
    easy = QuestionFactory(topic=topic, difficulty=Difficulty.EASY)
    QuestionFactory(topic=topic, difficulty=Difficulty.HARD)
    QuestionFactory(topic=other, difficulty=Difficulty.EASY)
    response = client.get(
        topic.get_absolute_url(), {"difficulty": "easy", "topic": other.slug}
    )
    assert shown(response) == [easy.title]
    html = response.content.decode()
    assert (
        "2 questions in this topic" in html
        and "1 question matches these filters" in html
    )
    assert response.context["query_string"] == "difficulty=easy"


def test_topic_page_pagination_and_unknown_topic(client):
    topic = TopicFactory()
    make_questions(30, topic=topic, difficulty=Difficulty.MEDIUM)
    response = client.get(
        topic.get_absolute_url(), {"difficulty": "medium", "page": "2"}
    )
    assert len(response.context["page"].object_list) == 5
    assert (
        'href="?difficulty=medium&amp;page=1" rel="prev"' in response.content.decode()
    )
    assert (
        client.get(topic.get_absolute_url(), {"page": "3"}).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert (
        client.get(reverse("questions:topic", args=["nope"])).status_code
        == HTTPStatus.NOT_FOUND
    )


@pytest.mark.parametrize("count", [5, 60])
def test_list_query_count_does_not_grow_with_the_questions(
    client, django_assert_max_num_queries, count
):
    make_questions(count)
    with django_assert_max_num_queries(LIST_QUERIES):
        response = list_page(client)
    assert len(response.context["page"].object_list) == min(count, 25)


@pytest.mark.parametrize("count", [5, 60])
@pytest.mark.usefixtures("production_caches")  # the select options come from the cache
def test_filtered_search_query_count_does_not_grow(
    client, django_assert_max_num_queries, count, settings
):
    # Rendered every time: a cached page would cost no query.
    settings.PAGE_CACHE_SECONDS = 0
    topic, source = TopicFactory(), SourceFactory()
    now = timezone.now()
    for i in range(count):
        question = QuestionFactory(
            title=f"Gradient question {i}",
            topic=topic,
            difficulty=Difficulty.EASY,
            last_activity_at=now - timedelta(minutes=i),
        )
        QuestionSource.objects.create(
            question=question, source=source, line=question.pk
        )
        AnswerFactory(question=question, score=question.pk % 7)
    search_index_update()
    params = {
        "q": "gradient",
        "topic": topic.slug,
        "source": source.slug,
        "difficulty": "easy",
        "kind": "question",
        "status": "answered",
        "sort": "votes",
    }
    list_page(client, **params)  # warms the caches
    with django_assert_max_num_queries(LIST_QUERIES_ALL_FILTERS):
        response = list_page(client, **params)
    assert response.status_code == HTTPStatus.OK
    assert len(response.context["page"].object_list) == min(count, 25)


@pytest.mark.parametrize("count", [5, 60])
def test_topic_page_query_count_does_not_grow(
    client, django_assert_max_num_queries, count
):
    topic = TopicFactory()
    make_questions(count, topic=topic)
    with django_assert_max_num_queries(TOPIC_QUERIES):
        response = client.get(
            topic.get_absolute_url(), {"sort": "answers", "page": "1"}
        )
    assert len(response.context["page"].object_list) == min(count, 25)


def test_a_big_total_is_written_with_thousands_separators(client, monkeypatch):
    make_questions(2)
    monkeypatch.setattr(
        "questions.counts.CachedCountPaginator.count", property(lambda self: 100_310)
    )
    assert "100,310 questions, showing 1–25" in list_page(client).content.decode()
