from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from questions.models import Notification, QuestionFollow
from questions.services.comments import comment_create
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_unread_count_in_header_and_opening_marks_read(client, user):
    answer = AnswerFactory(author=user)
    comment_create(
        author=UserFactory(trusted=True), body="Please add a source.", answer=answer
    )
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    assert (
        '<span class="unread-count">1<span class="visually-hidden"> unread</span></span>'
        in html
    )
    notification = Notification.objects.get()
    response = client.get(reverse("notification-open", args=[notification.pk]))
    assert (
        response.status_code == HTTPStatus.FOUND and "#comment-" in response["Location"]
    )
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert "unread-count" not in client.get(reverse("home")).content.decode()


def test_notifications_are_private(client, user):
    other = UserFactory()
    notification = Notification.objects.create(
        recipient=other, kind="comment", message="secret", url="/"
    )
    client.force_login(user)
    assert (
        client.get(reverse("notification-open", args=[notification.pk])).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert "secret" not in client.get(reverse("notifications")).content.decode()


def test_mark_all_read(client, user):
    for i in range(3):
        Notification.objects.create(
            recipient=user, kind="answer", message=f"n{i}", url="/"
        )
    client.force_login(user)
    assert client.post(reverse("notifications-read")).status_code == HTTPStatus.FOUND
    assert not Notification.objects.unread().exists()


def test_follow_toggle_with_and_without_htmx(client, user):
    question = QuestionFactory()
    client.force_login(user)
    url = reverse("questions:follow", args=[question.pk])
    assert client.post(url).status_code == HTTPStatus.FOUND
    assert QuestionFollow.objects.filter(user=user, question=question).exists()
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert 'aria-pressed="false"' in response.content.decode()
    assert not QuestionFollow.objects.exists()


def test_anonymous_cannot_follow_or_read_notifications(client):
    question = QuestionFactory()
    assert client.post(reverse("questions:follow", args=[question.pk]))[
        "Location"
    ].startswith(reverse("account_login"))
    assert client.get(reverse("notifications"))["Location"].startswith(
        reverse("account_login")
    )


@pytest.mark.usefixtures("production_caches")
def test_the_cached_unread_count_follows_new_notifications_and_reading(client, user):
    """The header's count is cached per member (mlqa/context_processors.py): every way a
    notification is made or read replaces it at once."""
    unread = '<span class="unread-count">{}<span class="visually-hidden">'
    question = QuestionFactory()
    client.force_login(user)
    client.post(reverse("questions:follow", args=[question.pk]))
    assert "unread-count" not in client.get(reverse("home")).content.decode()
    assert "unread-count" not in client.get(reverse("home")).content.decode()  # cached
    answerer = UserFactory(trusted=True)
    other = Client()
    other.force_login(answerer)
    other.post(
        reverse("questions:answer-create", args=[question.pk]),
        {"body": "A new answer that followers hear about."},
    )
    assert unread.format(1) in client.get(reverse("home")).content.decode()
    answer = AnswerFactory(author=user)
    other.post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": "A comment on your answer."},
    )
    assert unread.format(2) in client.get(reverse("home")).content.decode()
    client.post(reverse("notifications-read"))
    assert "unread-count" not in client.get(reverse("home")).content.decode()
