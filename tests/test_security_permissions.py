"""The permission matrix: every URL pattern of the project, GET and POST, for six kinds of visitor.

The patterns are walked from the root URLconf through every include (ours, allauth's and the
admin's, see tests/url_patterns.py), and every one must be matched by an entry of ``MATRIX`` or
``test_every_url_pattern_has_an_entry`` fails: adding a URL forces a decision about who may use it.

Each entry gives the exact expected response for each role, in the order of ``ROLES``:

- anonymous: a visitor who is not signed in;
- user: a verified, trusted member who is not the owner of the object the URL is about;
- unverified: a signed-in member whose e-mail address is not verified. allauth's mandatory
  verification stops them at log-in (the ``account_login(unverified-credentials)`` entry), so this
  is a session that got past it (an account made in the admin or the shell, say): the app refuses
  them every write anyway (accounts/permissions.py), but lets them read, practise and manage
  their account;
- suspended: a verified, trusted member whose ``suspended_until`` is in the future;
- owner: the author of the answer, comment or question (and of the post a flag or a moderation
  action is about), the owner of the practice session, card or notification, the member a profile
  or moderation page is about, the member a password-reset link was sent to; for pages about
  "my own" data (settings, lists, log-in) simply another signed-in member;
- moderator: a verified member of the Moderators group (not staff: the admin is for staff only).

An expected response is a status code, ``LOGIN`` (a redirect to the log-in page with ``next``),
``ADMIN_LOGIN`` (a redirect to the admin's log-in page with ``next``) or ``Go(to, status)``: a
redirect to exactly that place. POSTs send valid data. Where a role is allowed (a 200 or a
redirect other than to a log-in page) the entry's ``effect`` must hold afterwards (the answer
exists, the body changed, the session is signed out...); for every other role, and on every GET
(but opening a notification, which marks it read), nothing in the database may change. CSRF
checks are off here (tests/test_security_csrf.py covers them).

The admin is grouped by rule (none of the six roles is staff); ``test_staff_get_past_the_admin_login``
is its control: the same URLs are real admin pages for a superuser.

Everything is created once for the module, with one session per role; each test's changes are
rolled back after it, and a refused request is checked against one snapshot of every table.
"""

import functools
import re
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from api.models import AccessToken
from api.services import token_create
from moderation import services as moderation
from moderation.models import Flag
from notifications.models import MailPreferences
from notifications.unsubscribe import unsubscribe_token
from practice.models import (
    Card,
    ListEntry,
    Mode,
    PlanItem,
    PlanMembership,
    PlanSection,
    PracticeSession,
    PracticeSettings,
    QuestionList,
    QuestionNote,
    Review,
    SessionItem,
    StudyPlan,
)
from practice.services import item_reveal, review_record, session_start
from questions.models import (
    Answer,
    Comment,
    DifficultyRating,
    InterviewMark,
    Notification,
    Question,
    QuestionFollow,
    QuestionStatus,
    Status,
    UsefulVote,
    Vote,
)
from questions.services.answers import answer_create, answer_delete, answer_edit
from questions.services.comments import comment_create, comment_delete, comment_edit
from questions.services.curation import question_close
from questions.services.questions import question_edit, question_propose
from tests.factories import PASSWORD, TopicFactory, UserFactory
from tests.module_data import module_data
from tests.practice_factories import practisable_question
from tests.url_patterns import PATTERNS, fill_route, pattern_arguments

pytestmark = pytest.mark.django_db

ANONYMOUS, USER, UNVERIFIED, SUSPENDED, OWNER, MODERATOR = ROLES = (
    "anonymous",
    "user",
    "unverified",
    "suspended",
    "owner",
    "moderator",
)

OK = HTTPStatus.OK
FORBIDDEN = HTTPStatus.FORBIDDEN
NOT_FOUND = HTTPStatus.NOT_FOUND
NOT_ALLOWED = HTTPStatus.METHOD_NOT_ALLOWED
LOGIN = "login"  # a redirect to /accounts/login/?next=<this URL>
ADMIN_LOGIN = "admin-login"  # a redirect to /admin/login/?next=<this URL>

BODY = "Gradient descent moves the weights against the gradient of the loss."
NEW_BODY = "Backpropagation applies the chain rule layer by layer, from the loss back."
NEW_QUESTION = "How does dropout act as a regulariser in a neural network?"
SUSPENSION_REASON = "Posting links to a course you sell"
NEW_PASSWORD = "a-new-and-longer-passphrase-42"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass(frozen=True)
class Go:
    """A redirect to exactly ``to``: a URL name, or a function of the case (see ``Case``)."""

    to: object
    status: int = HTTPStatus.FOUND

    def url(self, case):
        return self.to(case) if callable(self.to) else reverse(self.to)


# allauth's social pages moved from /accounts/social/ to /accounts/3rdparty/ (connections: its root).
OLD_SOCIAL_PATH = Go(
    lambda c: c.url.replace("/accounts/social/", "/accounts/3rdparty/").replace(
        "connections/", ""
    ),
    status=HTTPStatus.MOVED_PERMANENTLY,
)

# The admin's log-in sends visitors to the site's, back to the admin after.
ADMIN_SITE_LOGIN = Go(lambda c: reverse("account_login") + "?next=%2Fadmin%2F")


def everyone(outcome):
    return (outcome,) * len(ROLES)


def members(outcome):
    """Anonymous visitors go to log in; every signed-in member gets ``outcome``."""
    return (LOGIN, *(outcome,) * (len(ROLES) - 1))


def posters(outcome, owner=None):
    """Members who may post (verified, not suspended) get ``outcome``; the others a 403 saying why."""
    owner = outcome if owner is None else owner
    return (LOGIN, outcome, FORBIDDEN, FORBIDDEN, owner, outcome)


def authors(outcome, others=FORBIDDEN):
    """The author and moderators get ``outcome``; other members ``others``, unless they may not post."""
    return (LOGIN, others, FORBIDDEN, FORBIDDEN, outcome, outcome)


def moderators(outcome):
    """Only moderators; anyone else signed in gets a 403."""
    return (LOGIN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, outcome)


def unpublished(outcome):
    """A post hidden or awaiting review: its author and moderators get ``outcome``, others a 404."""
    return (NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, outcome, outcome)


def owner_only(outcome, others=NOT_FOUND):
    """Private data: the owner gets ``outcome``, every other member (moderators too) a 404."""
    return (LOGIN, others, others, others, outcome, others)


@dataclass(frozen=True)
class Entry:
    """Expected responses to GET and POST of one URL pattern (or, with ``matches``, a group of them).

    ``url``, ``data``, ``effect`` and ``prepare`` are functions of the case. ``allowed`` (default:
    the roles whose POST gets a 200 or a redirect other than to log in) are the roles for which
    ``effect`` must hold; everyone else must change nothing. Without ``effect`` no POST may change
    anything. ``get_changes`` lists roles whose GET may change the database (opening a
    notification marks it read).
    """

    pattern: str
    get: tuple
    post: tuple
    url: object = None
    data: object = None
    effect: object = None
    allowed: tuple | None = None
    prepare: object = None
    variant: str = ""
    matches: object = None
    get_changes: tuple = ()

    def applies_to(self, name, text):
        if self.matches is not None:
            return self.matches(name, text)
        return self.pattern in (name, text)

    def allowed_roles(self):
        if self.allowed is not None:
            return self.allowed
        return tuple(
            role
            for role, outcome in zip(ROLES, self.post, strict=True)
            if outcome == OK or isinstance(outcome, Go)
        )


# --- helpers used by the entries; ``c`` is a Case -------------------------------------------------


def _member(c):
    """The requesting member as the database has them now."""
    return User.objects.get(pk=c.user.pk)


def _q(c):
    return c.w.question


def _answer_url(c):
    return Answer.objects.filter(author=c.user).latest("pk").get_absolute_url()


def _comment_url(c):
    return Comment.objects.filter(author=c.user).latest("pk").get_absolute_url()


def _signed_out(c):
    return SESSION_KEY not in c.client.session


def _signed_in_as(member):
    return lambda c: c.client.session.get(SESSION_KEY) == str(member(c).pk)


def _reauthenticated(c):
    methods = c.client.session.get("account_authentication_methods", [])
    return any(method.get("reauthenticated") for method in methods)


def _password_is(password, member=lambda c: c.user):
    return lambda c: User.objects.get(pk=member(c).pk).check_password(password)


def _question_form(question, **changes):
    return {
        "title": question.title,
        "body": question.body,
        "topic": question.topic_id,
        "difficulty": question.difficulty,
        **changes,
    }


def _act(action, post, reason=""):
    def data(c):
        target = getattr(c.w, post)
        key = f"{type(target).__name__.lower()}:{target.pk}"
        return {"action": action, "posts": [key], "reason": reason}

    return data


def _reveal(c):
    item_reveal(item=c.w.item, attempt="The loss goes down.")


def _grade(c):
    _reveal(c)
    review_record(item=c.w.item, rating=3)


def _suspend_owner(c):
    User.objects.filter(pk=c.w.owner.pk).update(
        suspended_until=timezone.now() + timedelta(days=3),
        suspension_reason=SUSPENSION_REASON,
    )


def _fresh_comment(c):
    # Authors edit comments for five minutes: the module's comment may be older by now.
    Comment.objects.filter(pk=c.w.comment.pk).update(created_at=timezone.now())


def _old_comment(c):
    Comment.objects.filter(pk=c.w.comment.pk).update(
        created_at=timezone.now() - timedelta(minutes=6)
    )


def _owner_deletes_answer(c):
    answer_delete(answer=c.w.answer, by=c.w.owner)


def _owner_deletes_comment(c):
    comment_delete(comment=c.w.comment, by=c.w.owner)


def _question_edited(c):
    question_edit(
        question=c.w.question,
        editor=c.w.moderator,
        title="How does gradient descent find a minimum?",
        body="",
        topic=c.w.topic,
        difficulty=c.w.question.difficulty,
    )


def _comment_edited(c):
    comment_edit(comment=c.w.comment, body="See also Adam and AdamW.")


def _question_closed(c):
    question_close(question=c.w.question, by=c.w.moderator, reason="off-topic")


def _confirmation_key(c):
    address = EmailAddress.objects.get(user=c.w.unverified)
    return EmailConfirmationHMAC(address).key


def _reset_url(c):
    owner = User.objects.get(pk=c.w.owner.pk)  # the token depends on last_login
    return reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(owner),
            "key": default_token_generator.make_token(owner),
        },
    )


def _set_password_url(c):
    """Where the reset link sends the browser, the key now kept in its session."""
    return reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(c.w.owner), "key": "set-password"},
    )


def _open_reset_link(c):
    c.client.get(_reset_url(c))


# Roles in the order of ROLES:  anonymous, user, unverified, suspended, owner, moderator.
MATRIX = [
    # --- the site ---------------------------------------------------------------------------------
    Entry("home", get=everyone(OK), post=everyone(OK)),
    Entry("trivial", get=everyone(OK), post=everyone(OK)),
    Entry("questions:list", get=everyone(OK), post=everyone(OK)),
    Entry("questions:topic", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("questions:topic", args=[c.w.topic.slug])),
    Entry("questions:topics", get=everyone(OK), post=everyone(OK)),
    # The published bank as JSON Lines; the similar questions listed while a title is typed.
    Entry("questions:download", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    Entry("questions:similar", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    Entry("questions:detail", get=everyone(OK), post=everyone(OK), url=lambda c: _q(c).get_absolute_url()),
    Entry("questions:detail-short", get=everyone(Go(lambda c: _q(c).get_absolute_url(), 301)), post=everyone(Go(lambda c: _q(c).get_absolute_url(), 301)), url=lambda c: reverse("questions:detail-short", args=[_q(c).pk])),
    Entry("questions:answer-history", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("questions:answer-history", args=[c.w.answer.pk])),
    # Hidden by a moderator, a proposal awaiting review: only their author and moderators see them.
    Entry("questions:answer-history", variant="hidden", get=unpublished(OK), post=unpublished(OK), url=lambda c: reverse("questions:answer-history", args=[c.w.hidden_answer.pk])),
    Entry("questions:detail", variant="proposal", get=unpublished(OK), post=unpublished(OK), url=lambda c: c.w.proposal.get_absolute_url()),
    # The history of a question and of a comment, as an answer's.
    Entry("questions:question-history", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("questions:question-history", args=[_q(c).pk])),
    Entry("questions:question-history", variant="proposal", get=unpublished(OK), post=unpublished(OK), url=lambda c: reverse("questions:question-history", args=[c.w.proposal.pk])),
    Entry("questions:comment-history", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("questions:comment-history", args=[c.w.comment.pk])),
    Entry("accounts:profile", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("accounts:profile", args=[c.w.owner.username])),
    # The API: public and read-only; the personal part opens with a token only, never a session.
    Entry("api:question_list", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    Entry("api:question_detail", get=everyone(OK), post=everyone(NOT_ALLOWED), url=lambda c: reverse("api:question_detail", args=[_q(c).pk])),
    Entry("api:question_detail", variant="proposal", get=everyone(NOT_FOUND), post=everyone(NOT_ALLOWED), url=lambda c: reverse("api:question_detail", args=[c.w.proposal.pk])),
    Entry("api:topic_list", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    Entry("api:member_profile", get=everyone(OK), post=everyone(NOT_ALLOWED), url=lambda c: reverse("api:member_profile", args=[c.w.owner.username])),
    Entry("api:openapi-json", get=everyone(OK), post=everyone(OK)),
    Entry("api:openapi-view", get=everyone(OK), post=everyone(OK)),
    Entry("api:api-root", get=everyone(NOT_FOUND), post=everyone(NOT_FOUND)),
    Entry("api:my_reviews", get=everyone(HTTPStatus.UNAUTHORIZED), post=everyone(NOT_ALLOWED)),
    Entry("api:my_export_csv", get=everyone(HTTPStatus.UNAUTHORIZED), post=everyone(NOT_ALLOWED)),
    Entry("api:my_export_anki", get=everyone(HTTPStatus.UNAUTHORIZED), post=everyone(NOT_ALLOWED)),
    # Tokens are the member's own, like their practice: unverified and suspended members too.
    Entry(
        "tokens:list", get=members(OK), post=members(OK),
        data=lambda c: {"name": "Flashcard script"},
        effect=lambda c: AccessToken.objects.filter(user=c.user, name="Flashcard script").exists(),
    ),
    Entry(
        "tokens:revoke", get=members(NOT_ALLOWED), post=owner_only(Go("tokens:list")),
        url=lambda c: reverse("tokens:revoke", args=[c.w.token.pk]),
        effect=lambda c: AccessToken.objects.get(pk=c.w.token.pk).revoked_at is not None,
    ),
    # --- mail settings and one-click unsubscribe (notifications/) -----------------------------
    # One's own settings, whatever one may post; the unsubscribe link works for whoever holds it
    # (it is signed for one member and one mail, and can only turn that mail off).
    Entry(
        "notifications:preferences", get=members(OK), post=members(Go("notifications:preferences")),
        data=lambda c: {"answers": "off", "comments": "weekly", "canonical": "immediate", "moderation": "daily", "hour": "9", "time_zone": "Europe/Paris"},
        effect=lambda c: MailPreferences.objects.filter(user=c.user, answers="off", hour=9).exists(),
    ),
    Entry(
        "notifications:unsubscribe", get=everyone(OK), post=everyone(OK),
        url=lambda c: reverse("notifications:unsubscribe", args=[unsubscribe_token(c.w.owner.pk, "comment")]),
        effect=lambda c: MailPreferences.objects.get(user=c.w.owner).comments == "off",
    ),
    # --- sign in with GitHub or Google (allauth's social accounts): off here, not configured ----
    Entry("socialaccount_connections", get=members(OK), post=members(OK)),
    Entry("socialaccount_signup", get=everyone(Go("account_login")), post=everyone(Go("account_login"))),
    Entry("socialaccount_login_cancelled", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    Entry("socialaccount_login_error", get=everyone(HTTPStatus.UNAUTHORIZED), post=everyone(NOT_ALLOWED)),
    Entry(
        # allauth's former addresses, moved permanently to /accounts/3rdparty/.
        "allauth's older social paths", get=everyone(OLD_SOCIAL_PATH), post=everyone(OLD_SOCIAL_PATH),
        matches=lambda name, text: not name and text.startswith("accounts/social/"),
    ),
    Entry(
        "providers' sign-in URLs (a 404 until configured)", get=everyone(NOT_FOUND), post=everyone(NOT_FOUND),
        matches=lambda name, text: name in ("github_login", "github_callback", "google_login", "google_callback", "google_login_by_token"),
    ),
    # For search engines: public, read-only.
    Entry("robots", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    Entry("sitemap-index", get=everyone(OK), post=everyone(OK)),
    Entry("sitemap-section", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("sitemap-section", args=["questions"])),
    # Feeds: public, read-only; an unpublished question has no answers feed.
    Entry("questions:feed-rss", get=everyone(OK), post=everyone(OK)),
    Entry("questions:feed-atom", get=everyone(OK), post=everyone(OK)),
    Entry("questions:topic-feed-rss", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("questions:topic-feed-rss", args=[c.w.topic.slug])),
    Entry("questions:topic-feed-atom", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("questions:topic-feed-atom", args=[c.w.topic.slug])),
    Entry("questions:answers-feed-rss", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("questions:answers-feed-rss", args=[_q(c).pk])),
    Entry("questions:answers-feed-atom", get=everyone(OK), post=everyone(OK), url=lambda c: reverse("questions:answers-feed-atom", args=[_q(c).pk])),
    Entry("questions:answers-feed-rss", variant="proposal", get=everyone(NOT_FOUND), post=everyone(NOT_FOUND), url=lambda c: reverse("questions:answers-feed-rss", args=[c.w.proposal.pk])),
    # --- writing: answers, comments, votes, questions ---------------------------------------------
    Entry(
        "questions:answer-create", get=everyone(NOT_ALLOWED), post=posters(Go(_answer_url)),
        url=lambda c: reverse("questions:answer-create", args=[_q(c).pk]),
        data=lambda c: {"body": NEW_BODY},
        effect=lambda c: Answer.objects.filter(author=c.user, body=NEW_BODY).exists(),
    ),
    Entry(
        # Only those who may post have an answer to preview; it stores nothing.
        "questions:answer-preview", get=everyone(NOT_ALLOWED), post=posters(OK),
        data=lambda c: {"body": NEW_BODY},
    ),
    Entry(
        "questions:answer-edit", get=authors(OK), post=authors(Go(lambda c: c.w.answer.get_absolute_url())),
        url=lambda c: reverse("questions:answer-edit", args=[c.w.answer.pk]),
        data=lambda c: {"body": NEW_BODY},
        effect=lambda c: Answer.objects.get(pk=c.w.answer.pk).body == NEW_BODY,
    ),
    Entry(
        # GET: the confirmation page (a plain form), for those who may delete.
        "questions:answer-delete", get=authors(OK), post=authors(Go(lambda c: _q(c).get_absolute_url())),
        url=lambda c: reverse("questions:answer-delete", args=[c.w.answer.pk]),
        effect=lambda c: Answer.objects.get(pk=c.w.answer.pk).is_deleted,
    ),
    Entry(
        # Only its author, within a day of deleting it themselves; moderators restore elsewhere.
        "questions:answer-restore", get=everyone(NOT_ALLOWED), post=(LOGIN, NOT_FOUND, FORBIDDEN, FORBIDDEN, Go(lambda c: c.w.answer.get_absolute_url()), NOT_FOUND),
        url=lambda c: reverse("questions:answer-restore", args=[c.w.answer.pk]),
        prepare=_owner_deletes_answer,
        effect=lambda c: not Answer.objects.get(pk=c.w.answer.pk).is_deleted,
    ),
    Entry(
        "questions:answer-vote", get=everyone(NOT_ALLOWED), post=posters(Go(lambda c: c.w.answer.get_absolute_url(), 303), owner=FORBIDDEN),
        url=lambda c: reverse("questions:answer-vote", args=[c.w.answer.pk]),
        data=lambda c: {"value": "1"},
        effect=lambda c: Vote.objects.filter(user=c.user, answer=c.w.answer, value=1).exists(),
    ),
    Entry(
        # GET: the comment form on its own page (answer cards link to it; htmx brings it in place).
        "questions:answer-comment", get=posters(OK), post=posters(Go(_comment_url)),
        url=lambda c: reverse("questions:answer-comment", args=[c.w.answer.pk]),
        data=lambda c: {"body": "See also Adam."},
        effect=lambda c: Comment.objects.filter(author=c.user, answer=c.w.answer).exists(),
    ),
    Entry(
        "questions:question-comment", get=posters(OK), post=posters(Go(_comment_url)),
        url=lambda c: reverse("questions:question-comment", args=[_q(c).pk]),
        data=lambda c: {"body": "See also Adam."},
        effect=lambda c: Comment.objects.filter(author=c.user, question=_q(c)).exists(),
    ),
    Entry(
        "questions:comment-edit", get=authors(OK), post=authors(Go(lambda c: c.w.comment.get_absolute_url())),
        url=lambda c: reverse("questions:comment-edit", args=[c.w.comment.pk]),
        prepare=_fresh_comment,
        data=lambda c: {"body": "See also Adam, and AdamW."},
        effect=lambda c: Comment.objects.get(pk=c.w.comment.pk).body == "See also Adam, and AdamW.",
    ),
    Entry(
        # Five minutes after posting, only moderators edit a comment.
        "questions:comment-edit", variant="late", get=authors(FORBIDDEN)[:-1] + (OK,), post=authors(FORBIDDEN)[:-1] + (Go(lambda c: c.w.comment.get_absolute_url()),),
        url=lambda c: reverse("questions:comment-edit", args=[c.w.comment.pk]),
        prepare=_old_comment,
        data=lambda c: {"body": "See also Adam, and AdamW."},
        effect=lambda c: Comment.objects.get(pk=c.w.comment.pk).body == "See also Adam, and AdamW.",
    ),
    Entry(
        "questions:comment-delete", get=authors(OK), post=authors(Go(lambda c: c.w.other_answer.get_absolute_url())),
        url=lambda c: reverse("questions:comment-delete", args=[c.w.comment.pk]),
        effect=lambda c: Comment.objects.get(pk=c.w.comment.pk).is_deleted,
    ),
    Entry(
        "questions:comment-restore", get=everyone(NOT_ALLOWED), post=(LOGIN, NOT_FOUND, FORBIDDEN, FORBIDDEN, Go(lambda c: c.w.comment.get_absolute_url()), NOT_FOUND),
        url=lambda c: reverse("questions:comment-restore", args=[c.w.comment.pk]),
        prepare=_owner_deletes_comment,
        effect=lambda c: not Comment.objects.get(pk=c.w.comment.pk).is_deleted,
    ),
    # A member's own recently deleted posts.
    Entry("questions:deleted", get=members(OK), post=members(OK)),
    Entry(
        # Following is private bookkeeping, not posting: suspended and unverified members may.
        "questions:follow", get=everyone(NOT_ALLOWED), post=members(Go(lambda c: _q(c).get_absolute_url())),
        url=lambda c: reverse("questions:follow", args=[_q(c).pk]),
        # The owner follows the question already (they answered it): a second click unfollows.
        effect=lambda c: QuestionFollow.objects.filter(user=c.user, question=_q(c)).exists() == (c.role != OWNER),
    ),
    # What members tell about a question (totals only): like votes, for those who may post.
    Entry(
        "questions:useful-vote", get=everyone(NOT_ALLOWED), post=posters(Go(lambda c: _q(c).get_absolute_url() + "#feedback", 303)),
        url=lambda c: reverse("questions:useful-vote", args=[_q(c).pk]),
        data=lambda c: {"useful": "1"},
        effect=lambda c: UsefulVote.objects.filter(user=c.user, question=_q(c)).exists(),
    ),
    Entry(
        "questions:difficulty-rate", get=everyone(NOT_ALLOWED), post=posters(Go(lambda c: _q(c).get_absolute_url() + "#feedback", 303)),
        url=lambda c: reverse("questions:difficulty-rate", args=[_q(c).pk]),
        data=lambda c: {"difficulty": "hard"},
        effect=lambda c: DifficultyRating.objects.filter(user=c.user, question=_q(c), difficulty="hard").exists(),
    ),
    Entry(
        "questions:interview-mark", get=everyone(NOT_ALLOWED), post=posters(Go(lambda c: _q(c).get_absolute_url() + "#feedback", 303)),
        url=lambda c: reverse("questions:interview-mark", args=[_q(c).pk]),
        data=lambda c: {"role": "ml-engineer", "company": "Acme", "year": "2025"},
        effect=lambda c: InterviewMark.objects.filter(user=c.user, question=_q(c), year=2025).exists(),
    ),
    Entry(
        "questions:propose", get=posters(OK), post=posters(Go(lambda c: Question.objects.get(title=NEW_QUESTION).get_absolute_url())),
        data=lambda c: _question_form(_q(c), title=NEW_QUESTION, body=""),
        effect=lambda c: Question.objects.filter(title=NEW_QUESTION, author=c.user).exists(),
    ),
    Entry(
        # A published question: only moderators edit it, its author included.
        "questions:edit", variant="published", get=moderators(OK), post=moderators(Go(lambda c: _q(c).get_absolute_url())),
        url=lambda c: reverse("questions:edit", args=[_q(c).pk]),
        data=lambda c: _question_form(_q(c), body="Edited details."),
        effect=lambda c: Question.objects.get(pk=_q(c).pk).body == "Edited details.",
    ),
    Entry(
        # A proposal awaiting review: its author may still edit it; other members don't see it.
        "questions:edit", variant="proposal", get=(LOGIN, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK, OK), post=(LOGIN, NOT_FOUND, FORBIDDEN, FORBIDDEN, Go(lambda c: c.w.proposal.get_absolute_url()), Go(lambda c: c.w.proposal.get_absolute_url())),
        url=lambda c: reverse("questions:edit", args=[c.w.proposal.pk]),
        data=lambda c: _question_form(c.w.proposal, body="With details."),
        effect=lambda c: Question.objects.get(pk=c.w.proposal.pk).body == "With details.",
    ),
    # --- notifications ------------------------------------------------------------------------
    Entry("notifications", get=members(OK), post=members(OK)),
    Entry(
        "notification-open", get=owner_only(Go(lambda c: _q(c).get_absolute_url())), post=owner_only(Go(lambda c: _q(c).get_absolute_url())),
        url=lambda c: reverse("notification-open", args=[c.w.notification.pk]),
        effect=lambda c: Notification.objects.get(pk=c.w.notification.pk).read_at is not None,
        get_changes=(OWNER,),
    ),
    Entry(
        # Every signed-in role has one unread notification of their own.
        "notifications-read", get=everyone(NOT_ALLOWED), post=members(Go("notifications")),
        effect=lambda c: not Notification.objects.filter(recipient=c.user, read_at__isnull=True).exists(),
    ),
    # --- accounts -----------------------------------------------------------------------------
    Entry(
        # The display name and bio are public: changing them is posting.
        "accounts:settings", get=members(OK), post=posters(Go("accounts:settings")),
        data=lambda c: {"display_name": "Grace H.", "bio": "I teach statistics."},
        effect=lambda c: _member(c).bio == "I teach statistics.",
    ),
    Entry(
        "accounts:delete", get=members(OK), post=members(Go("home")),
        data=lambda c: {"confirm_username": c.user.username if c.user else c.w.owner.username},
        effect=lambda c: _member(c).is_deleted and _signed_out(c),
    ),
    # --- practice: private to its owner, moderators included --------------------------------------
    Entry("practice:home", get=members(OK), post=members(NOT_ALLOWED)),
    Entry(
        "practice:start", get=members(NOT_ALLOWED), post=members(Go(lambda c: PracticeSession.objects.filter(user=c.user).latest("pk").get_absolute_url())),
        data=lambda c: {"mode": Mode.DUE, "size": "1"},
        effect=lambda c: PracticeSession.objects.filter(user=c.user).exclude(pk=c.w.session.pk).exists(),
    ),
    Entry(
        "practice:session", get=owner_only(OK), post=members(NOT_ALLOWED),
        url=lambda c: c.w.session.get_absolute_url(),
    ),
    Entry(
        "practice:reveal", get=members(NOT_ALLOWED), post=owner_only(Go(lambda c: c.w.session.get_absolute_url() + "#practice-card")),
        url=lambda c: reverse("practice:reveal", args=[c.w.session.pk, c.w.item.pk]),
        data=lambda c: {"attempt": "It follows the negative gradient."},
        effect=lambda c: SessionItem.objects.get(pk=c.w.item.pk).is_revealed,
    ),
    Entry(
        "practice:grade", get=members(NOT_ALLOWED), post=owner_only(Go(lambda c: c.w.session.get_absolute_url() + "#practice-card")),
        url=lambda c: reverse("practice:grade", args=[c.w.session.pk, c.w.item.pk]),
        prepare=_reveal,
        data=lambda c: {"rating": "3"},
        effect=lambda c: Review.objects.filter(user=c.w.owner).exists(),
    ),
    Entry(
        "practice:set-aside", get=members(NOT_ALLOWED), post=owner_only(Go(lambda c: c.w.session.get_absolute_url() + "#practice-card")),
        url=lambda c: reverse("practice:set-aside", args=[c.w.session.pk, c.w.item.pk]),
        data=lambda c: {"action": "skip"},
        effect=lambda c: SessionItem.objects.get(pk=c.w.item.pk).skipped_at is not None,
    ),
    Entry(
        "practice:undo", get=members(NOT_ALLOWED), post=owner_only(Go(lambda c: c.w.session.get_absolute_url() + "#practice-card")),
        url=lambda c: reverse("practice:undo", args=[c.w.session.pk]),
        prepare=_grade,
        effect=lambda c: Review.objects.filter(user=c.w.owner, voided_at__isnull=False).exists(),
    ),
    Entry(
        "practice:end", get=members(NOT_ALLOWED), post=owner_only(Go(lambda c: c.w.session.get_absolute_url() + "#practice-card")),
        url=lambda c: reverse("practice:end", args=[c.w.session.pk]),
        effect=lambda c: PracticeSession.objects.get(pk=c.w.session.pk).ended_at is not None,
    ),
    Entry(
        "practice:settings", get=members(OK), post=members(Go("practice:settings")),
        data=lambda c: {"desired_retention": "0.85", "session_size": "15"},
        effect=lambda c: PracticeSettings.objects.filter(user=c.user, session_size=15).exists(),
    ),
    Entry("practice:progress", get=members(OK), post=members(NOT_ALLOWED)),
    Entry("practice:history", get=members(OK), post=members(NOT_ALLOWED)),
    Entry("practice:history-csv", get=members(OK), post=members(NOT_ALLOWED)),
    Entry("practice:anki-export", get=members(OK), post=members(NOT_ALLOWED)),
    Entry(
        "practice:card", get=owner_only(OK), post=members(NOT_ALLOWED),
        url=lambda c: reverse("practice:card", args=[c.w.card.pk]),
    ),
    # The card browser: everyone sees only their own cards; another's card is "not one of the
    # choices" (400), never touched.
    Entry(
        "practice:cards", get=members(OK), post=owner_only(Go(lambda c: reverse("practice:cards")), others=HTTPStatus.BAD_REQUEST),
        data=lambda c: {"cards": [c.w.card.pk], "action": "suspend"},
        effect=lambda c: Card.objects.get(pk=c.w.card.pk).suspended_at is not None,
    ),
    Entry(
        "practice:card-action", get=members(NOT_ALLOWED), post=owner_only(Go(lambda c: c.w.card.get_absolute_url())),
        url=lambda c: reverse("practice:card-action", args=[c.w.card.pk]),
        data=lambda c: {"action": "suspend"},
        effect=lambda c: Card.objects.get(pk=c.w.card.pk).suspended_at is not None,
    ),
    # Lists and notes: a member's own; a public list through its share link for anyone.
    Entry(
        "practice:lists", get=members(OK), post=members(Go(lambda c: QuestionList.objects.filter(user=c.user).latest("pk").get_absolute_url())),
        data=lambda c: {"name": "A new list"},
        effect=lambda c: QuestionList.objects.filter(user=c.user, name="A new list").exists(),
    ),
    Entry(
        "practice:list", get=owner_only(OK), post=owner_only(Go(lambda c: c.w.question_list.get_absolute_url())),
        url=lambda c: c.w.question_list.get_absolute_url(),
        data=lambda c: {"name": "Renamed", "is_public": "on"},
        effect=lambda c: QuestionList.objects.filter(pk=c.w.question_list.pk, name="Renamed").exists(),
    ),
    Entry(
        "practice:list-delete", get=members(NOT_ALLOWED), post=owner_only(Go("practice:lists")),
        url=lambda c: reverse("practice:list-delete", args=[c.w.question_list.pk]),
        effect=lambda c: not QuestionList.objects.filter(pk=c.w.question_list.pk).exists(),
    ),
    Entry(
        "practice:list-practise", get=members(NOT_ALLOWED), post=owner_only(Go(lambda c: PracticeSession.objects.filter(user=c.user).latest("pk").get_absolute_url())),
        url=lambda c: reverse("practice:list-practise", args=[c.w.question_list.pk]),
        effect=lambda c: PracticeSession.objects.filter(user=c.user, mode=Mode.LIST).exists(),
    ),
    Entry(
        "practice:list-remove", get=members(NOT_ALLOWED), post=owner_only(Go(lambda c: c.w.question_list.get_absolute_url())),
        url=lambda c: reverse("practice:list-remove", args=[c.w.question_list.pk, c.w.question.pk]),
        effect=lambda c: not ListEntry.objects.filter(question_list=c.w.question_list).exists(),
    ),
    Entry(
        "practice:list-shared", get=everyone(OK), post=everyone(NOT_ALLOWED),
        url=lambda c: c.w.question_list.get_share_url(),
    ),
    Entry(
        "practice:question-save", get=members(OK), post=members(Go(lambda c: reverse("practice:question-save", args=[c.w.question.pk]))),
        url=lambda c: reverse("practice:question-save", args=[c.w.question.pk]),
        data=lambda c: {"new_list": "Saved here"},
        effect=lambda c: QuestionList.objects.filter(user=c.user, name="Saved here", entries__question=c.w.question).exists(),
    ),
    Entry(
        "practice:question-note", get=members(NOT_ALLOWED), post=members(Go(lambda c: reverse("practice:question-save", args=[c.w.question.pk]))),
        url=lambda c: reverse("practice:question-note", args=[c.w.question.pk]),
        data=lambda c: {"body": "A private note."},
        effect=lambda c: QuestionNote.objects.filter(user=c.user, question=c.w.question).exists(),
    ),
    # Study plans: public ones for everyone; a member's private plan theirs alone; the shipped
    # ones (no author) edited by moderators.
    Entry(
        "practice:plans", get=everyone(OK), post=members(Go(lambda c: StudyPlan.objects.filter(author=c.user).latest("pk").get_absolute_url())),
        data=lambda c: {"title": "A plan of mine"},
        effect=lambda c: StudyPlan.objects.filter(author=c.user, title="A plan of mine").exists(),
    ),
    Entry(
        "practice:plan", get=everyone(OK), post=everyone(NOT_ALLOWED),
        url=lambda c: c.w.plan.get_absolute_url(),
    ),
    Entry(
        "practice:plan", variant="private", get=(NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND), post=everyone(NOT_ALLOWED),
        url=lambda c: c.w.own_plan.get_absolute_url(),
    ),
    Entry(
        "practice:plan-join", get=members(NOT_ALLOWED), post=members(Go(lambda c: c.w.plan.get_absolute_url())),
        url=lambda c: reverse("practice:plan-join", args=[c.w.plan.slug]),
        effect=lambda c: PlanMembership.objects.filter(plan=c.w.plan, user=c.user).exists(),
    ),
    Entry(
        "practice:plan-leave", get=members(NOT_ALLOWED), post=members(Go(lambda c: c.w.plan.get_absolute_url())),
        url=lambda c: reverse("practice:plan-leave", args=[c.w.plan.slug]),
        prepare=lambda c: c.user and PlanMembership.objects.create(plan=c.w.plan, user=c.user),
        effect=lambda c: not PlanMembership.objects.filter(plan=c.w.plan, user=c.user).exists(),
    ),
    Entry(
        "practice:plan-practise", get=members(NOT_ALLOWED), post=members(Go(lambda c: PracticeSession.objects.filter(user=c.user).latest("pk").get_absolute_url())),
        url=lambda c: reverse("practice:plan-practise", args=[c.w.plan.slug]),
        effect=lambda c: PracticeSession.objects.filter(user=c.user, mode=Mode.PLAN).exists(),
    ),
    Entry(
        "practice:plan-section-add", get=members(NOT_ALLOWED),
        post=(LOGIN, *(Go(lambda c: c.w.plan.get_absolute_url()),) * 5),
        allowed=(MODERATOR,),
        url=lambda c: reverse("practice:plan-section-add", args=[c.w.plan.slug]),
        data=lambda c: {"title": "A new section"},
        effect=lambda c: c.w.plan.sections.filter(title="A new section").exists(),
    ),
    Entry(
        "practice:plan-item-add", get=members(NOT_ALLOWED),
        post=(LOGIN, NOT_FOUND, NOT_FOUND, NOT_FOUND, Go(lambda c: c.w.own_plan.get_absolute_url()), NOT_FOUND),
        url=lambda c: reverse("practice:plan-item-add", args=[c.w.own_plan.slug]),
        data=lambda c: {"section": c.w.own_plan.sections.get().pk, "question": c.w.question.pk},
        effect=lambda c: PlanItem.objects.filter(section__plan=c.w.own_plan).exists(),
    ),
    Entry(
        "practice:plan-item-remove", get=members(NOT_ALLOWED),
        post=(LOGIN, *(Go(lambda c: c.w.plan.get_absolute_url()),) * 5),
        allowed=(MODERATOR,),
        url=lambda c: reverse("practice:plan-item-remove", args=[c.w.plan.slug, c.w.plan_item.pk]),
        effect=lambda c: not PlanItem.objects.filter(pk=c.w.plan_item.pk).exists(),
    ),
    # A member's own deck: private cards, a 404 to everyone else (moderators too).
    Entry(
        "practice:deck", get=members(OK), post=members(Go("practice:deck")),
        data=lambda c: {"file": SimpleUploadedFile("mine.csv", b"A front of my own?,A back\n"), "topic": c.w.topic.pk},
        effect=lambda c: Question.objects.filter(author=c.user, status=QuestionStatus.PRIVATE, title="A front of my own?").exists(),
    ),
    Entry(
        "practice:deck-delete", get=members(NOT_ALLOWED), post=owner_only(Go("practice:deck")),
        url=lambda c: reverse("practice:deck-delete", args=[c.w.own_card.pk]),
        effect=lambda c: not Question.objects.filter(pk=c.w.own_card.pk).exists(),
    ),
    Entry(
        "practice:deck-propose",
        get=(LOGIN, NOT_ALLOWED, FORBIDDEN, FORBIDDEN, NOT_ALLOWED, NOT_ALLOWED),
        post=(LOGIN, NOT_FOUND, FORBIDDEN, FORBIDDEN, Go(lambda c: Question.objects.filter(author=c.user, status=Status.PENDING).latest("pk").get_absolute_url()), NOT_FOUND),
        url=lambda c: reverse("practice:deck-propose", args=[c.w.own_card.pk]),
        effect=lambda c: Question.objects.filter(author=c.user, status=Status.PENDING, title=c.w.own_card.title).exists(),
    ),
    # --- moderation (the rows of tests/test_moderation_permissions.py, with all six roles) --------
    Entry("moderation:queue", get=moderators(OK), post=moderators(OK)),
    Entry("moderation:log", get=moderators(OK), post=moderators(OK)),
    Entry(
        "moderation:act", variant="approve", get=everyone(NOT_ALLOWED), post=moderators(Go("moderation:queue")),
        data=_act("approve", "proposal"),
        effect=lambda c: Question.objects.get(pk=c.w.proposal.pk).status == Status.PUBLISHED,
    ),
    Entry(
        "moderation:act", variant="flags-helpful", get=everyone(NOT_ALLOWED), post=moderators(Go("moderation:queue")),
        data=_act("flags_helpful", "answer"),
        effect=lambda c: Answer.objects.get(pk=c.w.answer.pk).status == Status.HIDDEN,
    ),
    Entry(
        "moderation:member", get=moderators(OK), post=moderators(OK),
        url=lambda c: reverse("moderation:member", args=[c.w.owner.username]),
    ),
    Entry(
        "moderation:member-suspend", get=everyone(NOT_ALLOWED), post=moderators(Go(lambda c: reverse("moderation:member", args=[c.w.owner.username]))),
        url=lambda c: reverse("moderation:member-suspend", args=[c.w.owner.username]),
        data=lambda c: {"days": "7", "reason": SUSPENSION_REASON},
        effect=lambda c: User.objects.get(pk=c.w.owner.pk).is_suspended,
    ),
    Entry(
        # The owner is suspended here: a suspended member cannot lift their own suspension.
        "moderation:member-unsuspend", get=everyone(NOT_ALLOWED), post=moderators(Go(lambda c: reverse("moderation:member", args=[c.w.owner.username]))),
        url=lambda c: reverse("moderation:member-unsuspend", args=[c.w.owner.username]),
        prepare=_suspend_owner,
        effect=lambda c: not User.objects.get(pk=c.w.owner.pk).is_suspended,
    ),
    Entry(
        # GET: the confirmation page, which asks for the reason.
        "moderation:member-purge", get=moderators(OK), post=moderators(Go(lambda c: reverse("moderation:member", args=[c.w.owner.username]))),
        url=lambda c: reverse("moderation:member-purge", args=[c.w.owner.username]),
        data=lambda c: {"reason": "spam"},
        effect=lambda c: User.objects.get(pk=c.w.owner.pk).is_suspended and Answer.objects.get(pk=c.w.answer.pk).status == Status.HIDDEN,
    ),
    Entry("moderation:removed", get=moderators(OK), post=moderators(OK)),
    Entry(
        "moderation:restore", get=everyone(NOT_ALLOWED), post=moderators(Go(lambda c: c.w.answer.get_absolute_url())),
        url=lambda c: reverse("moderation:restore", args=["answer", c.w.answer.pk]),
        prepare=_owner_deletes_answer,
        effect=lambda c: not Answer.objects.get(pk=c.w.answer.pk).is_deleted,
    ),
    Entry(
        "moderation:canonical", get=everyone(NOT_ALLOWED), post=moderators(Go(lambda c: c.w.answer.get_absolute_url())),
        url=lambda c: reverse("moderation:canonical", args=[c.w.answer.pk]),
        data=lambda c: {"canonical": "1"},
        effect=lambda c: Answer.objects.get(pk=c.w.answer.pk).is_canonical,
    ),
    Entry(
        "moderation:rollback", get=everyone(NOT_ALLOWED), post=moderators(Go(lambda c: c.w.answer.get_absolute_url())),
        url=lambda c: reverse("moderation:rollback", args=[c.w.answer.pk]),
        data=lambda c: {"number": "1"},
        effect=lambda c: Answer.objects.get(pk=c.w.answer.pk).body == BODY,
    ),
    Entry(
        "moderation:question-rollback", get=everyone(NOT_ALLOWED), post=moderators(Go(lambda c: _q(c).get_absolute_url())),
        url=lambda c: reverse("moderation:question-rollback", args=[_q(c).pk]),
        prepare=_question_edited, data=lambda c: {"number": "1"},
        effect=lambda c: Question.objects.get(pk=_q(c).pk).title == _q(c).title,
    ),
    Entry(
        "moderation:comment-rollback", get=everyone(NOT_ALLOWED), post=moderators(Go(lambda c: c.w.comment.get_absolute_url())),
        url=lambda c: reverse("moderation:comment-rollback", args=[c.w.comment.pk]),
        prepare=_comment_edited, data=lambda c: {"number": "1"},
        effect=lambda c: Comment.objects.get(pk=c.w.comment.pk).body == c.w.comment.body,
    ),
    Entry(
        # GET: the form, which asks for the reason.
        "moderation:question-close", get=moderators(OK), post=moderators(Go(lambda c: _q(c).get_absolute_url())),
        url=lambda c: reverse("moderation:question-close", args=[_q(c).pk]),
        data=lambda c: {"reason": "unclear"},
        effect=lambda c: Question.objects.get(pk=_q(c).pk).closed_at is not None,
    ),
    Entry(
        "moderation:question-reopen", get=everyone(NOT_ALLOWED), post=moderators(Go(lambda c: _q(c).get_absolute_url())),
        url=lambda c: reverse("moderation:question-reopen", args=[_q(c).pk]),
        prepare=_question_closed,
        effect=lambda c: Question.objects.get(pk=_q(c).pk).closed_at is None,
    ),
    Entry(
        # GET: the form; a POST without `confirm` the confirmation page; with it, the merge.
        "moderation:question-merge", get=moderators(OK), post=moderators(Go(lambda c: c.w.second_question.get_absolute_url())),
        url=lambda c: reverse("moderation:question-merge", args=[_q(c).pk]),
        data=lambda c: {"target": str(c.w.second_question.pk), "confirm": "True"},
        effect=lambda c: Question.objects.get(pk=_q(c).pk).merged_into_id == c.w.second_question.pk,
    ),
    Entry(
        # The form shows to the author too (the page has no link to it); sending it is refused.
        "moderation:flag", get=posters(OK), post=posters(Go(lambda c: c.w.answer.get_absolute_url()), owner=FORBIDDEN),
        url=lambda c: reverse("moderation:flag", args=["answer", c.w.answer.pk]),
        data=lambda c: {"reason": "wrong"},
        effect=lambda c: Flag.objects.filter(user=c.user).exists(),
    ),
    # --- allauth ------------------------------------------------------------------------------
    # Signed-in members are sent home from the log-in and sign-up pages (allauth's default).
    Entry(
        "account_login", get=(OK, *(Go("home"),) * 5), post=(Go("home"), *(Go("home"),) * 5),
        data=lambda c: {"login": c.w.other.username, "password": PASSWORD},
        effect=_signed_in_as(lambda c: c.w.other), allowed=(ANONYMOUS,),
    ),
    Entry(
        # Mandatory verification: the right password of an unverified member does not sign in.
        "account_login", variant="unverified-credentials", get=(OK, *(Go("home"),) * 5), post=(Go("account_email_verification_sent"), *(Go("home"),) * 5),
        data=lambda c: {"login": c.w.unverified.username, "password": PASSWORD},
        allowed=(),
    ),
    Entry(
        "account_logout", get=(Go("home"), *(OK,) * 5), post=everyone(Go("home")),
        effect=_signed_out, allowed=ROLES,
    ),
    Entry(
        "account_signup", get=(OK, *(Go("home"),) * 5), post=(Go("account_email_verification_sent"), *(Go("home"),) * 5),
        data=lambda c: {"username": "newcomer", "email": "newcomer@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        effect=lambda c: User.objects.filter(username="newcomer").exists() and len(mail.outbox) == 1,
        allowed=(ANONYMOUS,),
    ),
    Entry(
        "account_reauthenticate", get=members(OK), post=members(Go("home")),
        data=lambda c: {"password": PASSWORD},
        effect=_reauthenticated,
    ),
    Entry(
        # Reauthenticating with a code mailed to the member (allauth 65.22): the form asks for
        # the address; without one it comes back with the error, and nothing is sent. A member
        # without a verified address is sent to reauthenticate with their password instead.
        "account_request_reauthentication_code",
        get=(LOGIN, OK, Go("account_reauthenticate"), OK, OK, OK),
        post=(LOGIN, OK, Go("account_reauthenticate"), OK, OK, OK),
    ),
    Entry(
        # Confirming a code nobody requested: back to requesting one.
        "account_confirm_reauthentication_code",
        get=members(Go("account_request_reauthentication_code")),
        post=members(Go("account_request_reauthentication_code")),
    ),
    Entry(
        "account_email", get=members(OK), post=members(Go("account_email")),
        data=lambda c: {"email": "second@example.com", "action_add": ""},
        effect=lambda c: EmailAddress.objects.filter(user=c.user, email="second@example.com").exists(),
    ),
    Entry(
        "account_change_password", get=members(OK), post=members(Go("account_change_password")),
        data=lambda c: {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        effect=_password_is(NEW_PASSWORD),
    ),
    Entry(
        "account_set_password", get=members(Go("account_change_password")), post=members(Go("account_change_password")),
        data=lambda c: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        allowed=(),
    ),
    Entry(
        "account_reset_password", get=everyone(OK), post=everyone(Go("account_reset_password_done")),
        data=lambda c: {"email": c.w.owner.email},
        effect=lambda c: len(mail.outbox) == 1 and mail.outbox[0].to == [c.w.owner.email],
    ),
    Entry("account_reset_password_done", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    Entry(
        "account_reset_password_from_key", variant="link", get=everyone(Go(_set_password_url)), post=everyone(Go(_set_password_url)),
        url=_reset_url,
    ),
    Entry(
        "account_reset_password_from_key", variant="set-password", get=everyone(OK), post=everyone(Go("account_reset_password_from_key_done")),
        url=_set_password_url,
        prepare=_open_reset_link,
        data=lambda c: {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        effect=_password_is(NEW_PASSWORD, lambda c: c.w.owner),
    ),
    Entry("account_reset_password_from_key_done", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    Entry(
        # The key (mailed to the unverified member) is the permission: whoever holds it confirms
        # the address. Its owner, signed in, is then sent home; anyone else to the log-in page.
        "account_confirm_email", get=everyone(OK), post=(Go("account_login"), Go("account_login"), Go("home"), Go("account_login"), Go("account_login"), Go("account_login")),
        url=lambda c: reverse("account_confirm_email", args=[_confirmation_key(c)]),
        effect=lambda c: EmailAddress.objects.get(user=c.w.unverified).verified,
    ),
    Entry("account_email_verification_sent", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    Entry("account_inactive", get=everyone(OK), post=everyone(NOT_ALLOWED)),
    # Log-in by code (the way an owner past the log-in failure limit signs in): asking for a
    # code is for visitors; confirming one without having asked sends them to ask first.
    Entry("account_request_login_code", get=(OK, *(Go("home"),) * 5), post=(OK, *(Go("home"),) * 5)),
    Entry("account_confirm_login_code", get=(Go("account_request_login_code"), *(Go("home"),) * 5), post=(Go("account_request_login_code"), *(Go("home"),) * 5)),
    # --- the Django admin: staff only, and none of the six roles is staff ---------------------------
    # The admin's log-in is the site's (its limits): visitors are sent there, members who are
    # not staff get 403; a password posted here signs nobody in (admin-login is the same URL).
    Entry(
        "admin:login", get=(ADMIN_SITE_LOGIN, *(FORBIDDEN,) * 5), post=(ADMIN_SITE_LOGIN, *(FORBIDDEN,) * 5),
        data=lambda c: {"username": c.w.moderator.username, "password": PASSWORD},
    ),
    Entry("admin-login", get=(ADMIN_SITE_LOGIN, *(FORBIDDEN,) * 5), post=(ADMIN_SITE_LOGIN, *(FORBIDDEN,) * 5)),
    Entry("admin:logout", get=everyone(Go("admin:index")), post=everyone(Go("admin:index"))),
    Entry(
        "admin (every other admin URL)", get=everyone(ADMIN_LOGIN), post=everyone(ADMIN_LOGIN),
        matches=lambda name, text: text.startswith("admin/") and name not in ("admin:login", "admin:logout", "admin-login"),
    ),
]  # fmt: skip


# --- the world --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, reused_client):
    """Created once for the module; each test's own changes are rolled back after it."""
    with module_data(django_db_blocker):
        # The fast hasher of tests/conftest.py, which only applies inside each test.
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            w = _make_world()
        # One session per role, kept for the module (a test that ends it is rolled back):
        # cheaper than signing in for every test.
        w.sessions = {}
        for role, member in w.users.items():
            reused_client.force_login(member)
            w.sessions[role] = reused_client.cookies[settings.SESSION_COOKIE_NAME].value
            reused_client.cookies.clear()
        w.baseline = _snapshot()
        # PostgreSQL: check the deferred foreign keys once, outside the tests' savepoints.
        connection.check_constraints()
        yield w


def _make_world():
    """The six roles; a published question by the owner with the owner's answer (two revisions,
    one open flag) and comment; a pending proposal by the owner; the owner's practice session and
    card; one unread notification for every signed-in role."""
    owner = UserFactory(trusted=True, username="perm-owner")
    user = UserFactory(trusted=True, username="perm-user")
    unverified = UserFactory(trusted=True, verified=False, username="perm-unverified")
    EmailAddress.objects.create(
        user=unverified, email=unverified.email, verified=False, primary=True
    )
    suspended = UserFactory(trusted=True, username="perm-suspended")
    moderator = UserFactory(trusted=True, moderator=True, username="perm-moderator")
    other = UserFactory(trusted=True, username="perm-other")
    moderation.user_suspend(
        moderator=moderator,
        user=suspended,
        until=timezone.now() + timedelta(days=3),
        reason=SUSPENSION_REASON,
    )
    topic = TopicFactory(slug="perm-topic")
    question = practisable_question(topic=topic, author=owner)
    answer = answer_create(question=question, author=owner, body=BODY)
    answer = answer_edit(answer=answer, editor=owner, body=BODY + " Edited.")
    moderation.flag_create(user=other, post=answer, reason="wrong")
    other_answer = answer_create(question=question, author=other, body=BODY)
    hidden_answer = answer_create(
        question=question, author=owner, body=BODY + " Hidden."
    )
    moderation.post_hide(moderator=moderator, post=hidden_answer, reason="Off topic")
    comment = comment_create(author=owner, body="See also Adam.", answer=other_answer)
    proposal = question_propose(
        author=owner,
        title="What does batch normalisation do at inference time?",
        body="",
        topic=topic,
        difficulty="medium",
    )
    notifications = {
        member.pk: Notification.objects.create(
            recipient=member,
            actor=other,
            kind=Notification.Kind.COMMENT,
            message="Someone commented on your answer.",
            url=question.get_absolute_url(),
        )
        for member in [owner, user, unverified, suspended, moderator]
    }
    Notification.objects.filter(read_at__isnull=True).exclude(
        pk__in=[n.pk for n in notifications.values()]
    ).update(read_at=timezone.now())
    session = session_start(user=owner, mode=Mode.DUE, size=2)
    card = Card.objects.create(user=owner, question=question)
    question_list = QuestionList.objects.create(
        user=owner, name="Owner's list", is_public=True
    )
    ListEntry.objects.create(question_list=question_list, question=question)
    plan = StudyPlan.objects.create(slug="shipped", title="Shipped", is_public=True)
    section = PlanSection.objects.create(plan=plan, title="One", position=1)
    plan_item = PlanItem.objects.create(section=section, question=question, position=1)
    own_card = Question.objects.create(
        title="A card of the owner's own deck, for the matrix?",
        topic=topic,
        author=owner,
        status=QuestionStatus.PRIVATE,
        dedup_key="own:matrix",
    )
    own_plan = StudyPlan.objects.create(slug="owners", title="Owner's", author=owner)
    PlanSection.objects.create(plan=own_plan, title="One", position=1)
    token, _key = token_create(user=owner, name="A script")
    users = {
        USER: user,
        UNVERIFIED: unverified,
        SUSPENDED: suspended,
        OWNER: owner,
        MODERATOR: moderator,
    }
    return SimpleNamespace(
        users=users,
        owner=owner,
        user=user,
        unverified=unverified,
        suspended=suspended,
        moderator=moderator,
        other=other,
        topic=topic,
        question=Question.objects.get(pk=question.pk),
        answer=answer,
        other_answer=other_answer,
        hidden_answer=hidden_answer,
        comment=comment,
        proposal=proposal,
        second_question=practisable_question(topic=topic),
        notification=notifications[owner.pk],
        session=session,
        item=session.items.get(),
        card=card,
        question_list=question_list,
        plan=plan,
        plan_item=plan_item,
        own_plan=own_plan,
        own_card=own_card,
        token=token,
    )


# --- the cases --------------------------------------------------------------------------------


@dataclass
class Case:
    """One request: what the entries' functions receive."""

    w: SimpleNamespace
    role: str
    user: User | None
    client: Client
    url: str = ""
    response: object = None


def _generic_url(c, name, text, pattern):
    """A URL for a pattern no entry builds itself (the admin's): arguments are placeholders."""
    values = {
        "object_id": "1",
        "id": 1,
        "app_label": "questions",
        "content_type_id": ContentType.objects.get_for_model(Question).pk,
        "url": "no-such-page/",
    }
    kwargs = {arg: values[arg] for arg in pattern_arguments(pattern)}
    if name is None:
        if "url" in kwargs:  # the admin's catch-all
            return "/admin/no-such-page/"
        return fill_route(text, kwargs)
    return reverse(name, kwargs=kwargs)


def _cases():
    for name, text, pattern in PATTERNS:
        for entry in MATRIX:
            if not entry.applies_to(name, text):
                continue
            label = (name or text) + (f"({entry.variant})" if entry.variant else "")
            for method in ("get", "post"):
                for role in ROLES:
                    yield pytest.param(
                        entry,
                        (name, text, pattern),
                        method,
                        role,
                        id=f"{label}-{method.upper()}-{role}",
                    )


CASES = list(_cases())


# The database tables a request could change (sessions and the static tables left out), read in
# one query: each row as one text, so that a test costs one snapshot, not one query per table.
SNAPSHOT_SKIP = {"sessions.session", "contenttypes.contenttype", "auth.permission"}
VOLATILE_COLUMNS = {"last_login"}


@functools.cache
def _snapshot_sql():
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        literal = "quote_nullable({}::text)"
    else:
        literal = "quote({})"
    selects = []
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in SNAPSHOT_SKIP:
            continue
        row = " || '|' || ".join(
            literal.format(quote(f.column))
            for f in model._meta.concrete_fields
            if f.attname not in VOLATILE_COLUMNS
        )
        selects.append(f"SELECT '{label}', {row} FROM {quote(model._meta.db_table)}")
    return " UNION ALL ".join(selects)


def _snapshot():
    """Every row of every table, grouped by model: what a refused request must leave alone."""
    state = {}
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        for label, row in cursor.fetchall():
            state.setdefault(label, []).append(row)
    return {label: sorted(rows) for label, rows in state.items()}


def _diff(before, after):
    return sorted(
        label
        for label in before.keys() | after.keys()
        if before.get(label) != after.get(label)
    )


@pytest.fixture(scope="module")
def reused_client():
    # One client for the module: each new Client costs WhiteNoise a scan of every static file.
    return Client()


def _check_response(case, expected):
    response, url = case.response, case.url
    status, location = response.status_code, response.get("Location")
    actual = f"{status} {location or ''}".strip()
    if expected == LOGIN:
        assert (status, location) == (
            302,
            reverse("account_login") + "?next=" + quote(url, safe="/"),
        ), actual
    elif expected == ADMIN_LOGIN:
        assert (status, location) == (
            302,
            reverse("admin:login") + "?next=" + quote(url, safe="/"),
        ), actual
    elif isinstance(expected, Go):
        assert (status, location) == (expected.status, expected.url(case)), actual
    else:
        assert status == expected, actual


@pytest.mark.parametrize(("entry", "pattern", "method", "role"), CASES)
def test_permission_matrix(world, reused_client, entry, pattern, method, role):
    client = reused_client
    client.cookies.clear()
    user = world.users.get(role)
    if user is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    case = Case(w=world, role=role, user=user, client=client)
    case.url = (entry.url or (lambda c: _generic_url(c, *pattern)))(case)
    if entry.prepare:
        entry.prepare(case)
    data = entry.data(case) if (entry.data and method == "post") else {}
    mail.outbox = []
    # Every test starts from the same state (the last one's changes were rolled back).
    before = _snapshot() if entry.prepare else world.baseline
    case.response = getattr(client, method)(case.url, data)
    expected = (entry.get if method == "get" else entry.post)[ROLES.index(role)]
    _check_response(case, expected)
    if method == "post" and entry.effect and role in entry.allowed_roles():
        assert entry.effect(case), "an allowed POST did not do its job"
    elif not (method == "get" and role in entry.get_changes):
        assert _diff(before, _snapshot()) == [], "a refused request changed something"


def test_every_url_pattern_has_an_entry():
    """A new URL fails here until MATRIX says who may GET and POST it; a stale entry fails too."""
    missing = [
        name or text
        for name, text, _ in PATTERNS
        if not any(entry.applies_to(name, text) for entry in MATRIX)
    ]
    assert missing == [], f"add entries to MATRIX for {missing}"
    stale = [
        entry.pattern
        for entry in MATRIX
        if not any(entry.applies_to(name, text) for name, text, _ in PATTERNS)
    ]
    assert stale == [], f"no such URL pattern: {stale}"
    assert all(len(entry.get) == len(entry.post) == len(ROLES) for entry in MATRIX)
    names = {name for name, _, _ in PATTERNS}
    assert {"account_login", "account_signup", "admin:index", "home"} <= names
    assert len(PATTERNS) > 100  # ours, allauth's and the admin's


ADMIN_PATTERNS = [p for p in PATTERNS if p[1].startswith("admin/")]


@pytest.mark.parametrize(
    "pattern", ADMIN_PATTERNS, ids=[name or text for name, text, _ in ADMIN_PATTERNS]
)
def test_staff_get_past_the_admin_login(world, reused_client, pattern):
    """The control for the admin rule above: the same URLs are real admin pages for staff."""
    staff = UserFactory(is_staff=True, is_superuser=True)
    reused_client.cookies.clear()
    reused_client.force_login(staff)
    url = _generic_url(None, *pattern)
    response = reused_client.get(url)
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, url
    assert not response.get("Location", "").startswith(reverse("admin:login")), url


@pytest.mark.parametrize("role", [SUSPENDED, UNVERIFIED])
def test_members_who_may_not_post_keep_their_public_profile_and_are_told_why(
    world, reused_client, role
):
    """The display name shows on every answer: a suspended member cannot rename themselves."""
    reused_client.cookies.clear()
    reused_client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    response = reused_client.post(
        reverse("accounts:settings"),
        {"display_name": "Cheap courses", "bio": "Buy my course."},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN
    refusal = re.search(
        r'<section class="error-page">(.*?)</section>', response.content.decode(), re.S
    )
    reason = SUSPENSION_REASON if role == SUSPENDED else "Verify your e-mail address"
    assert refusal and reason in refusal.group(1)
    member = User.objects.get(pk=world.users[role].pk)
    assert (member.display_name, member.bio) == ("", "")
