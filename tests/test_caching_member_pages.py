"""Members' pages from cached parts (caching.cached_page), the member read from the cache
on GET requests (caching.members), session keys that name the member (caching.sessions),
and this process's copies of cached entries (caching.nearcache).

With `production_caches` the cache behaves as Redis does in production (shared by all workers).
Every write goes through the real views, as members and moderators make them, and each test
checks what the next page shows at once.
"""

import re
import time
from datetime import timedelta
from http import HTTPStatus
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.middleware.csrf import _mask_cipher_secret, _unmask_cipher_token
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from caching import rows_changed
from caching.html import (
    CSRF_PLACEHOLDER,
    collapse_whitespace,
    compile_html,
    expand,
)
from caching.nearcache import NearCache
from caching.pages import HIT_HEADER
from caching.sessions import SessionStore, member_hint
from caching.tokens import _version_key
from moderation.services import moderator_set
from practice.models import Card, PracticeSession
from questions.caching import question_token
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    UserFactory,
    signed_in_client,
)
from tests.practice_factories import current_item, grade, make_bank, urls_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_caches")]

PASSWORD = "a-long-enough-passphrase-7"
LIST = reverse("questions:list")
PRACTICE = reverse("practice:home")


def html(response):
    assert response.status_code == HTTPStatus.OK
    return response.content.decode()


def header(response):
    return re.search(r'<header class="site-header">.*?</header>', html(response), re.S)[
        0
    ]


def served_twice(client, url):
    """The second of two views, which comes from the cache."""
    client.get(url)
    response = client.get(url)
    assert response[HIT_HEADER] == "hit", url
    return response


@pytest.fixture
def answer():
    return AnswerFactory(
        question=QuestionFactory(
            title="Why does batch normalisation speed up training?"
        ),
        author=UserFactory(trusted=True, display_name="Ada Answerer"),
        body="It keeps each layer's inputs in a steady range.",
    )


# --- session keys ---------------------------------------------------------------------------


def test_signing_in_gives_the_session_a_key_that_names_the_member():
    member = UserFactory(username="grace", password=PASSWORD)
    client = Client()
    client.post(reverse("account_login"), {"login": "grace", "password": PASSWORD})
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert member_hint(key) == member.pk
    assert len(key) <= 40  # django_session.session_key
    client.post(reverse("account_logout"))
    assert member_hint(client.cookies[settings.SESSION_COOKIE_NAME].value) is None


def test_a_session_key_that_names_someone_else_is_only_a_hint(answer):
    """The id in the key only says which member to read with the session; the session decides."""
    owner = signed_in_client(display_name="Owner Olga")
    owner.post(
        reverse("questions:answer-vote", args=[answer.pk]), {"value": "1"}
    )  # her own page of the question now shows her upvote
    served_twice(owner, answer.question.get_absolute_url())
    intruder = UserFactory(trusted=True, display_name="Intruder Ivan")
    session = SessionStore()
    session._session_key = f"{owner.member.pk}-{'x' * 32}"  # names Olga
    session.update(
        {
            SESSION_KEY: str(intruder.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: intruder.get_session_auth_hash(),
        }
    )
    session.save(must_create=True)
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    page = html(client.get(answer.question.get_absolute_url()))
    assert "Intruder Ivan" in page and "Owner Olga" not in page
    assert 'aria-pressed="true"' not in page  # not Olga's vote


def test_a_password_changed_elsewhere_signs_the_other_sessions_out(answer):
    laptop = signed_in_client(display_name="Grace Hopper")
    laptop.member.set_password(PASSWORD)
    laptop.member.save()
    laptop.force_login(laptop.member)
    phone = Client()
    phone.force_login(laptop.member)
    served_twice(phone, LIST)  # her copy, layout and the list are cached
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "x" + PASSWORD,
            "password2": "x" + PASSWORD,
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    assert "Grace Hopper" in header(
        laptop.get(LIST)
    )  # the session that changed it stays in
    assert "Grace Hopper" not in header(phone.get(LIST))
    assert "Sign in" in header(phone.get(LIST))


# --- the member read from the cache ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["list", "question", "practice"])
def test_a_members_page_from_the_cache_runs_no_query(
    answer, kind, django_assert_num_queries
):
    client = signed_in_client()
    url = {
        "list": LIST,
        "question": answer.question.get_absolute_url(),
        "practice": PRACTICE,
    }[kind]
    served_twice(client, url)
    with django_assert_num_queries(0):
        assert client.get(url)[HIT_HEADER] == "hit"


def test_the_header_follows_the_members_reputation_name_and_role(answer):
    author = Client()
    author.force_login(answer.author)
    served_twice(author, LIST)
    voter = signed_in_client()
    voter.post(reverse("questions:answer-vote", args=[answer.pk]), {"value": "1"})
    assert '<span class="rep" title="Reputation">25</span>' in header(author.get(LIST))
    author.post(reverse("accounts:settings"), {"display_name": "Ada L.", "bio": ""})
    assert "Ada L." in header(author.get(LIST))
    assert "Moderation" not in header(author.get(LIST))
    moderator_set(user=answer.author, is_moderator=True)
    assert "Moderation" in header(author.get(LIST))


def test_the_header_counts_new_notifications_at_once():
    asker = signed_in_client()
    question = QuestionFactory(author=asker.member)
    asker.post(reverse("questions:follow", args=[question.pk]))
    served_twice(asker, LIST)
    before = header(asker.get(LIST))
    signed_in_client().post(
        reverse("questions:answer-create", args=[question.pk]),
        {"body": "Normalising the activations smooths the loss landscape."},
    )
    after = header(asker.get(LIST))
    assert 'class="unread-count"' not in before
    assert 'class="unread-count">1<' in after


def test_a_suspension_shows_at_once_and_ends_the_members_cached_pages(answer):
    member = signed_in_client()
    served_twice(member, answer.question.get_absolute_url())
    moderator = signed_in_client(moderator=True)
    moderator.post(
        reverse("moderation:member-suspend", args=[member.member.username]),
        {"days": "3", "reason": "Posting links to a course you sell"},
    )
    page = member.get(answer.question.get_absolute_url())
    assert (
        page.get(HIT_HEADER) is None
    )  # rendered for them: their forms say they can't post
    assert "Your account is suspended" in html(page)
    assert "Your account is suspended" in html(member.get(LIST))


def test_a_get_requests_member_read_from_the_cache_cannot_be_saved(answer):
    client = signed_in_client()
    response = served_twice(client, LIST)
    user = response.wsgi_request.user
    assert user.read_from_cache
    with pytest.raises(RuntimeError, match="read from the cache"):
        user.save()


def test_posts_read_the_members_row_from_the_database(answer):
    """A row changed behind the services' backs (no token replaced) is still what a POST acts on."""
    client = signed_in_client()
    served_twice(client, LIST)
    User.objects.filter(pk=client.member.pk).update(
        suspended_until=timezone.now() + timedelta(days=1), suspension_reason="Spam"
    )
    response = client.post(
        reverse("questions:answer-create", args=[answer.question_id]),
        {"body": "A suspended member's answer must not be posted."},
    )
    assert response.status_code == HTTPStatus.FORBIDDEN


# --- the layout around the parts ------------------------------------------------------------


def test_messages_are_shown_once_around_cached_parts():
    client = signed_in_client(display_name="Grace")
    served_twice(client, LIST)
    client.post(reverse("accounts:settings"), {"display_name": "Grace", "bio": "Hi"})
    with_message = client.get(LIST)
    assert with_message[HIT_HEADER] == "hit"  # the content from the cache
    assert "Your profile was saved." in html(with_message)
    assert "Your profile was saved." not in html(client.get(LIST))


def test_the_header_marks_the_section_and_shows_the_search():
    client = signed_in_client()
    served_twice(client, LIST)
    served_twice(client, PRACTICE)
    questions_nav = re.search(r'<a href="/questions/"[^>]*>', header(client.get(LIST)))[
        0
    ]
    practice_nav = re.search(r'<a href="/practice/"[^>]*>', header(client.get(LIST)))[0]
    assert "aria-current" in questions_nav and "aria-current" not in practice_nav
    on_practice = header(client.get(PRACTICE))
    assert 'href="/practice/" aria-current="page"' in on_practice
    search = served_twice(client, LIST + "?q=dropout")
    assert 'value="dropout"' in header(search)
    assert 'value=""' in header(client.get(LIST))


# --- private pages ---------------------------------------------------------------------------


def test_a_members_own_vote_follow_and_pending_answer_show_on_their_page_at_once(
    answer,
):
    url = answer.question.get_absolute_url()
    member = signed_in_client()
    other = signed_in_client()
    served_twice(member, url)
    served_twice(other, url)
    member.post(reverse("questions:answer-vote", args=[answer.pk]), {"value": "1"})
    assert 'aria-pressed="true"' in html(member.get(url))
    assert 'aria-pressed="true"' not in html(other.get(url))
    member.post(reverse("questions:follow", args=[answer.question_id]))
    assert 'aria-pressed="true">Following<' in html(member.get(url))
    assert ">Following<" not in html(other.get(url))
    newcomer = Client()
    newcomer.force_login(UserFactory())  # their answers wait for review
    served_twice(newcomer, url)
    newcomer.post(
        reverse("questions:answer-create", args=[answer.question_id]),
        {"body": "Marker: a newcomer's answer, waiting for a moderator."},
    )
    assert "Marker: a newcomer" in html(newcomer.get(url))
    assert "Marker: a newcomer" not in html(other.get(url))


@pytest.fixture
def bank():
    return make_bank()


@pytest.fixture
def practising(bank):
    client = signed_in_client()
    client.post(reverse("practice:start"), {"mode": "new", "size": 3})
    client.practice_session = PracticeSession.objects.get(user=client.member)
    return client


def test_the_card_shows_the_answers_once_revealed_and_follows_the_question(practising):
    url = practising.practice_session.get_absolute_url()
    item = current_item(practising.practice_session)
    served_twice(practising, url)
    reveal, _ = urls_for(item)
    practising.post(reveal, {"attempt": "The chain rule, layer by layer."})
    served_twice(practising, url)
    assert "How well did you recall it?" in html(practising.get(url))
    signed_in_client().post(
        reverse("questions:answer-create", args=[item.question_id]),
        {"body": "Marker: a new community answer to the practised question."},
    )
    assert "Marker: a new community answer" in html(practising.get(url))


def test_the_cards_timer_counts_from_the_request_not_from_the_cached_page(practising):
    url = practising.practice_session.get_absolute_url()
    item = current_item(practising.practice_session)
    served_twice(practising, url)
    later = item.shown_at + timedelta(seconds=125)
    with mock.patch("django.utils.timezone.now", return_value=later):
        page = practising.get(url)
    assert page[HIT_HEADER] == "hit"
    assert 'data-elapsed="125"' in html(page)
    assert '<span class="timer-value">2:05</span>' in html(page)


def test_the_due_count_goes_up_when_a_card_falls_due(bank):
    client = signed_in_client()
    grade(client.member, bank[0], 3, timezone.now() - timedelta(days=1))
    Card.objects.filter(user=client.member).update(
        due=timezone.now() + timedelta(seconds=2)
    )
    # An UPDATE sends no signal: its writer says which rows it changed.
    rows_changed(Card, Card.objects.filter(user=client.member))
    before = served_twice(client, PRACTICE)
    time.sleep(2.2)  # the page was cached until then, not for the minute pages are
    after = client.get(PRACTICE)
    assert after[HIT_HEADER] == "miss"
    due = re.compile(r"<dt>Reviews due now</dt><dd>(\d+)</dd>")
    assert due.search(html(before))[1] == "0" and due.search(html(after))[1] == "1"


def test_members_never_get_each_others_practice_pages(bank):
    first, second = signed_in_client(), signed_in_client()
    grade(first.member, bank[0], 3, timezone.now() - timedelta(days=30))
    for url in (PRACTICE, reverse("practice:progress")):
        mine = html(served_twice(first, url))
        theirs = html(served_twice(second, url))
        assert mine != theirs
        assert first.member.username in mine and first.member.username not in theirs


# --- CSRF -------------------------------------------------------------------------------------


def test_forms_on_a_cached_page_carry_a_working_token_new_for_each_response(answer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(trusted=True))
    url = answer.question.get_absolute_url()
    client.get(url)  # sets the CSRF cookie
    first, second = served_twice(client, url), client.get(url)
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(html(first))[1] != token.search(html(second))[1]  # masked anew
    assert CSRF_PLACEHOLDER not in html(second)
    secret = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert _unmask_cipher_token(token.search(html(second))[1]) == secret
    # The vote form (no JavaScript): its own hidden token.
    form = re.search(r'<form class="vote-form".*?</form>', html(second), re.S)[0]
    response = client.post(
        reverse("questions:answer-vote", args=[answer.pk]),
        {"value": "1", "csrfmiddlewaretoken": token.search(form)[1]},
    )
    assert response.status_code == HTTPStatus.SEE_OTHER  # back to the question
    assert answer.votes.count() == 1


def test_a_cached_page_sends_the_csrf_cookie_only_when_the_browser_lacks_it(answer):
    client = signed_in_client()
    served_twice(client, LIST)
    assert settings.CSRF_COOKIE_NAME not in client.get(LIST).cookies  # it has it
    del client.cookies[settings.CSRF_COOKIE_NAME]
    response = client.get(LIST)
    assert response[HIT_HEADER] == "hit"
    secret = response.cookies[settings.CSRF_COOKIE_NAME].value
    # A cookie holding the secret masked (as Django before 4.1 stored it) is replaced by the
    # secret itself, as Django does.
    client.cookies[settings.CSRF_COOKIE_NAME] = _mask_cipher_secret(secret)
    response = client.get(LIST)
    assert response[HIT_HEADER] == "hit"
    assert response.cookies[settings.CSRF_COOKIE_NAME].value == secret


# --- building blocks ----------------------------------------------------------------------------


def test_compiled_html_puts_each_readers_token_and_live_values_in_its_slots():
    moment = timezone.now()
    live = [("\x00live-1\x00", "since", moment, "clock")]
    part = compile_html(
        f"<p>{CSRF_PLACEHOLDER}|\x00live-1\x00|{CSRF_PLACEHOLDER}</p>", live
    )
    shell = compile_html("<main>#content#</main>", slots={"#content#": "content"})
    out = expand(
        shell,
        [],
        csrf=b"TOKEN",
        now=moment + timedelta(seconds=61),
        parts={"content": part},
    )
    assert b"".join(out) == b"<main><p>TOKEN|1:01|TOKEN</p></main>"


def test_a_page_from_the_cache_is_the_page_its_view_rendered(answer):
    """The same bytes as the first, rendered view, but for each response's own CSRF token (and
    the layout's CSP nonce, which the policy doesn't use: scripts come from our origin)."""
    client = signed_in_client()
    for url in (LIST, answer.question.get_absolute_url(), PRACTICE):
        rendered, cached = client.get(url), client.get(url)
        assert (rendered[HIT_HEADER], cached[HIT_HEADER]) == ("miss", "hit"), url
        tokens = re.compile(
            r'(csrfmiddlewaretoken" value="|X-CSRFToken": "| nonce=")[^"]+'
        )
        assert tokens.sub("", html(rendered)) == tokens.sub("", html(cached)), url


def test_collapsing_whitespace_keeps_code_and_form_text_as_written():
    source = (
        "<div>\n    <p>Line one\n\n     line two</p>\n  "
        "<pre><code>def f():\n    return 1\n</code></pre>\n"
        "<textarea>\n  typed\n</textarea>  \n</div>"
    )
    assert collapse_whitespace(source) == (
        "<div>\n<p>Line one\nline two</p>\n"
        "<pre><code>def f():\n    return 1\n</code></pre>\n"
        "<textarea>\n  typed\n</textarea>\n</div>"
    )


def test_the_near_cache_keeps_copies_until_they_expire_within_its_budget(settings):
    settings.NEAR_CACHE_BYTES = 10_000
    near = NearCache()
    near.put("pagecache:page:a", [1], "a" * 1000, None)
    near.put("pagecache:page:b", [2], "b" * 1000, time.time() - 1)  # expired already
    assert near.get("pagecache:page:a") == ([1], "a" * 1000)
    assert near.get("pagecache:page:b") is None
    for n in range(20):  # more than the budget: the least recently used go
        near.put(f"pagecache:page:{n}", [n], "x" * 1000, None)
    assert near.get("pagecache:page:a") is None
    assert near.get("pagecache:page:19") == ([19], "x" * 1000)
    # A member's page parts count by the bytes in their segments: 2.1 KB each here.
    near.clear()
    parts = {"content": (b"x" * 700, [b"y" * 700, b"z" * 700], "title")}
    for n in range(5):
        near.put(f"pagecache:page:parts-{n}", [n], parts, None)
    assert near.get("pagecache:page:parts-0") is None
    assert near.get("pagecache:page:parts-4") == ([4], parts)


def test_a_copy_in_this_process_is_not_served_once_another_replaced_its_token(answer):
    """Another worker's write replaces the token in the shared cache only."""
    from django.core.cache import cache

    reader = signed_in_client()
    url = answer.question.get_absolute_url()
    served_twice(reader, url)
    cache.set(
        _version_key(question_token(answer.question_id)),
        12345,
        timeout=None,
    )
    assert reader.get(url)[HIT_HEADER] == "miss"
