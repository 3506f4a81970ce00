"""Issue 15, review bypass: a new member's answer or comment, once approved, could be edited into
anything and visitors saw it at once. Now an edit by an author who would still be queued waits
for a moderator, the approved text stays shown meanwhile, and moderators approve or reject the
edit in the queue."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from moderation.models import AuditLogEntry
from moderation.services import post_approve
from questions.models import Answer, AnswerRevision, Comment, CommentRevision, Status
from questions.services.answers import answer_create, answer_edit
from questions.services.comments import comment_create
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

APPROVED = "An approved answer about gradient descent and its step size."
SPAM = "Buy cheap pills at https://spam.example now, the best offer on the web."


@pytest.fixture
def newcomer():
    return UserFactory(username="newcomer")  # no approved posts: queued


@pytest.fixture
def approved_answer(newcomer, moderator):
    answer = answer_create(question=QuestionFactory(), author=newcomer, body=APPROVED)
    assert answer.status == Status.PENDING
    post_approve(moderator=moderator, post=answer)
    answer.refresh_from_db()
    assert answer.status == Status.PUBLISHED
    return answer


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_queued_members_edit_of_an_approved_answer_waits_for_review(
    approved_answer, newcomer
):
    response = signed_in(newcomer).post(
        reverse("questions:answer-edit", args=[approved_answer.pk]), {"body": SPAM}
    )
    assert response.status_code == HTTPStatus.FOUND
    approved_answer.refresh_from_db()
    assert approved_answer.body == APPROVED  # the approved text stays
    assert SPAM not in approved_answer.body_html
    pending = AnswerRevision.objects.pending().get(answer=approved_answer)
    assert pending.body == SPAM
    # A visitor sees the approved text, on the page and in the history.
    page = Client().get(approved_answer.question.get_absolute_url()).content.decode()
    assert "gradient descent" in page
    assert "spam.example" not in page
    history = Client().get(
        reverse("questions:answer-history", args=[approved_answer.pk])
    )
    assert "spam.example" not in history.content.decode()
    # The author sees their edit waiting, and goes on from it.
    edit_page = signed_in(newcomer).get(
        reverse("questions:answer-edit", args=[approved_answer.pk])
    )
    assert "spam.example" in edit_page.content.decode()


def test_a_second_edit_replaces_the_one_waiting(approved_answer, newcomer):
    answer_edit(answer=approved_answer, editor=newcomer, body=SPAM)
    answer_edit(answer=approved_answer, editor=newcomer, body=SPAM + " Really.")
    pending = AnswerRevision.objects.pending().get(answer=approved_answer)
    assert pending.body.endswith("Really.")


def test_the_moderator_approves_the_edit_in_the_queue(
    approved_answer, newcomer, moderator_client
):
    answer_edit(answer=approved_answer, editor=newcomer, body=SPAM)
    revision = AnswerRevision.objects.pending().get()
    queue = moderator_client.get(reverse("moderation:queue")).content.decode()
    assert f"answer-edit:{revision.pk}" in queue
    assert "spam.example" in queue
    response = moderator_client.post(
        reverse("moderation:act"),
        {"posts": f"answer-edit:{revision.pk}", "action": "approve"},
    )
    assert response.status_code == HTTPStatus.FOUND
    approved_answer.refresh_from_db()
    assert approved_answer.body == SPAM
    assert (
        "spam.example"
        in Client().get(approved_answer.question.get_absolute_url()).content.decode()
    )
    revision.refresh_from_db()
    assert revision.status == Status.PUBLISHED
    assert AuditLogEntry.objects.filter(
        action=AuditLogEntry.Action.APPROVE, target_id=approved_answer.pk
    ).exists()


def test_the_moderator_rejects_the_edit_with_a_reason(
    approved_answer, newcomer, moderator_client
):
    answer_edit(answer=approved_answer, editor=newcomer, body=SPAM)
    revision = AnswerRevision.objects.pending().get()
    response = moderator_client.post(
        reverse("moderation:act"),
        {"posts": f"answer-edit:{revision.pk}", "action": "reject", "reason": "spam"},
    )
    assert response.status_code == HTTPStatus.FOUND
    revision.refresh_from_db()
    assert revision.status == Status.REJECTED
    approved_answer.refresh_from_db()
    assert approved_answer.body == APPROVED
    assert newcomer.notifications.filter(message__contains="rejected: spam").exists()


def test_trusted_members_and_moderators_edit_at_once(moderator):
    trusted = UserFactory(trusted=True)
    answer = AnswerFactory(author=trusted)
    answer_edit(answer=answer, editor=trusted, body=SPAM)
    answer.refresh_from_db()
    assert answer.body == SPAM
    other = AnswerFactory(author=UserFactory())
    answer_edit(answer=other, editor=moderator, body=APPROVED)
    other.refresh_from_db()
    assert other.body == APPROVED
    assert not AnswerRevision.objects.pending().exists()


def test_an_answer_still_awaiting_review_is_edited_in_place(newcomer):
    answer = answer_create(question=QuestionFactory(), author=newcomer, body=APPROVED)
    answer_edit(answer=answer, editor=newcomer, body=SPAM)
    answer.refresh_from_db()
    assert answer.status == Status.PENDING
    assert answer.body == SPAM  # the moderator will read this text before approving
    assert not AnswerRevision.objects.pending().exists()


def test_a_queued_members_edit_of_an_approved_comment_waits_for_review(
    newcomer, moderator, moderator_client
):
    comment = comment_create(
        author=newcomer, body="A fine remark.", answer=AnswerFactory()
    )
    post_approve(moderator=moderator, post=comment)
    response = signed_in(newcomer).post(
        reverse("questions:comment-edit", args=[comment.pk]), {"body": SPAM}
    )
    assert response.status_code == HTTPStatus.FOUND
    comment.refresh_from_db()
    assert comment.body == "A fine remark."
    revision = CommentRevision.objects.pending().get(comment=comment)
    moderator_client.post(
        reverse("moderation:act"),
        {"posts": f"comment-edit:{revision.pk}", "action": "approve"},
    )
    comment.refresh_from_db()
    assert comment.body == SPAM
    assert Comment.objects.get(pk=comment.pk).status == Status.PUBLISHED


def test_rollback_only_to_published_revisions(approved_answer, newcomer, moderator):
    from moderation.services import ModerationRefused, answer_rollback

    answer_edit(answer=approved_answer, editor=newcomer, body=SPAM)
    pending = AnswerRevision.objects.pending().get()
    with pytest.raises(ModerationRefused):
        answer_rollback(
            moderator=moderator, answer=approved_answer, number=pending.number
        )
    assert Answer.objects.get(pk=approved_answer.pk).body == APPROVED
