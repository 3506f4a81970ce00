"""Who may use each moderation URL: one row per URL and action, checked for four kinds of visitor.

Adding a URL to moderation/urls.py without a row here fails `test_every_moderation_url_has_a_row`.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from moderation import services
from moderation import urls as moderation_urls
from moderation.models import AuditLogEntry, Flag
from notifications.unsubscribe import unsubscribe_token
from questions.models import AnswerRevision, CloseReason, Comment, Question, Vote
from questions.services.answers import answer_create, answer_delete, answer_edit
from questions.services.comments import comment_create, comment_edit
from questions.services.curation import question_close
from questions.services.questions import question_edit, question_propose
from tests.factories import QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = "Gradient descent moves the weights against the gradient of the loss."
SUSPENSION_REASON = "Posting links to a course you sell"
NEW_QUESTION = "How does dropout act as a regulariser in a neural network?"

ANONYMOUS, USER, AUTHOR, MODERATOR = "anonymous", "user", "author", "moderator"
ROLES = [ANONYMOUS, USER, AUTHOR, MODERATOR]
LOGIN = "login"  # expected: a redirect to the log-in page

MODERATORS_ONLY = {ANONYMOUS: LOGIN, USER: 403, AUTHOR: 403, MODERATOR: 200}
MODERATORS_ONLY_POST = {ANONYMOUS: LOGIN, USER: 403, AUTHOR: 403, MODERATOR: 302}
MEMBERS = {ANONYMOUS: LOGIN, USER: 200, AUTHOR: 200, MODERATOR: 200}
MEMBERS_POST = {ANONYMOUS: LOGIN, USER: 302, AUTHOR: 302, MODERATOR: 302}
FLAG_POST = {**MEMBERS_POST, AUTHOR: 403}
EVERYONE = {ANONYMOUS: 200, USER: 200, AUTHOR: 200, MODERATOR: 200}
PROPOSAL = {ANONYMOUS: LOGIN, USER: 404, AUTHOR: 200, MODERATOR: 200}
PROPOSAL_POST = {ANONYMOUS: LOGIN, USER: 404, AUTHOR: 302, MODERATOR: 302}


@dataclass(frozen=True)
class Row:
    """One URL and action. `args` and `data` take the world and return the URL arguments and form data.

    "author" is the author of the post (or the member) the row acts on; "user" is any other member.
    """

    label: str
    url_name: str
    method: str
    expected: dict
    args: object = lambda w: []
    data: object = lambda w: {}


def _act(action, post, reason=""):
    """The queue form's data for one action on one of the world's posts."""

    def data(w):
        target = getattr(w, post)
        key = f"{type(target).__name__.lower()}:{target.pk}"
        return {"action": action, "posts": [key], "reason": reason}

    return data


def _question_form(question, body):
    return {
        "title": question.title,
        "body": body,
        "topic": question.topic_id,
        "difficulty": question.difficulty,
    }


def _new_question_form(w):
    return {**_question_form(w.question, ""), "title": NEW_QUESTION}


# Row(label, URL name, method, expected per role, URL arguments, form data)
MATRIX = [
    Row("queue", "moderation:queue", "get", MODERATORS_ONLY),
    Row("approve", "moderation:act", "post", MODERATORS_ONLY_POST, data=_act("approve", "proposal")),
    Row("reject", "moderation:act", "post", MODERATORS_ONLY_POST, data=_act("reject", "proposal", "Already in the bank.")),
    Row("hide", "moderation:act", "post", MODERATORS_ONLY_POST, data=_act("hide", "comment")),
    Row("flags-helpful", "moderation:act", "post", MODERATORS_ONLY_POST, data=_act("flags_helpful", "answer")),
    Row("flags-declined", "moderation:act", "post", MODERATORS_ONLY_POST, data=_act("flags_declined", "answer")),
    Row("log", "moderation:log", "get", MODERATORS_ONLY),
    Row("member", "moderation:member", "get", MODERATORS_ONLY, args=lambda w: [w.author.username]),
    Row("suspend", "moderation:member-suspend", "post", MODERATORS_ONLY_POST, args=lambda w: [w.author.username], data=lambda w: {"days": "7", "reason": "Spam links"}),
    Row("unsuspend", "moderation:member-unsuspend", "post", MODERATORS_ONLY_POST, args=lambda w: [w.author.username]),
    Row("purge", "moderation:member-purge", "get", MODERATORS_ONLY, args=lambda w: [w.author.username]),  # the confirmation page
    Row("purge", "moderation:member-purge", "post", MODERATORS_ONLY_POST, args=lambda w: [w.author.username], data=lambda w: {"reason": "spam"}),
    Row("removed", "moderation:removed", "get", MODERATORS_ONLY),
    Row("restore", "moderation:restore", "post", MODERATORS_ONLY_POST, args=lambda w: ["answer", w.deleted_answer.pk]),
    Row("mark", "moderation:canonical", "post", MODERATORS_ONLY_POST, args=lambda w: [w.answer.pk], data=lambda w: {"canonical": "1"}),
    Row("unmark", "moderation:canonical", "post", MODERATORS_ONLY_POST, args=lambda w: [w.canonical_answer.pk], data=lambda w: {"canonical": "0"}),
    Row("rollback", "moderation:rollback", "post", MODERATORS_ONLY_POST, args=lambda w: [w.answer.pk], data=lambda w: {"number": "1"}),
    Row("rollback", "moderation:question-rollback", "post", MODERATORS_ONLY_POST, args=lambda w: [w.edited_question.pk], data=lambda w: {"number": "1"}),
    Row("rollback", "moderation:comment-rollback", "post", MODERATORS_ONLY_POST, args=lambda w: [w.comment.pk], data=lambda w: {"number": "1"}),
    # Closing, reopening and merging questions (the merge form, its confirmation page, the merge).
    Row("close", "moderation:question-close", "get", MODERATORS_ONLY, args=lambda w: [w.question.pk]),
    Row("close", "moderation:question-close", "post", MODERATORS_ONLY_POST, args=lambda w: [w.question.pk], data=lambda w: {"reason": "off-topic"}),
    Row("reopen", "moderation:question-reopen", "post", MODERATORS_ONLY_POST, args=lambda w: [w.closed_question.pk]),
    Row("merge", "moderation:question-merge", "get", MODERATORS_ONLY, args=lambda w: [w.duplicate.pk]),
    Row("merge", "moderation:question-merge", "post", MODERATORS_ONLY_POST, args=lambda w: [w.duplicate.pk], data=lambda w: {"target": w.question.pk, "confirm": "True"}),
    # The flag form shows for the author too (the page has no link to it); sending it is refused.
    Row("answer", "moderation:flag", "get", MEMBERS, args=lambda w: ["answer", w.answer.pk]),
    Row("answer", "moderation:flag", "post", FLAG_POST, args=lambda w: ["answer", w.answer.pk], data=lambda w: {"reason": "wrong"}),
    Row("comment", "moderation:flag", "get", MEMBERS, args=lambda w: ["comment", w.comment.pk]),
    Row("comment", "moderation:flag", "post", FLAG_POST, args=lambda w: ["comment", w.comment.pk], data=lambda w: {"reason": "rude"}),
    # A published question: only moderators edit it, its author included.
    Row("published", "questions:edit", "get", MODERATORS_ONLY, args=lambda w: [w.published_question.pk]),
    Row("published", "questions:edit", "post", MODERATORS_ONLY_POST, args=lambda w: [w.published_question.pk], data=lambda w: _question_form(w.published_question, "Edited.")),
    # A proposal awaiting review: its author may still edit it; other members don't even see it.
    Row("proposal", "questions:edit", "get", PROPOSAL, args=lambda w: [w.proposal.pk]),
    Row("proposal", "questions:edit", "post", PROPOSAL_POST, args=lambda w: [w.proposal.pk], data=lambda w: _question_form(w.proposal, "With details.")),
    Row("propose", "questions:propose", "get", MEMBERS),
    Row("propose", "questions:propose", "post", MEMBERS_POST, data=_new_question_form),
    # Mail: one's own settings; an unsubscribe link works for whoever holds it (its POST, which
    # changes only the member's preferences, is tested in tests/test_notifications_mail.py).
    Row("mail", "notifications:preferences", "get", MEMBERS),
    Row("connected", "socialaccount_connections", "get", MEMBERS),
    Row("unsubscribe", "notifications:unsubscribe", "get", EVERYONE, args=lambda w: [unsubscribe_token(w.author.pk, "digest")]),
]  # fmt: skip


@pytest.fixture
def world():
    """A published answer (two revisions, one open flag) and comment, a canonical answer, a
    published question and a proposal, all by one author; another member; a moderator."""
    author = UserFactory(trusted=True)
    moderator = UserFactory(moderator=True)
    question = QuestionFactory()
    answer = answer_create(question=question, author=author, body=BODY)
    answer = answer_edit(answer=answer, editor=author, body=BODY + " Edited.")
    services.flag_create(user=UserFactory(trusted=True), post=answer, reason="wrong")
    comment = comment_create(
        author=author,
        body="See also Adam.",
        answer=answer_create(
            question=question, author=UserFactory(trusted=True), body=BODY
        ),
    )
    comment = comment_edit(comment=comment, body="See also Adam and AdamW.")
    canonical_answer = answer_create(
        question=QuestionFactory(), author=author, body=BODY
    )
    services.canonical_set(moderator=moderator, answer=canonical_answer)
    deleted_answer = answer_delete(
        answer=answer_create(question=question, author=author, body=BODY + " Gone."),
        by=author,
    )
    proposal = question_propose(
        author=author,
        title="What does batch normalisation do at inference time?",
        body="",
        topic=question.topic,
        difficulty="medium",
    )
    return SimpleNamespace(
        author=author,
        user=UserFactory(trusted=True),
        moderator=moderator,
        question=question,
        answer=answer,
        comment=comment,
        canonical_answer=canonical_answer,
        deleted_answer=deleted_answer,
        published_question=QuestionFactory(author=author),
        proposal=proposal,
        edited_question=question_edit(
            question=QuestionFactory(),
            editor=moderator,
            title="What does a learning-rate warm-up do?",
            body="",
            topic=question.topic,
            difficulty="medium",
        ),
        closed_question=question_close(
            question=QuestionFactory(), by=moderator, reason=CloseReason.UNCLEAR
        ),
        duplicate=QuestionFactory(),
    )


def _snapshot():
    """What a refused request must leave alone."""
    return (
        AuditLogEntry.objects.count(),
        Flag.objects.count(),
        Question.objects.count(),
        AnswerRevision.objects.count(),
        list(
            Question.objects.order_by("pk").values_list(
                "title", "body", "status", "closed_at"
            )
        ),
    )


def _cases():
    for row in MATRIX:
        for role in ROLES:
            yield pytest.param(
                row, role, id=f"{row.url_name}-{row.label}-{row.method}-{role}"
            )


def _assert_response(response, expected):
    if expected == LOGIN:
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"].startswith(reverse("account_login") + "?next=")
    else:
        assert response.status_code == expected
        if expected == HTTPStatus.FOUND:
            assert not response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize(("row", "role"), _cases())
def test_permission_matrix(client, world, row, role):
    if role != ANONYMOUS:
        client.force_login(getattr(world, role))
    before = _snapshot()
    url = reverse(row.url_name, args=row.args(world))
    response = getattr(client, row.method)(url, row.data(world))
    expected = row.expected[role]
    _assert_response(response, expected)
    if expected not in (200, 302):
        assert _snapshot() == before, "a refused request changed something"
    elif row.method == "post":
        assert _snapshot() != before, "an allowed action did nothing"


def test_every_moderation_url_has_a_row():
    names = {f"moderation:{pattern.name}" for pattern in moderation_urls.urlpatterns}
    covered = {row.url_name for row in MATRIX}
    assert names - covered == set()
    assert {"questions:edit", "questions:propose"} <= covered
    assert all(set(row.expected) == set(ROLES) for row in MATRIX)


POST_ONLY = [
    row
    for row in MATRIX
    if row.method == "post"
    and row.url_name.startswith("moderation:")
    and row.url_name
    not in (
        "moderation:flag",
        "moderation:member-purge",
        "moderation:question-close",
        "moderation:question-merge",
    )
]


@pytest.mark.parametrize(
    "row", POST_ONLY, ids=lambda row: f"{row.url_name}-{row.label}"
)
def test_moderation_actions_are_post_only(moderator_client, world, row):
    response = moderator_client.get(reverse(row.url_name, args=row.args(world)))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_a_refused_moderator_action_explains_itself(user_client):
    response = user_client.get(reverse("moderation:queue"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert "You can't do that" in response.content.decode()


# Suspended members: they read, but every URL that posts, votes, comments or flags refuses them
# with the reason the moderator gave.


@pytest.fixture
def suspended(world):
    return services.user_suspend(
        moderator=world.moderator,
        user=world.user,
        until=timezone.now() + timedelta(days=3),
        reason=SUSPENSION_REASON,
    )


SUSPENDED_REFUSED = [
    # (URL name, method, URL arguments, form data)
    ("questions:answer-create", "post", lambda w: [w.question.pk], lambda w: {"body": BODY + " Mine."}),
    ("questions:answer-vote", "post", lambda w: [w.answer.pk], lambda w: {"value": "1"}),
    ("questions:answer-comment", "post", lambda w: [w.answer.pk], lambda w: {"body": "Buy my course."}),
    ("questions:question-comment", "post", lambda w: [w.question.pk], lambda w: {"body": "Buy my course."}),
    ("moderation:flag", "get", lambda w: ["answer", w.answer.pk], lambda w: {}),
    ("moderation:flag", "post", lambda w: ["answer", w.answer.pk], lambda w: {"reason": "spam"}),
    ("questions:propose", "get", lambda w: [], lambda w: {}),
    ("questions:propose", "post", lambda w: [], _new_question_form),
]  # fmt: skip


def _refusal_text(response):
    """The refusal's own paragraph (the suspension banner elsewhere on the page doesn't count)."""
    match = re.search(
        r'<section class="error-page">(.*?)</section>', response.content.decode(), re.S
    )
    return match.group(1) if match else ""


@pytest.mark.parametrize(
    ("url_name", "method", "args", "data"),
    SUSPENDED_REFUSED,
    ids=[f"{row[0]}-{row[1]}" for row in SUSPENDED_REFUSED],
)
def test_a_suspended_member_is_refused_with_the_reason(
    client, world, suspended, url_name, method, args, data
):
    client.force_login(suspended)
    url = reverse(url_name, args=args(world))
    before = (_snapshot(), Comment.objects.count(), Vote.objects.count())
    response = getattr(client, method)(url, data(world))
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert SUSPENSION_REASON in _refusal_text(response)
    assert (_snapshot(), Comment.objects.count(), Vote.objects.count()) == before


def test_a_suspended_member_still_reads_and_sees_why_they_cannot_post(
    client, world, suspended
):
    client.force_login(suspended)
    response = client.get(world.question.get_absolute_url())
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert 'class="suspension-banner"' in html and SUSPENSION_REASON in html
    assert client.get(reverse("questions:list")).status_code == HTTPStatus.OK
