"""Related questions (issue 18): lists chosen by meaning, kept in RelatedQuestion, shown on the
question page, exported, and offered while a member proposes a question. Through the real views
and services, on SQLite and (with DATABASE_URL) PostgreSQL."""

import json
from html import unescape
from http import HTTPStatus
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import escape

from moderation.services import canonical_set, post_approve, post_hide
from questions.importer import import_seeds
from questions.models import (
    RELATED_KEPT,
    Question,
    QuestionSource,
    RelatedQuestion,
    SimilaritySnapshot,
    Status,
)
from questions.services.questions import question_edit
from questions.services.related import related_questions_rebuild
from questions.similarity import Document, SimilarityIndex, terms
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
    signed_in_client,
)

pytestmark = pytest.mark.django_db

# The vanishing gradient problem: 001's question, which 002's two rewordings ("What is the
# Vanishing Gradient Problem and how do you fix it?", "Vanishing Gradients") are merged into
# (questions/seed_data/merges.json).
VANISHING = [
    "What is the Vanishing Gradient Problem in Artificial Neural Networks and how to fix it?",
]
# Close neighbours, not rewordings: each lists the other.
RESIDUAL = [
    "How does ResNet-50 solve the vanishing gradients problem of VGG-16?",
    "Residual Connections/ Skip Connections",
]


def related_titles(client, question):
    """The titles the question's page lists under "Related questions", in order."""
    html = client.get(question.get_absolute_url()).content.decode()
    if 'id="related-heading"' not in html:
        return []
    section = html.split('id="related-heading"', 1)[1].split("</aside>", 1)[0]
    return [
        unescape(part.split("</a>", 1)[0].split(">", 1)[1])
        for part in section.split("<a href=")[1:]
    ]


def shown_as(prompt):
    """The question a list shows as `prompt` (topics read "Explain: …")."""
    return next(q for q in Question.objects.all() if q.prompt == prompt)


def test_terms_read_abbreviations_and_their_names_as_one_term():
    assert terms("lasso") == terms("L1 regularization")
    assert terms("support vector machines") == terms("SVM")
    assert terms("a convolutional layer") == terms("a CNN layer")
    assert terms("k-fold") == terms("cross-validation")
    # Scaling features is not the normal distribution.
    assert set(terms("feature normalization")).isdisjoint(terms("normal distribution"))


def test_similarity_index_ranks_by_meaning_not_shared_title_words():
    documents = [
        Document(1, "What is lasso?", answers="Lasso adds an absolute penalty."),
        Document(2, "How does L1 regularization look?", answers="An L1 penalty."),
        Document(3, "What is a lasso in rodeo?", answers="A rope with a loop."),
        Document(4, "How do we train decision trees?", answers="Greedy splits."),
    ]
    index = SimilarityIndex.build(lambda: documents)
    best, *_ = index.neighbours(2, k=3)
    assert best[0] == 1
    assert index.query("lasso versus ridge", k=1)[0][0] in {1, 2}


@pytest.fixture
def bank():
    """The shipped bank, imported (the import rebuilds the lists)."""
    import_seeds()
    return {q.title: q for q in Question.objects.all()}


def test_question_page_lists_its_close_neighbours(client, bank):
    for title in RESIDUAL:
        shown = related_titles(client, bank[title])
        others = [f"Explain: {t}" if t == RESIDUAL[1] else t for t in RESIDUAL]
        assert {o for o in others if o != bank[title].prompt} <= set(shown), (
            title,
            shown,
        )
        assert len(shown) == 5


def test_lists_are_stored_in_rank_order_without_the_question_itself(bank):
    links = RelatedQuestion.objects.filter(question=bank[VANISHING[0]])
    assert [link.rank for link in links] == list(range(1, RELATED_KEPT + 1))
    assert all(link.related_id != link.question_id for link in links)
    scores = [link.score for link in links]
    assert scores == sorted(scores, reverse=True) and 0 < scores[-1] <= 1


def test_rebuild_is_idempotent_and_the_command_reports(bank):
    assert related_questions_rebuild().changed == 0
    out = StringIO()
    call_command("related_questions", stdout=out)
    assert "0 lists changed" in out.getvalue()


def test_a_hidden_question_leaves_the_lists_at_once_and_the_next_fills_in(
    client, bank, moderator
):
    question = bank[VANISHING[0]]
    before = related_titles(client, question)
    hidden = shown_as(before[0])
    post_hide(moderator=moderator, post=hidden, reason="duplicate")
    after = related_titles(client, question)
    assert hidden.prompt not in after
    assert after[:4] == before[1:5] and len(after) == 5
    # Its own page is gone for visitors; approving it brings it back.
    post_approve(moderator=moderator, post=hidden)
    assert related_titles(client, question)[0] == before[0]


def test_a_deleted_question_leaves_the_lists(client, bank):
    question = bank[VANISHING[0]]
    before = related_titles(client, question)
    shown_as(before[1]).delete()
    after = related_titles(client, question)
    assert before[1] not in after
    assert after[:4] == [before[0], *before[2:5]] and len(after) == 5


def test_an_edited_title_shows_at_once_on_the_pages_that_list_it(
    client, bank, moderator
):
    member = signed_in_client()
    question = bank[VANISHING[0]]
    shown = related_titles(client, question)
    assert related_titles(member, question) == shown  # both cached now
    neighbour = shown_as(shown[0])
    question_edit(
        question=neighbour,
        editor=moderator,
        title=neighbour.title + " (deep networks)",
        body=neighbour.body,
        topic=neighbour.topic,
        difficulty=neighbour.difficulty,
    )
    assert neighbour.prompt + " (deep networks)" in related_titles(client, question)
    assert neighbour.prompt + " (deep networks)" in related_titles(member, question)


def test_a_topic_change_shows_at_once_on_the_pages_that_list_it(client, moderator):
    topic, other_topic = TopicFactory(name="Optimisation"), TopicFactory(name="Other")
    first = QuestionFactory(
        title="How does gradient descent with momentum work?", topic=topic
    )
    second = QuestionFactory(
        title="Why does gradient descent need momentum?", topic=topic
    )
    related_questions_rebuild()
    page = client.get(first.get_absolute_url()).content.decode()
    assert f'{second.title}</a> <span class="muted">· Optimisation' in page
    question_edit(
        question=second,
        editor=moderator,
        title=second.title,
        body="",
        topic=other_topic,
        difficulty=second.difficulty,
    )
    page = client.get(first.get_absolute_url()).content.decode()
    assert f'{second.title}</a> <span class="muted">· Other' in page


def test_a_new_published_question_joins_the_lists_through_the_service(
    client, moderator
):
    first = QuestionFactory(title="What is dropout in neural networks?")
    QuestionFactory(title="How do we train decision trees?")
    related_questions_rebuild()
    assert related_titles(client, first) == []
    proposal = QuestionFactory(
        title="Why does dropout regularize neural networks?", status=Status.PENDING
    )
    post_approve(moderator=moderator, post=proposal)
    assert related_titles(client, first) == [proposal.title]


def test_answers_text_counts(client):
    first = QuestionFactory(title="Explain the first mystery")
    second = QuestionFactory(title="Explain the second enigma")
    QuestionFactory(title="Explain the third puzzle")
    AnswerFactory(question=first, body="Gradient clipping bounds exploding gradients.")
    AnswerFactory(question=second, body="Exploding gradients are tamed by clipping.")
    related_questions_rebuild()
    assert related_titles(client, first)[0] == second.prompt


def test_question_page_query_count_with_related_questions(
    client, bank, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # rendered: the cached page would cost none
    question = bank[VANISHING[0]]
    client.get(question.get_absolute_url())
    # The question, its answers, sources, comments, the session check... and the related list.
    with django_assert_max_num_queries(6):
        response = client.get(question.get_absolute_url())
    assert response.content.decode().count('id="related-heading"') == 1


def test_export_lists_related_ids_in_rank_order(client, bank):
    out = StringIO()
    call_command("export_questions", stdout=out)
    records = {r["id"]: r for r in map(json.loads, out.getvalue().splitlines())}
    question = bank[RESIDUAL[0]]
    expected = [
        link.related_id for link in RelatedQuestion.objects.shown_for(question.pk)
    ]
    assert records[question.pk]["related"] == expected
    titles = {q.pk: q.prompt for q in bank.values()}
    assert [titles[pk] for pk in expected] == related_titles(client, question)


# --- Similar questions while proposing ------------------------------------------------------


@pytest.fixture
def proposer(client):
    client.force_login(UserFactory(trusted=True))
    return client


def proposal(title, **extra):
    topic = TopicFactory(slug="neural-networks", name="Neural networks")
    return {
        "title": title,
        "body": "",
        "topic": topic.pk,
        "difficulty": "medium",
        **extra,
    }


def test_typing_a_title_lists_similar_questions(proposer, bank):
    page = proposer.get(reverse("questions:propose")).content.decode()
    assert 'data-hx-get="/questions/similar/"' in page
    assert 'id="similar-questions"' in page
    response = proposer.get(
        reverse("questions:similar"),
        {"title": "How can I fix vanishing gradients in a deep network?"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert html.lstrip().startswith('<div id="similar-questions"')
    assert "<html" not in html
    assert VANISHING[0] in html and 'name="not_duplicate"' in html


def test_an_unrelated_title_lists_nothing(proposer, bank):
    response = proposer.get(
        reverse("questions:similar"), {"title": "Which pizza topping is best?"}
    )
    assert "<li>" not in response.content.decode()


def test_submitting_without_javascript_asks_to_confirm_then_proposes(proposer, bank):
    data = proposal("How can I fix vanishing gradients in a very deep network?")
    response = proposer.post(reverse("questions:propose"), data)
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "Is your question already in the bank?" in html
    assert VANISHING[0] in html
    assert data["title"] in html  # the member's text is kept
    assert not Question.objects.filter(title=data["title"]).exists()

    response = proposer.post(
        reverse("questions:propose"), {**data, "not_duplicate": "on"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert Question.objects.get(title=data["title"]).status == Status.PENDING


def test_a_new_question_with_nothing_similar_is_proposed_at_once(proposer, bank):
    data = proposal("Which pizza topping would you choose for a team lunch?")
    response = proposer.post(reverse("questions:propose"), data)
    assert response.status_code == HTTPStatus.FOUND


# --- Small gaps: topics index, the missing item, the download --------------------------------


def test_topics_index_lists_every_topic_with_count_and_description(
    client, bank, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    client.get(reverse("questions:topics"))
    with django_assert_max_num_queries(3):
        response = client.get(reverse("questions:topics"))
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    for topic in bank[VANISHING[0]].topic.__class__.objects.all():
        count = topic.questions.published().count()
        assert f'href="{topic.get_absolute_url()}"' in html
        assert escape(topic.description) in html
        assert f"{count} question{'s' if count != 1 else ''}</p>" in html
    assert f"{Question.objects.published().count()} questions in" in html
    topic_page = client.get(bank[VANISHING[0]].topic.get_absolute_url())
    assert f'href="{reverse("questions:topics")}"' in topic_page.content.decode()


def test_balancing_data_is_its_own_question(bank):
    balancing = bank["Balancing data"]
    diversity = bank["Data diversity"]
    assert QuestionSource.objects.get(question=balancing).line == 197
    assert "SMOTE" in balancing.answers.get().body
    assert "Balancing" not in diversity.answers.get().body


def test_download_streams_the_published_bank_with_licences(client, bank, moderator):
    hidden = bank[RESIDUAL[1]]
    post_hide(moderator=moderator, post=hidden)
    answer = AnswerFactory(question=bank[VANISHING[0]], author=UserFactory())
    canonical_set(moderator=moderator, answer=answer)
    response = client.get(reverse("questions:download"))
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/jsonl")
    assert "attachment" in response["Content-Disposition"]
    records = [
        json.loads(line)
        for line in b"".join(response.streaming_content).decode().splitlines()
    ]
    assert len(records) == Question.objects.published().count()
    by_title = {r["title"]: r for r in records}
    assert hidden.title not in by_title
    record = by_title[VANISHING[0]]
    assert record["canonical_answer"]["body"] == answer.body
    assert record["url"].startswith("http://testserver/questions/")
    # Its sources: 001's, and the two places of 002 whose rewordings were merged into it.
    source, *rewordings = record["sources"]
    assert [s["document"][:3] for s in record["sources"]] == ["001", "002", "002"]
    assert source["document"] == "001_f6a4af75ce96a0dc.txt"
    assert source["licence"] == "not stated"
    assert "Aman Chadha" in source["attribution"]
    assert record["reference_answers"][0]["document"] == source["document"]
    assert "vanishing" in record["reference_answers"][0]["body"].lower()
    theory = by_title["What is the bias-variance trade-off?"]
    assert theory["sources"][0]["licence"] == "CC BY 4.0"
    assert theory["difficulty"] == "easy"
    assert isinstance(theory["related"], list) and theory["related"]


def test_above_the_limit_a_save_leaves_the_lists_to_the_command(
    client, moderator, monkeypatch
):
    first = QuestionFactory(title="What is dropout in neural networks?")
    related_questions_rebuild()
    monkeypatch.setattr("questions.services.related.REBUILD_ON_SAVE_LIMIT", 1)
    proposal = QuestionFactory(
        title="Why does dropout regularize neural networks?", status=Status.PENDING
    )
    post_approve(moderator=moderator, post=proposal)
    assert related_titles(client, first) == []
    call_command("related_questions", stdout=StringIO())
    assert related_titles(client, first) == [proposal.title]


def test_on_a_bank_too_big_to_index_in_a_request_proposing_reads_the_stored_index(
    proposer, bank, monkeypatch
):
    monkeypatch.setattr("questions.services.related.REBUILD_ON_SAVE_LIMIT", 10)
    monkeypatch.setattr("questions.views.proposals.REBUILD_ON_SAVE_LIMIT", 10)

    def never(*args, **kwargs):
        raise AssertionError("an index was built in a request")

    monkeypatch.setattr("questions.views.proposals.similarity_index", never)
    monkeypatch.setattr("questions.services.related.similarity_index", never)
    title = {"title": "How can I fix vanishing gradients in a deep network?"}
    response = proposer.get(reverse("questions:similar"), title)
    assert response.status_code == HTTPStatus.OK
    assert VANISHING[0] in response.content.decode()  # the import's rebuild stored it
    SimilaritySnapshot.objects.all().delete()
    response = proposer.get(reverse("questions:similar"), title)
    assert response.status_code == HTTPStatus.OK
    assert "<li>" not in response.content.decode()  # no copy yet: nothing, never slow
