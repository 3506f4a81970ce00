"""CSRF: every URL of the project refuses a POST without a CSRF token.

The URL patterns are walked recursively (ours, allauth's and the admin's), each one is filled with
real objects, and a POST without a token must come back as Django's CSRF failure (403), both for a
signed-in member and for an anonymous visitor. CsrfViewMiddleware checks before the view runs, so a
GET-only view answers 403 too, never 405: there is no "GET-only" exception to make. A URL that
does not answer 403 must be listed in ``NOT_CSRF_PROTECTED`` with the reason, and a pattern whose
arguments cannot be filled in fails ``test_every_url_pattern_is_covered``: adding a URL forces a
decision.

A control POST with a valid token (as a moderator and superuser, so it reaches every view's own
code) must *not* get the CSRF failure, nor a 500: the 403s above really come from the missing token.
"""

from http import HTTPStatus

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import reverse
from django.urls.resolvers import RoutePattern

from moderation.models import Flag
from practice.models import Card, Mode
from practice.services import session_start
from questions.models import Notification
from questions.services.answers import answer_create
from questions.services.comments import comment_create
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
)
from tests.module_data import module_data
from tests.url_patterns import (
    ADMIN_CATCH_ALL,
    PATTERN_IDS,
    PATTERNS,
    fill_route,
    pattern_arguments,
)

pytestmark = pytest.mark.django_db

# URLs allowed to accept a POST without a CSRF token, with the reason. Keep it empty.
# The API's operations (Django Ninja marks them csrf_exempt) only answer GET: a POST gets a 405
# (tests/test_security_permissions.py), and the personal part reads a bearer token, never the
# session cookie a forged request would carry.
_API_READ_ONLY = "read-only API operation: POST is 405; a bearer token, not the session"
NOT_CSRF_PROTECTED = dict.fromkeys(
    (
        "api:question_list",
        "api:question_detail",
        "api:topic_list",
        "api:member_profile",
        "api:my_reviews",
        "api:my_export_csv",
        "api:my_export_anki",
    ),
    _API_READ_ONLY,
)
# RFC 8058 one-click unsubscribe: mail programs POST to the link from the mail's header without
# cookies or a token; the signed link is the proof, and all it can do is turn a mail off.
NOT_CSRF_PROTECTED["notifications:unsubscribe"] = (
    "RFC 8058: the signed link is the proof"
)
# allauth's Google One Tap endpoint: Google posts a signed credential with its own double-submit
# check (the g_csrf_token cookie and field); a 404 unless Google sign-in is configured.
NOT_CSRF_PROTECTED["google_login_by_token"] = "Google's g_csrf_token double submit"
CSRF_FAILURE = b"CSRF verification failed"


@pytest.fixture(scope="module")
def objects(django_db_setup, django_db_blocker):
    """Created once for the module; each test's own changes are rolled back after it."""
    with module_data(django_db_blocker):
        objects = _make_objects()
        # PostgreSQL: check the deferred foreign keys once, outside the tests' savepoints.
        connection.check_constraints()
        yield objects


def _make_objects():
    """Real objects for every kind of URL argument, owned by the signed-in member where it matters."""
    # A moderator and superuser, so that the control POSTs reach every view's own code.
    member = UserFactory(
        trusted=True,
        moderator=True,
        is_staff=True,
        is_superuser=True,
        username="csrf-member",
    )
    other = UserFactory(trusted=True, username="csrf-other")
    topic = TopicFactory(slug="csrf-topic")
    question = QuestionFactory(topic=topic)
    AnswerFactory(
        question=question,
        author=None,
        source=SourceFactory(),
        body="A reference answer so that practice can show the question.",
    )
    answer = answer_create(
        question=question,
        author=member,
        body="An answer of the member, long enough to be accepted.",
    )
    other_answer = answer_create(
        question=question,
        author=other,
        body="An answer of another member, long enough to be accepted.",
    )
    comment = comment_create(author=member, body="A comment.", answer=other_answer)
    notification = Notification.objects.create(
        recipient=member,
        actor=other,
        kind=Notification.Kind.COMMENT,
        message="Someone commented.",
        url=question.get_absolute_url(),
    )
    session = session_start(user=member, mode=Mode.DUE, size=1)
    item = session.items.first()
    card = Card.objects.create(user=member, question=question)
    by_name = {
        "questions:answer-edit": {"pk": answer.pk},
        "questions:answer-delete": {"pk": answer.pk},
        "questions:answer-history": {"pk": answer.pk},
        "questions:answer-vote": {"pk": other_answer.pk},
        "questions:answer-comment": {"pk": other_answer.pk},
        "questions:comment-edit": {"pk": comment.pk},
        "questions:comment-delete": {"pk": comment.pk},
        "questions:comment-history": {"pk": comment.pk},
        "moderation:comment-rollback": {"pk": comment.pk},
        "questions:detail": {"pk": question.pk, "slug": question.slug},
        "questions:topic": {"slug": topic.slug},
        "notification-open": {"pk": notification.pk},
        "practice:card": {"pk": card.pk},
        "moderation:canonical": {"pk": other_answer.pk},
        "moderation:rollback": {"pk": other_answer.pk},
        "moderation:flag": {"kind": "answer", "pk": other_answer.pk},
        "moderation:member": {"username": other.username},
        "moderation:member-suspend": {"username": other.username},
        "moderation:member-unsuspend": {"username": other.username},
        "moderation:member-purge": {"username": other.username},
    }
    by_argument = {
        "pk": question.pk,  # questions/<pk>/...; practice sessions are overridden below
        "question_id": question.pk,  # the API's
        "section": "questions",  # the sitemap's
        "item_pk": item.pk,
        "question_pk": question.pk,
        "token": "not-a-real-share-token",
        "username": member.username,
        "slug": question.slug,
        "kind": "answer",
        "key": "not-a-real-key",
        "uidb36": "1",
        "app_label": "questions",
        "object_id": str(question.pk),
        "id": member.pk,
        "content_type_id": ContentType.objects.get_for_model(Flag).pk,
    }
    for name in [
        "practice:session",
        "practice:reveal",
        "practice:grade",
        "practice:end",
    ]:
        by_name[name] = {"pk": session.pk}
    return member, by_name, by_argument


def concrete_url(name, text, pattern, by_name, by_argument):
    if text == ADMIN_CATCH_ALL:
        return "/admin/no-such-page/"
    kwargs = {arg: by_argument[arg] for arg in pattern_arguments(pattern)}
    kwargs.update(by_name.get(name, {}))
    if name is None:  # the admin's unnamed redirects, such as <path:object_id>/
        return fill_route(text, kwargs)
    return reverse(name, kwargs=kwargs)


def test_every_url_pattern_is_covered(objects):
    """Every pattern has arguments this module knows how to fill (or is a known special case)."""
    _member, _by_name, by_argument = objects
    unknown = [
        (name or text, sorted(pattern_arguments(pattern) - set(by_argument)))
        for name, text, pattern in PATTERNS
        if text != ADMIN_CATCH_ALL
        and (
            pattern_arguments(pattern) - set(by_argument)
            or (name is None and not isinstance(pattern.pattern, RoutePattern))
        )
    ]
    assert not unknown, f"teach test_security_csrf.py these URLs: {unknown}"
    assert len(PATTERNS) > 100  # ours, allauth's and the admin's
    assert {
        "account_login",
        "account_signup",
        "account_logout",
        "account_reset_password",
    } <= set(PATTERN_IDS)


@pytest.fixture(scope="module")
def reused_client():
    # One client for the module: each new Client costs WhiteNoise a scan of every static file.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def csrf_client(reused_client):
    def signed_in_as(user=None):
        reused_client.cookies.clear()
        if user is not None:
            reused_client.force_login(user)
        return reused_client

    return signed_in_as


@pytest.mark.parametrize("signed_in", [True, False], ids=["member", "anonymous"])
@pytest.mark.parametrize(("name", "text", "pattern"), PATTERNS, ids=PATTERN_IDS)
def test_post_without_token_is_refused(
    objects, csrf_client, name, text, pattern, signed_in
):
    member, by_name, by_argument = objects
    url = concrete_url(name, text, pattern, by_name, by_argument)
    client = csrf_client(member if signed_in else None)
    # A form post and an htmx post (which sends the token in a header, here missing).
    for headers in [{}, {"HX-Request": "true"}]:
        response = client.post(url, {"body": "x" * 40, "value": "1"}, headers=headers)
        if (name or text) in NOT_CSRF_PROTECTED:
            continue
        assert response.status_code == HTTPStatus.FORBIDDEN, (
            f"{url} answered {response.status_code} to a POST without a CSRF token"
        )
        assert CSRF_FAILURE in response.content, f"{url}: a 403, but not from CSRF"


@pytest.mark.parametrize(("name", "text", "pattern"), PATTERNS, ids=PATTERN_IDS)
def test_post_with_token_passes_the_csrf_check(
    objects, csrf_client, name, text, pattern
):
    """The control: with a valid token the same POST reaches the view (whatever it answers)."""
    member, by_name, by_argument = objects
    url = concrete_url(name, text, pattern, by_name, by_argument)
    client = csrf_client(member)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = client.post(url, {}, headers={"X-CSRFToken": secret})
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    if not response.streaming:  # the CSV export streams; a CSRF failure never does
        assert CSRF_FAILURE not in response.content
