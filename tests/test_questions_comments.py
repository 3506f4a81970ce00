from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from questions.models import Answer, Comment, Notification
from questions.services.comments import comment_create
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_comment_on_answer_counts_and_notifies_the_author(user):
    answer = AnswerFactory()
    comment_create(author=user, body="Nice, but what about momentum?", answer=answer)
    assert Answer.objects.get(pk=answer.pk).comment_count == 1
    notification = Notification.objects.get(recipient=answer.author)
    assert notification.kind == "comment" and user.public_name in notification.message


def test_commenting_on_your_own_answer_notifies_nobody(user):
    answer = AnswerFactory(author=user)
    comment_create(author=user, body="Edit: fixed a typo.", answer=answer)
    assert not Notification.objects.exists()


def test_comment_links_are_safe(user):
    comment = comment_create(
        author=user,
        body="See https://example.com/x <script>alert(1)</script>",
        question=QuestionFactory(),
    )
    assert (
        '<a href="https://example.com/x" rel="nofollow ugc noopener">'
        in comment.body_html
    )
    assert "<script>" not in comment.body_html and "&lt;script&gt;" in comment.body_html


def test_add_comment_without_javascript_redirects_to_it(user_client):
    answer = AnswerFactory()
    response = user_client.post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": "Good point here."},
    )
    comment = Comment.objects.get()
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].endswith(f"#comment-{comment.pk}")


def test_cards_carry_a_link_to_the_comment_form_not_the_form(user_client):
    answer = AnswerFactory()
    url = reverse("questions:answer-comment", args=[answer.pk])
    page = user_client.get(answer.question.get_absolute_url()).content.decode()
    assert f'<a href="{url}" data-hx-get="{url}"' in page
    assert 'name="body" id="comment-body-answer-' not in page

    # Without JavaScript the link opens the form's own page, which posts to the same address.
    response = user_client.get(url)
    assert response.status_code == HTTPStatus.OK
    assert b"<h1>Add a comment</h1>" in response.content
    assert b'<form method="post"' in response.content

    # With htmx the form comes alone, in place of the link, posting to the thread.
    response = user_client.get(url, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert html.strip().startswith('<div class="comment-add">')
    assert f'data-hx-target="#comments-answer-{answer.pk}"' in html
    assert "autofocus" in html and "csrfmiddlewaretoken" in html


def test_the_comment_form_is_for_members_who_may_post(client, new_user):
    answer = AnswerFactory()
    url = reverse("questions:answer-comment", args=[answer.pk])
    assert client.get(url).status_code == HTTPStatus.FOUND  # to sign in
    client.force_login(new_user)
    assert client.get(url).status_code in (HTTPStatus.OK, HTTPStatus.FORBIDDEN)


def test_add_comment_with_htmx_returns_the_thread(user_client):
    question = QuestionFactory()
    response = user_client.post(
        reverse("questions:question-comment", args=[question.pk]),
        {"body": "Is this about L1 or L2?"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert (
        f'id="comments-question-{question.pk}"' in html
        and "Is this about L1 or L2?" in html
    )
    assert "<html" not in html


@pytest.mark.parametrize("body", ["hey", "x" * 601])
def test_bad_comment_is_refused_and_kept(user_client, body):
    answer = AnswerFactory()
    response = user_client.post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": body},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert body[:100] in html and "characters" in html
    response = user_client.post(
        reverse("questions:answer-comment", args=[answer.pk]), {"body": body}
    )
    assert (
        response.status_code == HTTPStatus.BAD_REQUEST
        and body[:100] in response.content.decode()
    )
    assert not Comment.objects.exists()


def test_comment_permissions(client):
    question = QuestionFactory()
    url = reverse("questions:question-comment", args=[question.pk])
    assert client.post(url, {"body": "Anonymous remark"})["Location"].startswith(
        reverse("account_login")
    )
    client.force_login(UserFactory(verified=False))
    assert (
        client.post(url, {"body": "Unverified remark"}).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert not Comment.objects.exists()


def test_author_edits_within_five_minutes_only(client, user):
    comment = comment_create(
        author=user, body="First version.", question=QuestionFactory()
    )
    client.force_login(user)
    url = reverse("questions:comment-edit", args=[comment.pk])
    assert client.post(url, {"body": "Second version."}).status_code == HTTPStatus.FOUND
    assert Comment.objects.get().body == "Second version."
    Comment.objects.update(created_at=timezone.now() - timedelta(minutes=6))
    assert (
        client.post(url, {"body": "Third version."}).status_code == HTTPStatus.FORBIDDEN
    )
    assert Comment.objects.get().body == "Second version."


def test_others_cannot_edit_or_delete_but_moderators_can(client, user, moderator):
    comment = comment_create(
        author=user, body="Mine, all mine.", answer=AnswerFactory()
    )
    client.force_login(UserFactory())
    assert (
        client.post(
            reverse("questions:comment-edit", args=[comment.pk]), {"body": "Hijacked!"}
        ).status_code
        == HTTPStatus.FORBIDDEN
    )
    assert (
        client.post(reverse("questions:comment-delete", args=[comment.pk])).status_code
        == HTTPStatus.FORBIDDEN
    )
    client.force_login(moderator)
    assert (
        client.post(reverse("questions:comment-delete", args=[comment.pk])).status_code
        == HTTPStatus.FOUND
    )
    comment.refresh_from_db()
    assert comment.is_deleted
    assert Answer.objects.get(pk=comment.answer_id).comment_count == 0
