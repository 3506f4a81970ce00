"""Search: contains-search on SQLite, full-text search with ranks and headlines on PostgreSQL.

The tests without a mark run on both databases; the `postgres` ones need DATABASE_URL=postgres://...
"""

import importlib
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from caching import forget_everything
from questions.models import Question
from questions.search import (
    MAX_QUERY_LENGTH,
    clean_query,
    render_highlights,
    search_index_update,
)
from tests.factories import AnswerFactory, QuestionFactory

pytestmark = pytest.mark.django_db

postgres = pytest.mark.postgres


def search(client, query, **params):
    response = client.get(reverse("questions:list"), {"q": query, **params})
    assert response.status_code == HTTPStatus.OK
    return response


def shown(response):
    return [question.title for question in response.context["page"].object_list]


@pytest.fixture
def three_matches():
    """The word "backpropagation" in a title, in a body only, and in an answer only."""
    answer_only = QuestionFactory(title="How do you train a deep network?")
    AnswerFactory(
        question=answer_only,
        body="You run backpropagation through every layer, then step.",
    )
    body_only = QuestionFactory(
        title="Why do gradients vanish?", body="Think about backpropagation."
    )
    title = QuestionFactory(title="Explain backpropagation")
    QuestionFactory(title="What is a kernel?", body="Something else entirely.")
    search_index_update()
    return title, body_only, answer_only


def test_search_finds_title_body_and_answer_matches_title_first(client, three_matches):
    response = search(client, "Backpropagation")
    assert shown(response) == [question.title for question in three_matches]
    assert response.context["filter"].form["sort"].value() == "relevance"
    assert (
        '<p class="result-count">3 questions match “Backpropagation”</p>'
        in response.content.decode()
    )


def test_search_combines_with_filters_and_other_sorts(client, three_matches):
    title, body_only, answer_only = three_matches
    response = search(client, "backpropagation", topic=body_only.topic.slug)
    assert shown(response) == [body_only.title]
    # Most recently active first when asked, even while searching.
    # update(), not save(): saving a stale instance would write back its stale search_vector.
    Question.objects.filter(pk=answer_only.pk).update(
        last_activity_at=timezone.now() + timedelta(hours=1)
    )
    expected = [answer_only.title, title.title, body_only.title]
    assert shown(search(client, "backpropagation", sort="activity")) == expected


def test_every_word_must_match(client, three_matches):
    assert shown(search(client, "explain backpropagation")) == [three_matches[0].title]


def test_deleted_answers_are_not_searched(client):
    question = QuestionFactory(title="Unrelated title")
    AnswerFactory(
        question=question,
        body="Talks about dropout regularisation.",
        deleted_at=timezone.now(),
    )
    search_index_update()
    assert shown(search(client, "dropout")) == []


@pytest.mark.parametrize("query", ["the", "the and of", "!!!", "?? -- ..", "   "])
def test_stop_words_or_punctuation_only_find_nothing_without_error(client, query):
    QuestionFactory(title="What is the bias of the estimator?")
    search_index_update()
    response = search(client, query)
    if query.strip():
        assert shown(response) == []
        assert "No questions match" in response.content.decode()
    else:  # an empty search is no search
        assert len(shown(response)) == 1


def test_snippet_highlights_the_term_and_escapes_the_text(client):
    QuestionFactory(
        title="A question",
        body='Before <script>alert("x")</script> Tom & Jerry say a<b about regularisation, after.',
    )
    search_index_update()
    response = search(client, "regularisation")
    snippet = str(response.context["page"].object_list[0].snippet)
    assert "<mark>regularisation</mark>" in snippet
    assert "Tom &amp; Jerry" in snippet and "a&lt;b" in snippet
    assert "<script" not in snippet
    # Apart from the highlights, the snippet is plain escaped text.
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0
    html = response.content.decode()
    assert "<script>alert" not in html
    assert f'<p class="snippet">{snippet}</p>' in html


def test_answer_only_match_gets_a_snippet_from_the_answer_on_postgres_and_none_on_sqlite(
    client, three_matches
):
    response = search(client, "backpropagation")
    answer_only = response.context["page"].object_list[2]
    if connection.vendor == "postgresql":
        assert "<mark>backpropagation</mark>" in answer_only.snippet
    else:
        assert (
            not answer_only.snippet
        )  # SQLite quotes only the body, which it already has


def test_title_only_match_has_no_highlighted_snippet(client, three_matches):
    title_match = search(client, "backpropagation").context["page"].object_list[0]
    assert "<mark>" not in title_match.snippet


def test_long_query_is_cut_and_still_searches(client, three_matches):
    response = search(client, "backpropagation " + "x" * 10_000)
    assert len(response.context["search_query"]) == MAX_QUERY_LENGTH
    assert shown(response) == []  # the cut word "xxx…" matches nothing


def test_clean_query():
    assert clean_query(" a\x00b \n\t c ") == "ab c"
    assert clean_query(None) == ""
    assert len(clean_query("word " * 1000)) <= MAX_QUERY_LENGTH
    assert not clean_query("word " * 1000).endswith(" ")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain <b>text</b> & co", "plain &lt;b&gt;text&lt;/b&gt; &amp; co"),
        (
            "\ue000hit\ue001 then \ue000<i>\ue001",
            "<mark>hit</mark> then <mark>&lt;i&gt;</mark>",
        ),
        (
            "\ue000open \ue000twice",
            "<mark>open twice</mark>",
        ),  # unbalanced markers stay well-formed
        ("stray\ue001 close", "stray close"),
    ],
)
def test_render_highlights_only_marks_are_markup(raw, expected):
    assert render_highlights(raw) == expected


def test_search_index_update_does_nothing_on_sqlite():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite behaviour")
    question = QuestionFactory()
    assert search_index_update() == 0
    assert search_index_update([question.pk]) == 0


@postgres
def test_postgres_ranks_title_above_body_above_answer_with_stemming(
    client, three_matches
):
    # The English stemmer: "optimizer" finds "Optimizers".
    question = QuestionFactory(title="Optimizers compared", body="")
    search_index_update([question.pk])
    assert shown(search(client, "optimizer")) == [question.title]
    ranks = [
        q.search_rank
        for q in search(client, "backpropagation").context["page"].object_list
    ]
    assert ranks == sorted(ranks, reverse=True) and len(set(ranks)) == 3


@postgres
def test_postgres_websearch_syntax(client, three_matches):
    title, body_only, answer_only = three_matches
    assert shown(search(client, "backpropagation -layer")) == [
        title.title,
        body_only.title,
    ]
    assert shown(search(client, '"run backpropagation"')) == [answer_only.title]
    assert set(shown(search(client, "kernel or explain"))) == {
        title.title,
        "What is a kernel?",
    }


@postgres
def test_postgres_stop_words_only_is_an_empty_result(client, three_matches):
    response = search(client, "the of and")
    assert shown(response) == [] and response.context["page"].paginator.count == 0


@postgres
def test_postgres_snippet_from_body_highlights_stems(client):
    QuestionFactory(
        title="Training",
        body="We regularise weights. "
        + "Filler words here. " * 40
        + "Regularised again.",
    )
    search_index_update()
    snippet = search(client, "regularising").context["page"].object_list[0].snippet
    assert "<mark>regularise</mark>" in snippet or "<mark>Regularised</mark>" in snippet


@postgres
def test_postgres_search_index_update_only_touches_the_given_questions(client):
    first = QuestionFactory(title="Explain attention")
    second = QuestionFactory(title="Explain attention heads")
    # Saved rows keep their documents (questions/caching.py); an UPDATE sends no signal.
    assert set(shown(search(client, "attention"))) == {first.title, second.title}
    Question.objects.update(search_vector=None)
    forget_everything()  # this UPDATE reports no rows (on purpose): read the pages afresh
    assert search_index_update([]) == 0
    assert search_index_update([first.pk]) == 1
    vectors = dict(Question.objects.values_list("pk", "search_vector"))
    assert vectors[first.pk] and vectors[second.pk] is None
    assert shown(search(client, "attention")) == [first.title]
    assert search_index_update() == 2
    # An answer saved later is searchable at once: its question's document follows it.
    AnswerFactory(question=second, body="Multi-head transformers split the queries.")
    assert set(shown(search(client, "transformer"))) == {second.title}


@postgres
def test_postgres_vector_weights_title_a_body_b_answers_c():
    question = QuestionFactory(title="Entropy", body="Information")
    AnswerFactory(question=question, body="Surprise measure")
    search_index_update([question.pk])
    vector = Question.objects.values_list("search_vector", flat=True).get(
        pk=question.pk
    )
    assert (
        "'entropi':1A" in vector
        and "'inform':2B" in vector
        and "'surpris':3C" in vector
    )


@postgres
def test_postgres_migration_creates_a_reversible_gin_index():
    migration = importlib.import_module("questions.migrations.0002_search_index")

    def index_definition():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                [migration.INDEX_NAME],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    assert "USING gin (search_vector)" in index_definition()
    with connection.schema_editor() as editor:
        migration.drop_search_index(None, editor)
    assert index_definition() is None
    with connection.schema_editor() as editor:
        migration.create_search_index(None, editor)
    assert "USING gin (search_vector)" in index_definition()
