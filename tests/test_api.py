"""The JSON API through its real views: every answer validated against the API's own OpenAPI
document (jsonschema), filters, search and pages, only published rows, caching that follows
writes, rate limits, and personal access tokens made and revoked through the settings page."""

import csv
import io
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from jsonschema import Draft202012Validator

from accounts import ratelimit
from api.models import AccessToken, token_digest
from questions.models import Difficulty, Status
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    TopicFactory,
    UserFactory,
    signed_in_client,
)
from tests.practice_factories import NOW, grade, practisable_question

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(scope="module")
def openapi():
    client = Client()
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == HTTPStatus.OK
    return response.json()


def valid(openapi, response, path, status=200):
    """The response's JSON, after checking it against the OpenAPI document's schema for it."""
    assert response.status_code == status, response.content
    operation = openapi["paths"][path]["get"]
    content = operation["responses"][str(status)]["content"]["application/json"]
    schema = {**content["schema"], "components": openapi["components"]}
    data = response.json()
    errors = list(Draft202012Validator(schema).iter_errors(data))
    assert not errors, [e.message for e in errors]
    return data


def test_the_openapi_document_describes_every_operation(openapi):
    assert openapi["openapi"].startswith("3.")
    assert set(openapi["paths"]) == {
        f"{API}/questions",
        f"{API}/questions/{{question_id}}",
        f"{API}/topics",
        f"{API}/members/{{username}}",
        f"{API}/me/reviews",
        f"{API}/me/export.csv",
        f"{API}/me/export.apkg",
    }
    Draft202012Validator.check_schema(
        {"$defs": openapi["components"]["schemas"]}
    )  # the schemas are themselves valid
    assert openapi["paths"][f"{API}/me/reviews"]["get"]["security"] == [
        {"PersonalAccessToken": []}
    ]


def test_questions_are_filtered_and_paged(client, openapi):
    topic = TopicFactory(slug="optimisation")
    hard = [QuestionFactory(topic=topic, difficulty=Difficulty.HARD) for _ in range(27)]
    QuestionFactory(topic=topic, difficulty=Difficulty.EASY)
    QuestionFactory(difficulty=Difficulty.HARD)  # another topic
    QuestionFactory(topic=topic, difficulty=Difficulty.HARD, status=Status.PENDING)
    url = f"{API}/questions"
    first = valid(
        openapi,
        client.get(url, {"topic": "optimisation", "difficulty": "hard"}),
        url,
    )
    assert first["count"] == 27 and first["pages"] == 2 and first["previous"] is None
    assert len(first["results"]) == 25
    assert first["next"].startswith("http://testserver/api/v1/questions?")
    second = valid(openapi, client.get(first["next"]), url)
    ids = [q["id"] for q in first["results"] + second["results"]]
    assert sorted(ids) == sorted(q.pk for q in hard)
    assert second["results"][0]["url"].startswith("http://testserver/questions/")
    assert client.get(url, {"page": 3}).status_code == HTTPStatus.NOT_FOUND
    assert client.get(url, {"page": 0}).status_code == 422
    assert client.get(url, {"page": "x"}).status_code == 422
    assert client.get(url, {"difficulty": "impossible"}).status_code == 422
    refused = client.get(url, {"topic": "no-such-topic"})
    assert refused.status_code == 422 and "topic" in refused.json()["detail"]


def test_a_page_size_of_ones_own_within_bounds(client, openapi):
    topic = TopicFactory(slug="optimisation")
    made = [QuestionFactory(topic=topic) for _ in range(7)]
    url = f"{API}/questions"
    first = valid(
        openapi, client.get(url, {"topic": "optimisation", "page_size": 3}), url
    )
    assert first["count"] == 7 and first["pages"] == 3 and len(first["results"]) == 3
    assert "page_size=3" in first["next"]  # the next link keeps the size
    second = valid(openapi, client.get(first["next"]), url)
    third = valid(openapi, client.get(second["next"]), url)
    assert third["next"] is None and len(third["results"]) == 1
    ids = [q["id"] for page in (first, second, third) for q in page["results"]]
    assert sorted(ids) == sorted(q.pk for q in made)
    # The same filters with the default size are another cached answer, not this one.
    whole = valid(openapi, client.get(url, {"topic": "optimisation"}), url)
    assert whole["pages"] == 1 and len(whole["results"]) == 7
    for bad in (0, 101, -5):
        refused = client.get(url, {"page_size": bad})
        assert refused.status_code == 422
        assert (
            "page_size must be a whole number from 1 to 100" in refused.json()["detail"]
        )
    assert client.get(url, {"page_size": "many"}).status_code == 422
    assert "page_size" in str(openapi["paths"][url]["get"]["parameters"])


def test_search(client, openapi):
    match = QuestionFactory(title="How does dropout regularise a network?")
    QuestionFactory(title="What is a convolution?")
    data = valid(
        openapi, client.get(f"{API}/questions", {"q": "dropout"}), f"{API}/questions"
    )
    assert [q["id"] for q in data["results"]] == [match.pk]


def test_a_question_with_its_published_answers_only(client, openapi, settings):
    settings.SITE_URL = "https://mlqa.example.org"
    question = QuestionFactory(body="Some *details*.")
    canonical = AnswerFactory(question=question, is_canonical=True, score=0)
    best = AnswerFactory(question=question, score=5)
    AnswerFactory(question=question, status=Status.PENDING)
    AnswerFactory(question=question, status=Status.HIDDEN)
    path = f"{API}/questions/{{question_id}}"
    data = valid(openapi, client.get(f"{API}/questions/{question.pk}"), path)
    assert data["body_html"] == "<p>Some <em>details</em>.</p>"
    assert [a["id"] for a in data["answers"]] == [canonical.pk, best.pk]
    assert data["answers"][1]["author"]["username"] == best.author.username
    assert data["url"] == "https://mlqa.example.org" + question.get_absolute_url()
    assert "email" not in str(data)
    proposal = QuestionFactory(status=Status.PENDING)
    missing = client.get(f"{API}/questions/{proposal.pk}")
    valid(openapi, missing, path, status=404)
    assert client.get(f"{API}/questions/999999").status_code == 404


def test_topics_and_member_profiles(client, openapi):
    topic = TopicFactory(name="Statistics", slug="statistics")
    QuestionFactory(topic=topic)
    QuestionFactory(topic=topic, status=Status.PENDING)
    topics = valid(openapi, client.get(f"{API}/topics"), f"{API}/topics")
    assert {"slug": "statistics", "question_count": 1}.items() <= next(
        t for t in topics if t["slug"] == "statistics"
    ).items()
    member = UserFactory(display_name="Ada", bio="Likes Bayes.", reputation=12)
    AnswerFactory(author=member)
    AnswerFactory(author=member, status=Status.PENDING)
    path = f"{API}/members/{{username}}"
    profile = valid(openapi, client.get(f"{API}/members/{member.username}"), path)
    assert profile["name"] == "Ada" and profile["answer_count"] == 1
    assert member.email not in str(profile)
    valid(openapi, client.get(f"{API}/members/nobody-here"), path, status=404)


def test_cached_answers_follow_writes():
    visitor = Client()
    question = QuestionFactory()
    for url in (f"{API}/questions", f"{API}/questions/{question.pk}"):
        visitor.get(url)
    added = QuestionFactory(title="What is a residual connection?")
    assert visitor.get(f"{API}/questions").json()["results"][0]["id"] == added.pk
    answer = AnswerFactory(question=question)
    ids = [
        a["id"] for a in visitor.get(f"{API}/questions/{question.pk}").json()["answers"]
    ]
    assert ids == [answer.pk]


def test_rate_limited_per_address(client, monkeypatch):
    monkeypatch.setitem(ratelimit.LIMITS, "api", (2, 3600, "limit"))
    assert client.get(f"{API}/topics").status_code == 200
    assert client.get(f"{API}/topics").status_code == 200
    refused = client.get(f"{API}/topics")
    assert refused.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many requests" in refused.json()["detail"]


# --- personal access tokens ------------------------------------------------------------------


def make_token(member_client, name="my script"):
    response = member_client.post(reverse("tokens:list"), {"name": name})
    assert response.status_code == HTTPStatus.OK
    key = response.context["new_key"]
    assert key.startswith("mlqa_") and key in response.content.decode()
    return key


def test_a_token_reads_its_members_practice_and_nobody_elses(openapi):
    owner = signed_in_client()
    key = make_token(owner)
    stored = AccessToken.objects.get(user=owner.member)
    assert stored.digest == token_digest(key) and key not in str(vars(stored))
    # The list shows it again without the token itself.
    page = owner.get(reverse("tokens:list")).content.decode()
    assert "my script" in page and key not in page
    question = practisable_question(title="What is an epoch?")
    grade(owner.member, question, 3, NOW, attempt="One pass over the data.")
    other = UserFactory()
    grade(other, practisable_question(), 1, NOW, attempt="Someone else's attempt.")
    api = Client(headers={"Authorization": f"Bearer {key}"})
    data = valid(openapi, api.get(f"{API}/me/reviews"), f"{API}/me/reviews")
    assert data["count"] == 1
    assert data["results"][0]["question"] == "What is an epoch?"
    assert data["results"][0]["attempt"] == "One pass over the data."
    grade(owner.member, practisable_question(), 4, NOW, attempt="A second one.")
    small = valid(
        openapi, api.get(f"{API}/me/reviews", {"page_size": 1}), f"{API}/me/reviews"
    )
    assert small["count"] == 2 and small["pages"] == 2 and len(small["results"]) == 1
    assert "page_size=1" in small["next"]
    assert api.get(f"{API}/me/reviews", {"page_size": 101}).status_code == 422
    export = api.get(f"{API}/me/export.csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(export.streaming_content).decode())))
    assert len(rows) == 3 and "What is an epoch?" in {row[2] for row in rows[1:]}
    anki = api.get(f"{API}/me/export.apkg")
    assert anki.status_code == 200 and anki.content[:2] == b"PK"
    assert AccessToken.objects.get(pk=stored.pk).last_used_at is not None


@pytest.mark.parametrize(
    "header", ["", "Bearer ", "Bearer mlqa_not-a-real-token", "Basic abc"]
)
def test_the_personal_part_needs_a_valid_token(client, header):
    headers = {"Authorization": header} if header else {}
    for path in ("/me/reviews", "/me/export.csv", "/me/export.apkg"):
        assert Client(headers=headers).get(API + path).status_code == 401
    # A signed-in session is not a token.
    member = signed_in_client()
    assert member.get(f"{API}/me/reviews").status_code == 401


def test_a_revoked_token_stops_at_once_and_only_its_owner_revokes_it():
    owner = signed_in_client()
    key = make_token(owner)
    token = AccessToken.objects.get(user=owner.member)
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get(f"{API}/me/reviews").status_code == 200
    stranger = signed_in_client()
    revoke = reverse("tokens:revoke", args=[token.pk])
    assert stranger.post(revoke).status_code == HTTPStatus.NOT_FOUND
    assert api.get(f"{API}/me/reviews").status_code == 200
    assert owner.post(revoke).status_code == HTTPStatus.FOUND
    assert api.get(f"{API}/me/reviews").status_code == 401
    assert "revoked" in owner.get(reverse("tokens:list")).content.decode()


def test_a_deleted_accounts_tokens_go_with_it():
    owner = signed_in_client()
    key = make_token(owner)
    response = owner.post(
        reverse("accounts:delete"), {"confirm_username": owner.member.username}
    )
    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.OK)
    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get(f"{API}/me/reviews").status_code == 401


def test_token_form_refuses_an_empty_name_and_too_many_tokens(monkeypatch):
    from api import services

    owner = signed_in_client()
    response = owner.post(reverse("tokens:list"), {"name": ""})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not AccessToken.objects.exists()
    monkeypatch.setattr(services, "MAX_ACTIVE_TOKENS", 1)
    make_token(owner)
    refused = owner.post(reverse("tokens:list"), {"name": "second"})
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert AccessToken.objects.count() == 1


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_rows(client):
    small, large = TopicFactory(slug="small"), TopicFactory(slug="large")
    QuestionFactory(topic=small)
    for _ in range(20):
        QuestionFactory(topic=large)
    assert _queries(client, f"{API}/questions?topic=small") == _queries(
        client, f"{API}/questions?topic=large"
    )
    few, many = QuestionFactory(), QuestionFactory()
    AnswerFactory(question=few)
    for _ in range(10):
        AnswerFactory(question=many)
    assert _queries(client, f"{API}/questions/{few.pk}") == _queries(
        client, f"{API}/questions/{many.pk}"
    )
    assert _queries(client, f"{API}/questions/{few.pk}") == 0  # cached now
    owner = signed_in_client()
    key = make_token(owner)
    token_client = Client(headers={"Authorization": f"Bearer {key}"})
    for question in (few, many):
        grade(owner.member, question, 3, NOW)
    token_client.get(f"{API}/me/reviews")  # the token's first use is written down once
    base = _queries(token_client, f"{API}/me/reviews")
    for _ in range(5):
        grade(owner.member, QuestionFactory(), 3, NOW)
    assert _queries(token_client, f"{API}/me/reviews") == base
