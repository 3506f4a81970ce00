"""Issue 15's findings about input that gave a 500 or a wrong answer, each with the request that
showed it: a NUL byte in a path or a purge reason, a form in UTF-16, error pages that must not
read the request's body, two identical submissions at one instant, repeated query parameters
and the page cache, members' pages and shared caches, and the benchmark's page in production."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse

from accounts.models import User
from caching.pages import HIT_HEADER
from mlqa import views as site_views
from moderation.models import AuditLogEntry
from questions.models import Question
from tests.factories import QuestionFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


# A NUL byte


@pytest.mark.parametrize(
    "path",
    ["/users/%00/", "/moderation/members/%00/", "/questions/topics/a%00b/", "/%00"],
)
def test_a_nul_in_the_path_is_a_400(moderator_client, path):
    response = moderator_client.get(path)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"NUL" in response.content


def test_a_nul_in_a_search_is_dropped_not_a_500(client):
    response = client.get("/questions/?q=a%00b")
    assert response.status_code == HTTPStatus.OK


def test_a_purge_reason_with_a_nul_or_over_300_characters_is_a_400(moderator_client):
    spammer = UserFactory(username="spammer")
    url = reverse("moderation:member-purge", args=[spammer.username])
    for reason in ("spam\x00link", "x" * 1_000_000):
        response = moderator_client.post(url, {"reason": reason})
        assert response.status_code == HTTPStatus.BAD_REQUEST
    spammer.refresh_from_db()
    assert not spammer.is_suspended
    assert not AuditLogEntry.objects.filter(action=AuditLogEntry.Action.PURGE).exists()
    response = moderator_client.post(url, {"reason": "Posting links to a shop"})
    assert response.status_code == HTTPStatus.FOUND
    entry = AuditLogEntry.objects.get(action=AuditLogEntry.Action.PURGE)
    assert entry.reason.endswith("Posting links to a shop")


# Bodies in another charset, and error pages that don't read the body


def test_a_form_in_utf16_is_a_400_for_a_visitor_and_a_member(user):
    body = "csrfmiddlewaretoken=x&body=hello".encode("utf-16")
    visitor, member = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    member.force_login(user)
    for client in (visitor, member):
        # generic(): the bytes as they are (post() would encode the body itself).
        response = client.generic(
            "POST",
            "/questions/answers/preview/",
            body,
            content_type="application/x-www-form-urlencoded; charset=utf-16",
        )
        assert response.status_code == HTTPStatus.BAD_REQUEST
        assert b"UTF-8" in response.content


def test_an_unknown_charset_is_a_400(user_client):
    response = user_client.generic(
        "POST",
        "/settings/",
        b"display_name=x",
        content_type="text/plain; charset=no-such",
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_utf8_forms_still_work(user_client, user):
    response = user_client.post(
        "/settings/",
        "display_name=Zoë&bio=".encode(),
        content_type="application/x-www-form-urlencoded; charset=UTF-8",
    )
    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.display_name == "Zoë"


class _UnreadableBody:
    """A request whose body raises when anything reads it."""

    def __getattr__(self, name):
        raise AssertionError(f"an error page read request.{name}")


@pytest.mark.parametrize(
    "handler, status",
    [
        ("handler400", HTTPStatus.BAD_REQUEST),
        ("handler403", HTTPStatus.FORBIDDEN),
        ("handler404", HTTPStatus.NOT_FOUND),
        ("handler500", HTTPStatus.INTERNAL_SERVER_ERROR),
    ],
)
def test_error_pages_render_without_reading_the_body(rf, handler, status):
    from mlqa import urls

    view = getattr(site_views, getattr(urls, handler).rsplit(".", 1)[1])
    request = _request_with_unreadable_body(rf)
    args = () if handler == "handler500" else (Exception(""),)
    response = view(request, *args)
    assert response.status_code == status


def _request_with_unreadable_body(rf):
    request = rf.post("/x/", "body=1", content_type="application/x-www-form-urlencoded")
    request.user = AnonymousUser()
    request._stream = _UnreadableBody()
    return request


def test_the_429_and_csrf_pages_render_without_reading_the_body(rf):
    from django.views.csrf import csrf_failure

    from accounts.permissions import refuse

    response = refuse(_request_with_unreadable_body(rf), "Slow down.", status=429)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    response = csrf_failure(_request_with_unreadable_body(rf), reason="no token")
    assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_429_keeps_the_members_text(user_client, settings, monkeypatch):
    from accounts import ratelimit

    monkeypatch.setitem(ratelimit.LIMITS, "answer", (0, 3600, "at most none"))
    question = QuestionFactory()
    text = "An answer that took a long time to write, with care."
    response = user_client.post(
        reverse("questions:answer-create", args=[question.pk]), {"body": text}
    )
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert text.encode() in response.content
    assert b"at most none" in response.content


# Two identical submissions at one instant


def test_two_identical_proposals_at_one_instant_make_one_question(
    user_client, monkeypatch
):
    """Both requests pass the duplicate check before either saves (as two workers would): the
    database's unique key refuses the second, which gets the form back with the reason."""
    from questions.services import questions as question_services

    monkeypatch.setattr(question_services, "_check_unique", lambda question: None)
    monkeypatch.setattr(Question, "validate_unique", lambda self, exclude=None: None)
    topic = TopicFactory()
    form = {
        "title": "What does the bias-variance trade-off say?",
        "body": "",
        "topic": topic.pk,
        "difficulty": "medium",
    }
    first = user_client.post(reverse("questions:propose"), form)
    second = user_client.post(reverse("questions:propose"), form)
    assert first.status_code == HTTPStatus.FOUND
    assert second.status_code == HTTPStatus.BAD_REQUEST
    assert "already in the bank" in second.content.decode()
    assert Question.objects.filter(title=form["title"]).count() == 1


def test_two_identical_sign_ups_at_one_instant_make_one_account(client, monkeypatch):
    """Both sign-ups pass allauth's "username taken" check before either saves: the second
    gets the form back saying so, not a 500."""
    from allauth.account import adapter as allauth_adapter

    original = allauth_adapter.DefaultAccountAdapter.clean_username
    monkeypatch.setattr(
        allauth_adapter.DefaultAccountAdapter,
        "clean_username",
        lambda self, username, shallow=False: original(self, username, shallow=True),
    )
    form = {
        "username": "twin",
        "email": "twin@example.com",
        "password1": "a long and unusual password 1",
        "password2": "a long and unusual password 1",
    }
    first = client.post(reverse("account_signup"), form)
    client.logout()
    second = Client().post(
        reverse("account_signup"), {**form, "email": "twin2@example.com"}
    )
    assert first.status_code == HTTPStatus.FOUND
    assert second.status_code == HTTPStatus.OK  # the form again, with the reason
    assert "username" in second.content.decode().lower()
    assert User.objects.filter(username="twin").count() == 1


# Repeated parameters and the page cache


def test_repeated_query_parameters_are_cached_as_the_view_reads_them(client):
    QuestionFactory(title="What is alpha dropout in neural networks?")
    QuestionFactory(title="What is beta regularisation for small data?")
    first = client.get("/questions/?q=alpha&q=beta")
    again = client.get("/questions/?q=alpha&q=beta")
    swapped = client.get("/questions/?q=beta&q=alpha")
    assert again[HIT_HEADER] == "hit"
    assert (
        swapped[HIT_HEADER] == "miss"
    )  # not the first page: the view reads the last value
    assert 'value="beta"' in first.content.decode()
    assert 'value="alpha"' in swapped.content.decode()


# Members' pages and shared caches


def test_members_pages_are_private_and_visitors_pages_are_not(client, user):
    visitor = client.get("/questions/")
    assert "private" not in visitor.get("Cache-Control", "")
    member = Client()
    member.force_login(user)
    for path in ("/questions/", "/settings/", "/practice/", "/"):
        response = member.get(path)
        assert "private" in response["Cache-Control"], path


def test_signing_in_is_private(client, user):
    from tests.factories import PASSWORD

    response = client.post(
        reverse("account_login"), {"login": user.username, "password": PASSWORD}
    )
    assert response.cookies
    assert "private" in response["Cache-Control"]


# The benchmark's page


def test_the_benchmark_page_is_not_served_in_production(client, settings):
    settings.BENCH_PAGES = False
    assert client.get("/_bench/trivial/").status_code == HTTPStatus.NOT_FOUND
    settings.BENCH_PAGES = True
    assert client.get("/_bench/trivial/").status_code == HTTPStatus.OK


def test_bench_pages_default_to_debug_only():
    import os
    import subprocess
    import sys

    env = {
        k: v for k, v in os.environ.items() if k not in ("DEBUG", "MLQA_BENCH_PAGES")
    }
    code = "import django; django.setup(); from django.conf import settings; print(settings.BENCH_PAGES)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


# Found by the fuzzing pass (tests/test_security_fuzz.py)


def test_the_admin_deletes_a_question_whose_answers_have_comments_and_votes(client):
    """The cascade deleted the answer before its comments' and votes' declarations read it
    (questions/caching.py): a 500 for every such question."""
    from questions.models import Vote
    from questions.services.comments import comment_create
    from tests.factories import AnswerFactory

    staff = UserFactory(is_staff=True, is_superuser=True, trusted=True)
    answer = AnswerFactory()
    comment_create(author=UserFactory(trusted=True), body="A remark.", answer=answer)
    Vote.objects.create(user=UserFactory(), answer=answer, value=1)
    client.force_login(staff)
    url = reverse("admin:questions_question_delete", args=[answer.question_id])
    response = client.post(url, {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert not Question.objects.filter(pk=answer.question_id).exists()


def test_the_admin_log_in_with_a_next_that_is_not_a_path(client):
    staff = UserFactory(is_staff=True, trusted=True)
    client.force_login(staff)
    assert client.get("/admin/login/?next=" + "9" * 40)["Location"] == "/admin/"
