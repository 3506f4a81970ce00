from http import HTTPStatus

import pytest
from django.urls import reverse

from accounts import ratelimit
from moderation.models import Flag
from questions.models import Answer, Comment, Question, Vote
from tests.factories import AnswerFactory, QuestionFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(monkeypatch):
    """Two of each action per window, so the third is refused."""
    monkeypatch.setattr(
        ratelimit,
        "LIMITS",
        {k: (2, period, msg) for k, (_, period, msg) in ratelimit.LIMITS.items()},
    )


def post_three_times(client, url, data_for):
    return [client.post(url(i), data_for(i)) for i in range(3)]


def test_answers_are_rate_limited_with_429_and_a_message(user_client, tight_limits):
    questions = [QuestionFactory() for _ in range(3)]
    responses = post_three_times(
        user_client,
        lambda i: reverse("questions:answer-create", args=[questions[i].pk]),
        lambda i: {"body": f"A sufficiently long answer number {i} about the topic."},
    )
    assert [r.status_code for r in responses] == [
        HTTPStatus.FOUND,
        HTTPStatus.FOUND,
        HTTPStatus.TOO_MANY_REQUESTS,
    ]
    assert "at most 20 answers an hour" in responses[2].content.decode()
    assert Answer.objects.count() == 2


def test_comments_are_rate_limited(user_client, tight_limits):
    answer = AnswerFactory()
    url = reverse("questions:answer-comment", args=[answer.pk])
    responses = post_three_times(
        user_client, lambda i: url, lambda i: {"body": f"Comment number {i}."}
    )
    assert responses[2].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert Comment.objects.count() == 2


def test_votes_are_rate_limited(user_client, tight_limits):
    answers = [AnswerFactory() for _ in range(3)]
    responses = post_three_times(
        user_client,
        lambda i: reverse("questions:answer-vote", args=[answers[i].pk]),
        lambda i: {"value": "1"},
    )
    assert responses[2].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert Vote.objects.count() == 2


def test_flags_are_rate_limited(user_client, tight_limits):
    answers = [AnswerFactory() for _ in range(3)]
    responses = post_three_times(
        user_client,
        lambda i: reverse("moderation:flag", args=["answer", answers[i].pk]),
        lambda i: {"reason": "spam"},
    )
    assert responses[2].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert Flag.objects.count() == 2


def test_question_proposals_are_rate_limited(user_client, tight_limits):
    topic = TopicFactory()
    responses = post_three_times(
        user_client,
        lambda i: reverse("questions:propose"),
        lambda i: {
            "title": f"How would you debug training run number {i}?",
            "body": "",
            "topic": topic.pk,
            "difficulty": "medium",
        },
    )
    assert responses[2].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert Question.objects.count() == 2


# Issue 15: the writes that had no limit. Over the limit a member gets 429 and the reason, with
# their text kept in the form.


def test_the_live_preview_is_rate_limited(user_client, tight_limits):
    url = reverse("questions:answer-preview")
    responses = post_three_times(
        user_client, lambda i: url, lambda i: {"body": "[" * 100 + f" {i}"}
    )
    assert [r.status_code for r in responses[:2]] == [HTTPStatus.OK, HTTPStatus.OK]
    assert responses[2].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "at most 60 previews a minute" in responses[2].content.decode()
    htmx = user_client.post(url, {"body": "x"}, headers={"HX-Request": "true"})
    assert htmx.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert htmx["HX-Retarget"] == "#htmx-messages"  # the text box is left alone


def test_the_preview_button_without_javascript_is_rate_limited_and_keeps_the_text(
    user_client, tight_limits
):
    question = QuestionFactory()
    url = reverse("questions:answer-create", args=[question.pk])
    text = "My careful draft of an answer, which must not be lost."
    responses = post_three_times(
        user_client, lambda i: url, lambda i: {"body": text, "preview": "1"}
    )
    assert responses[2].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert text in responses[2].content.decode()
    assert Answer.objects.count() == 0


def test_answer_edits_are_rate_limited_and_keep_the_text(tight_limits, user):
    answer = AnswerFactory(author=user)
    client = _client(user)
    url = reverse("questions:answer-edit", args=[answer.pk])
    responses = post_three_times(
        client,
        lambda i: url,
        lambda i: {"body": f"Edited text number {i}, long enough to be an answer."},
    )
    assert [r.status_code for r in responses] == [
        HTTPStatus.FOUND,
        HTTPStatus.FOUND,
        HTTPStatus.TOO_MANY_REQUESTS,
    ]
    assert "Edited text number 2" in responses[2].content.decode()
    assert "at most 30 edits an hour" in responses[2].content.decode()
    answer.refresh_from_db()
    assert answer.revisions.count() == 2  # two edits saved, the third refused


def test_comment_edits_are_rate_limited(tight_limits, user):
    from questions.services.comments import comment_create

    comment = comment_create(
        author=user, body="A first remark.", answer=AnswerFactory()
    )
    client = _client(user)
    url = reverse("questions:comment-edit", args=[comment.pk])
    responses = post_three_times(
        client, lambda i: url, lambda i: {"body": f"Remark number {i}."}
    )
    assert responses[2].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Remark number 2." in responses[2].content.decode()


def test_display_name_changes_are_rate_limited(tight_limits, user):
    client = _client(user)
    responses = post_three_times(
        client,
        lambda i: reverse("accounts:settings"),
        lambda i: {"display_name": f"Name {i}", "bio": ""},
    )
    assert [r.status_code for r in responses] == [
        HTTPStatus.FOUND,
        HTTPStatus.FOUND,
        HTTPStatus.TOO_MANY_REQUESTS,
    ]
    assert 'value="Name 2"' in responses[2].content.decode()
    user.refresh_from_db()
    assert user.display_name == "Name 1"
    # Saving the form unchanged is not a change.
    unchanged = client.post(
        reverse("accounts:settings"), {"display_name": "Name 1", "bio": ""}
    )
    assert unchanged.status_code == HTTPStatus.FOUND


def test_follows_are_rate_limited(user_client, tight_limits):
    question = QuestionFactory()
    url = reverse("questions:follow", args=[question.pk])
    responses = post_three_times(user_client, lambda i: url, lambda i: {})
    assert responses[2].status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_practice_starts_are_rate_limited(user_client, tight_limits):
    responses = post_three_times(
        user_client,
        lambda i: reverse("practice:start"),
        lambda i: {"mode": "new", "size": "5"},
    )
    assert responses[2].status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "practice sessions" in responses[2].content.decode()


def test_a_display_name_change_leaves_other_pages_cached(user):
    """It replaces the tokens of the pages that show the member's name, not the lists': the
    list page stays a cache hit for visitors (it was a miss after every change)."""
    from django.test import Client

    from caching.pages import HIT_HEADER

    answer = AnswerFactory(author=user)
    other_question = QuestionFactory()
    visitor = Client()
    for url in ("/questions/", other_question.get_absolute_url()):
        visitor.get(url)
        assert visitor.get(url)[HIT_HEADER] == "hit"
    visitor.get(answer.question.get_absolute_url())
    _client(user).post(
        reverse("accounts:settings"), {"display_name": "Renamed Member", "bio": ""}
    )
    assert visitor.get("/questions/")[HIT_HEADER] == "hit"
    assert visitor.get(other_question.get_absolute_url())[HIT_HEADER] == "hit"
    page = visitor.get(answer.question.get_absolute_url())
    assert "Renamed Member" in page.content.decode()


def _client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
