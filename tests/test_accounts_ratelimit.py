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
