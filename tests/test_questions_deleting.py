"""Deleting is a confirmed step and not final: the confirmation pages work without JavaScript
(plain links and forms), authors restore their own deletions for a day, moderators restore
anything deleted or hidden from /moderation/removed/, audited, and purging asks for a reason."""

import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from moderation import services as moderation
from moderation.models import AuditLogEntry, Flag
from questions.models import AUTHOR_RESTORE_WINDOW, Answer, Comment, Question, Status
from questions.services.comments import comment_create
from tests.factories import AnswerFactory, QuestionFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db

Action = AuditLogEntry.Action
BODY = "Dropout zeroes random units during training, so no unit can rely on another."
COMMENT = "Marker: and at test time the weights are scaled instead."


def page(client, url, status=HTTPStatus.OK):
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def signed_in(member):
    client = Client()
    client.force_login(member)
    return client


def forms_posting_to(html, url):
    return re.findall(rf'<form[^>]*action="{re.escape(url)}"', html)


@pytest.fixture
def author():
    return UserFactory(trusted=True, display_name="Ada Author")


@pytest.fixture
def answer(author):
    return AnswerFactory(
        question=QuestionFactory(title="What does dropout do?"),
        author=author,
        body=BODY,
    )


# Confirmation pages ------------------------------------------------------------------------------


def test_delete_on_the_question_page_is_a_link_to_a_confirmation_page(answer, author):
    client = signed_in(author)
    delete_url = reverse("questions:answer-delete", args=[answer.pk])
    question_page = page(client, answer.question.get_absolute_url())
    assert f'href="{delete_url}"' in question_page
    assert forms_posting_to(question_page, delete_url) == []  # no one-click delete
    confirm = page(client, delete_url)
    assert "Delete your answer?" in confirm
    assert BODY in confirm
    assert "restore it for 24 hours" in confirm
    # A plain form posting back to the same address: no JavaScript involved.
    assert re.search(r'<form method="post" class="card"', confirm)
    assert 'type="submit" class="button-danger">Delete answer</button>' in confirm
    assert 'name="reason"' not in confirm  # the author's own deletion needs no reason
    assert not Answer.objects.get(pk=answer.pk).is_deleted  # GET changes nothing


def test_an_author_deletes_then_restores_their_answer_within_the_window(answer, author):
    client = signed_in(author)
    response = client.post(
        reverse("questions:answer-delete", args=[answer.pk]), follow=True
    )
    html = response.content.decode()
    assert "Your answer was deleted. You can restore it for 24 hours." in html
    assert f'href="{reverse("questions:deleted")}">Restore it</a>' in html
    answer.refresh_from_db()
    assert answer.deleted_by == author
    assert answer.question.answers.visible().count() == 0
    assert Question.objects.get(pk=answer.question_id).answer_count == 0
    assert BODY not in page(Client(), answer.question.get_absolute_url())

    deleted = page(client, reverse("questions:deleted"))
    restore_url = reverse("questions:answer-restore", args=[answer.pk])
    assert BODY in deleted and forms_posting_to(deleted, restore_url)
    assert "Your deleted posts" in page(client, reverse("accounts:settings"))

    response = client.post(restore_url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == answer.get_absolute_url()
    answer.refresh_from_db()
    assert answer.deleted_at is None and answer.deleted_by is None
    assert Question.objects.get(pk=answer.question_id).answer_count == 1
    assert BODY in page(Client(), answer.question.get_absolute_url())
    assert "Nothing to restore." in page(client, reverse("questions:deleted"))
    # Not a moderation action: nothing in the audit log.
    assert not AuditLogEntry.objects.exists()


def test_after_the_window_only_a_moderator_can_restore(answer, author, moderator):
    client = signed_in(author)
    client.post(reverse("questions:answer-delete", args=[answer.pk]))
    Answer.objects.filter(pk=answer.pk).update(
        deleted_at=timezone.now() - AUTHOR_RESTORE_WINDOW - timedelta(minutes=1)
    )
    assert BODY not in page(client, reverse("questions:deleted"))
    restore_url = reverse("questions:answer-restore", args=[answer.pk])
    assert client.post(restore_url).status_code == HTTPStatus.NOT_FOUND
    assert Answer.objects.get(pk=answer.pk).is_deleted
    removed = page(signed_in(moderator), reverse("moderation:removed"))
    assert BODY in removed and "by its author" in removed


def test_others_cannot_delete_or_restore(answer, author):
    other = signed_in(UserFactory(trusted=True))
    delete_url = reverse("questions:answer-delete", args=[answer.pk])
    assert other.get(delete_url).status_code == HTTPStatus.FORBIDDEN
    assert other.post(delete_url).status_code == HTTPStatus.FORBIDDEN
    signed_in(author).post(delete_url)
    restore_url = reverse("questions:answer-restore", args=[answer.pk])
    assert other.post(restore_url).status_code == HTTPStatus.NOT_FOUND
    assert Client().post(restore_url).status_code == HTTPStatus.FOUND  # to log in
    assert other.get(reverse("moderation:removed")).status_code == HTTPStatus.FORBIDDEN
    response = other.post(reverse("moderation:restore", args=["answer", answer.pk]))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Answer.objects.get(pk=answer.pk).is_deleted


# Moderators -----------------------------------------------------------------------------------


def test_a_moderator_deletes_an_answer_with_a_reason_and_restores_it_audited(
    answer, author, moderator
):
    client = signed_in(moderator)
    delete_url = reverse("questions:answer-delete", args=[answer.pk])
    confirm = page(client, delete_url)
    assert "Delete this answer?" in confirm and "Ada Author" in confirm
    assert 'name="reason"' in confirm and 'maxlength="300"' in confirm
    too_long = client.post(delete_url, {"reason": "x" * 301})
    assert too_long.status_code == HTTPStatus.BAD_REQUEST
    assert not Answer.objects.get(pk=answer.pk).is_deleted
    response = client.post(delete_url, {"reason": "Copied from a blog"}, follow=True)
    assert "Moderators can restore it" in response.content.decode()
    entry = AuditLogEntry.objects.get(action=Action.DELETE)
    assert (entry.actor, entry.target_id, entry.reason) == (
        moderator,
        answer.pk,
        "Copied from a blog",
    )
    # The author can't undo a moderator's deletion.
    assert BODY not in page(signed_in(author), reverse("questions:deleted"))
    author_restore = reverse("questions:answer-restore", args=[answer.pk])
    assert signed_in(author).post(author_restore).status_code == HTTPStatus.NOT_FOUND

    removed = page(client, reverse("moderation:removed"))
    assert BODY in removed and f"by {moderator.username}" in removed
    here = reverse("moderation:removed") + "?kind=answer&state=deleted"
    response = client.post(
        reverse("moderation:restore", args=["answer", answer.pk]), {"next": here}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == here
    assert not Answer.objects.get(pk=answer.pk).is_deleted
    entry = AuditLogEntry.objects.get(action=Action.RESTORE)
    assert (entry.actor, entry.target_type, entry.target_id) == (
        moderator,
        "answer",
        answer.pk,
    )
    assert BODY in page(Client(), answer.question.get_absolute_url())
    assert "Restored" in page(client, reverse("moderation:log"))
    # An outside address in `next` is not followed.
    client.post(reverse("questions:answer-delete", args=[answer.pk]))
    response = client.post(
        reverse("moderation:restore", args=["answer", answer.pk]),
        {"next": "https://evil.example/"},
    )
    assert response["Location"] == answer.get_absolute_url()


def test_a_moderator_deletes_and_restores_a_reference_answer(moderator):
    question = QuestionFactory()
    source = SourceFactory(title="Theory questions")
    reference = AnswerFactory(
        question=question,
        author=None,
        source=source,
        body="The answer kept from the source document.",
    )
    client = signed_in(moderator)
    question_page = page(client, question.get_absolute_url())
    delete_url = reverse("questions:answer-delete", args=[reference.pk])
    assert f'href="{delete_url}"' in question_page
    assert "This reference answer from <cite>Theory questions</cite>" in page(
        client, delete_url
    )
    client.post(delete_url, {"reason": "Wrong"})
    assert Answer.objects.get(pk=reference.pk).is_deleted
    assert AuditLogEntry.objects.filter(action=Action.DELETE).count() == 1
    client.post(reverse("moderation:restore", args=["answer", reference.pk]))
    assert not Answer.objects.get(pk=reference.pk).is_deleted
    assert "The answer kept from the source document." in page(
        Client(), question.get_absolute_url()
    )


def test_a_moderator_restores_a_post_hidden_by_flags_and_declines_the_flags(
    answer, moderator
):
    for flagger in UserFactory.create_batch(3, trusted=True):
        moderation.flag_create(user=flagger, post=answer, reason="spam")
    assert Answer.objects.get(pk=answer.pk).status == Status.HIDDEN
    client = signed_in(moderator)
    hidden = page(client, reverse("moderation:removed") + "?kind=answer&state=hidden")
    assert BODY in hidden
    client.post(reverse("moderation:restore", args=["answer", answer.pk]))
    assert Answer.objects.get(pk=answer.pk).status == Status.PUBLISHED
    assert not Flag.objects.filter(outcome=Flag.Outcome.OPEN).exists()
    assert AuditLogEntry.objects.filter(action=Action.RESTORE).count() == 1
    assert BODY in page(Client(), answer.question.get_absolute_url())
    # Restoring what is not removed is a clear 400, not a second entry.
    response = client.post(reverse("moderation:restore", args=["answer", answer.pk]))
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert AuditLogEntry.objects.filter(action=Action.RESTORE).count() == 1


def test_the_removed_list_is_paged_and_ignores_unknown_filters(moderator):
    AnswerFactory.create_batch(27, deleted_at=timezone.now())
    client = signed_in(moderator)
    first = page(client, reverse("moderation:removed") + "?kind=nonsense&state=x")
    assert "27 deleted answers" in first
    assert first.count("Restore answer</button>") == 25
    second = page(client, reverse("moderation:removed") + "?page=2")
    assert second.count("Restore answer</button>") == 2
    assert "No hidden comments." in page(
        client, reverse("moderation:removed") + "?kind=comment&state=hidden"
    )


# Comments ---------------------------------------------------------------------------------------


def test_an_author_deletes_a_comment_after_confirming_and_restores_it(answer, author):
    commenter = UserFactory(trusted=True)
    comment = comment_create(author=commenter, body=COMMENT, answer=answer)
    client = signed_in(commenter)
    delete_url = reverse("questions:comment-delete", args=[comment.pk])
    question_page = page(client, answer.question.get_absolute_url())
    assert f'href="{delete_url}"' in question_page
    assert forms_posting_to(question_page, delete_url) == []
    assert "Delete your comment?" in page(client, delete_url)
    assert not Comment.objects.get(pk=comment.pk).is_deleted
    response = client.post(delete_url)
    assert response.status_code == HTTPStatus.FOUND
    assert Comment.objects.get(pk=comment.pk).is_deleted
    assert Answer.objects.get(pk=answer.pk).comment_count == 0
    assert COMMENT not in page(Client(), answer.question.get_absolute_url())
    assert COMMENT in page(client, reverse("questions:deleted"))
    client.post(reverse("questions:comment-restore", args=[comment.pk]))
    assert Answer.objects.get(pk=answer.pk).comment_count == 1
    assert COMMENT in page(Client(), answer.question.get_absolute_url())


def test_a_moderator_deletes_a_comment_audited_and_restores_it(answer, moderator):
    comment = comment_create(
        author=UserFactory(trusted=True), body=COMMENT, answer=answer
    )
    client = signed_in(moderator)
    client.post(
        reverse("questions:comment-delete", args=[comment.pk]), {"reason": "Rude"}
    )
    assert AuditLogEntry.objects.get(action=Action.DELETE).target_type == "comment"
    removed = page(client, reverse("moderation:removed") + "?kind=comment")
    assert "Restore comment</button>" in removed
    client.post(reverse("moderation:restore", args=["comment", comment.pk]))
    assert COMMENT in page(Client(), answer.question.get_absolute_url())


# Purge ------------------------------------------------------------------------------------------


def test_purge_asks_for_a_reason_on_a_confirmation_page(moderator):
    spammer = UserFactory(trusted=True)
    spam = AnswerFactory(author=spammer)
    client = signed_in(moderator)
    member_page = page(client, reverse("moderation:member", args=[spammer.username]))
    purge_url = reverse("moderation:member-purge", args=[spammer.username])
    assert f'href="{purge_url}"' in member_page
    assert 'value="spam"' not in member_page
    confirm = page(client, purge_url)
    assert "hides 1 answer and 0 comments" in confirm
    assert 'value="spam"' not in confirm
    assert re.search(r'<input[^>]*name="reason"[^>]*maxlength="300"', confirm)

    for reason in ("", "   ", "x" * 301):
        response = client.post(purge_url, {"reason": reason})
        assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Give a reason" in client.post(purge_url, {}).content.decode()
    assert Answer.objects.get(pk=spam.pk).status == Status.PUBLISHED
    assert not spammer.__class__.objects.get(pk=spammer.pk).is_suspended

    response = client.post(purge_url, {"reason": "Links to a paid course"})
    assert response.status_code == HTTPStatus.FOUND
    assert Answer.objects.get(pk=spam.pk).status == Status.HIDDEN
    entry = AuditLogEntry.objects.get(action=Action.PURGE)
    assert entry.reason == "1 posts hidden: Links to a paid course"
    # Each hidden post comes back from the removed posts.
    client.post(reverse("moderation:restore", args=["answer", spam.pk]))
    assert Answer.objects.get(pk=spam.pk).status == Status.PUBLISHED
