"""Anonymous pages are cached (caching/pages.py), and every write that shows on them is seen at once.

With `production_caches` the cache behaves as Redis does in production (shared by all workers).
Writes go through the real views, as members and moderators make them.
"""

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from caching.pages import HIT_HEADER
from moderation.services import moderator_set
from questions.models import Answer
from tests.factories import (
    AnswerFactory,
    QuestionFactory,
    UserFactory,
    signed_in_client,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_caches")]


@pytest.fixture
def question():
    return QuestionFactory(title="Why does batch normalisation speed up training?")


@pytest.fixture
def answer(question):
    return AnswerFactory(
        question=question,
        author=UserFactory(trusted=True, display_name="Ada Answerer"),
        body="It keeps each layer's inputs in a steady range.",
    )


def anonymous_get(url):
    return Client().get(url)


def test_anonymous_pages_are_served_from_the_cache_the_second_time(answer):
    pages = [
        reverse("home"),
        reverse("questions:list"),
        reverse("questions:list") + "?sort=votes&page=1",
        reverse("questions:topic", args=[answer.question.topic.slug]),
        answer.question.get_absolute_url(),
    ]
    for url in pages:
        first = anonymous_get(url)
        second = anonymous_get(url)
        assert first.status_code == second.status_code == HTTPStatus.OK, url
        assert first[HIT_HEADER] == "miss", url
        assert second[HIT_HEADER] == "hit", url
        assert second.content == first.content, url
        # The security headers come from middleware on every response, cached or not.
        assert "Content-Security-Policy" in second, url


def test_a_cached_page_answers_without_a_database_query(
    answer, django_assert_num_queries
):
    url = answer.question.get_absolute_url()
    anonymous_get(url)
    with django_assert_num_queries(0):
        assert anonymous_get(url)[HIT_HEADER] == "hit"


@pytest.mark.parametrize(
    "make_request",
    [
        pytest.param(lambda c, url: c.get(url, HTTP_HX_REQUEST="true"), id="htmx"),
        pytest.param(
            lambda c, url: c.get(url, {"utm_source": "x"}), id="unknown-param"
        ),
    ],
)
def test_htmx_and_unknown_parameters_are_never_cached(answer, make_request):
    url = reverse("questions:list")
    client = Client()
    make_request(client, url)
    assert HIT_HEADER not in make_request(client, url)


def test_a_search_is_cached_and_follows_a_new_matching_answer(answer):
    url = reverse("questions:list") + "?q=covariate"
    assert anonymous_get(url)[HIT_HEADER] == "miss"
    cached = anonymous_get(url)
    assert cached[HIT_HEADER] == "hit"
    assert answer.question.title not in cached.content.decode()  # nothing matches yet
    _answer_posted(answer)  # "... about internal covariate shift."
    page = anonymous_get(url)
    assert page[HIT_HEADER] == "miss"
    assert answer.question.title in page.content.decode()


def test_signed_in_members_and_visitors_with_a_session_get_their_own_page(
    answer, client
):
    url = answer.question.get_absolute_url()
    anonymous_get(url)
    anonymous_get(url)  # cached for visitors
    member = UserFactory(display_name="Grace Member")
    client.force_login(member)
    response = client.get(url)
    assert response[HIT_HEADER] == "miss"  # their own page (test_mlqa_member_pages.py)
    assert "Grace Member" in response.content.decode()  # the header names them
    visitor = Client()
    visitor.cookies["sessionid"] = "some-session"
    assert HIT_HEADER not in visitor.get(url)


def _moderator():
    client = Client()
    moderator = UserFactory(moderator=True)
    client.force_login(moderator)
    return client


def _answer_posted(answer):
    signed_in_client().post(
        reverse("questions:answer-create", args=[answer.question_id]),
        {"body": "Marker: a second answer about internal covariate shift."},
    )
    return "Marker: a second answer", True


def _answer_edited(answer):
    client = Client()
    client.force_login(answer.author)
    client.post(
        reverse("questions:answer-edit", args=[answer.pk]),
        {"body": "Marker: edited to talk about the loss landscape."},
    )
    return "Marker: edited", True


def _answer_deleted(answer):
    client = Client()
    client.force_login(answer.author)
    client.post(reverse("questions:answer-delete", args=[answer.pk]))
    return "steady range", False


def _comment_posted(answer):
    signed_in_client().post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": "Marker: what about layer norm?"},
    )
    return "Marker: what about layer norm?", True


def _voted(answer):
    signed_in_client().post(
        reverse("questions:answer-vote", args=[answer.pk]), {"value": "1"}
    )
    return "Score: </span>1</span>", True


def _marked_canonical(answer):
    _moderator().post(
        reverse("moderation:canonical", args=[answer.pk]), {"canonical": "1"}
    )
    return "Unmark canonical", False  # anonymous visitors see no moderator buttons


def _renamed(answer):
    client = Client()
    client.force_login(answer.author)
    client.post(
        reverse("accounts:settings"), {"display_name": "Ada Renamed", "bio": ""}
    )
    return "Ada Renamed", True


def _account_deleted(answer):
    client = Client()
    client.force_login(answer.author)
    client.post(
        reverse("accounts:delete"), {"confirm_username": answer.author.username}
    )
    return "Ada Answerer", False


WRITES = [
    _answer_posted,
    _answer_edited,
    _answer_deleted,
    _comment_posted,
    _voted,
    _renamed,
    _account_deleted,
]


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__.strip("_") for w in WRITES])
def test_a_write_shows_on_the_cached_question_page_at_once(answer, write):
    url = answer.question.get_absolute_url()
    anonymous_get(url)
    assert anonymous_get(url)[HIT_HEADER] == "hit"
    marker, present = write(answer)
    page = anonymous_get(url)
    assert page[HIT_HEADER] == "miss"
    assert (marker in page.content.decode()) is present


def test_the_canonical_mark_shows_on_the_cached_question_page_at_once(answer):
    url = answer.question.get_absolute_url()
    anonymous_get(url)
    assert "canonical answer" not in anonymous_get(url).content.decode().lower()
    _marked_canonical(answer)
    assert Answer.objects.get(pk=answer.pk).is_canonical
    page = anonymous_get(url)
    assert page[HIT_HEADER] == "miss"
    assert "canonical answer" in page.content.decode().lower()


def test_lists_follow_new_answers_and_votes(answer):
    url = reverse("questions:list") + "?sort=answers"
    before = anonymous_get(url).content.decode()
    assert "<strong>1</strong> answer" in before
    _answer_posted(answer)
    after = anonymous_get(url)
    assert after[HIT_HEADER] == "miss"
    assert "<strong>2</strong> answers" in after.content.decode()


def test_a_proposed_question_changes_nothing_until_a_moderator_approves_it(question):
    home = reverse("home")
    total_before = anonymous_get(home).content.decode()
    member = signed_in_client()
    member.post(
        reverse("questions:propose"),
        {
            "title": "How do you calibrate a classifier's probabilities?",
            "body": "",
            "topic": question.topic.pk,
            "difficulty": "medium",
        },
    )
    cached = anonymous_get(home)
    assert cached[HIT_HEADER] == "hit"
    assert cached.content.decode() == total_before


def test_a_granted_and_revoked_moderator_role_applies_on_the_next_request(client):
    member = UserFactory()
    client.force_login(member)
    queue = reverse("moderation:queue")
    assert (
        client.get(queue).status_code == HTTPStatus.FORBIDDEN
    )  # permission set cached
    moderator_set(user=member, is_moderator=True)
    assert client.get(queue).status_code == HTTPStatus.OK
    moderator_set(user=member, is_moderator=False)
    assert client.get(queue).status_code == HTTPStatus.FORBIDDEN


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/12").ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("needs Redis at 127.0.0.1:6379 (.ci/run starts it)")


def test_the_redis_cache_reuses_one_client_and_still_works():
    _redis_or_skip()
    from caching.redis import ReusingRedisCache

    cache = ReusingRedisCache("redis://127.0.0.1:6379/12", {"KEY_PREFIX": "reuse-test"})
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client() is client  # one client per pool, not one per call
    cache.set_many({"a": 1, "b": [2]}, timeout=5)
    assert cache.get_many(["a", "b", "c"]) == {"a": 1, "b": [2]}
    assert cache.incr("a") == 2
    cache.delete_many(["a", "b"])
    assert cache.get("a") is None


def test_votes_and_comments_leave_cached_lists_alone(answer):
    """By design (caching/pages.py): a stream of votes must not empty the lists' cache; their
    vote figures follow within PAGE_CACHE_SECONDS. The question's own page follows at once."""
    lists = reverse("questions:list") + "?sort=votes"
    anonymous_get(lists)
    _voted(answer)
    _comment_posted(answer)
    assert anonymous_get(lists)[HIT_HEADER] == "hit"
    page = anonymous_get(answer.question.get_absolute_url())
    assert "Marker: what about layer norm?" in page.content.decode()


# Members: the lists' and home page's content is shared between members (member_page)


def test_members_share_the_lists_content_inside_their_own_layout(answer):
    url = reverse("questions:list") + "?sort=votes&difficulty=medium"
    first = signed_in_client(display_name="Grace First").get(url)
    assert first[HIT_HEADER] == "miss"
    second = signed_in_client(display_name="Linus Second").get(url)
    assert second[HIT_HEADER] == "hit"
    html = second.content.decode()
    assert "Linus Second" in html and "Grace First" not in html  # their own header
    assert answer.question.title in html
    assert "<title>Questions · " in html
    content = re.compile(r'<main id="main".*</main>', re.S)
    assert content.search(html).group(0) == content.search(
        first.content.decode()
    ).group(0)


def test_members_and_visitors_do_not_share_the_home_page():
    anonymous_get(reverse("home"))
    anonymous_get(reverse("home"))  # cached for visitors, with "Create an account"
    member = signed_in_client()
    member.get(reverse("home"))
    page = signed_in_client().get(reverse("home"))
    assert page[HIT_HEADER] == "hit"
    assert "Create an account" not in page.content.decode()


def test_a_member_sees_a_new_answer_in_the_cached_list_at_once(answer):
    url = reverse("questions:list") + "?sort=answers"
    reader = signed_in_client()
    assert "<strong>1</strong> answer" in reader.get(url).content.decode()
    _answer_posted(answer)
    after = reader.get(url)
    assert after[HIT_HEADER] == "miss"
    assert "<strong>2</strong> answers" in after.content.decode()


def test_a_cached_list_carries_the_members_own_csrf_token_and_messages(answer):
    signed_in_client().get(reverse("questions:list"))  # cached
    client = Client(enforce_csrf_checks=True)
    member = UserFactory(trusted=True)
    client.force_login(member)
    client.get(reverse("questions:list"))  # sets the CSRF cookie
    page = client.get(reverse("questions:list"))
    assert page[HIT_HEADER] == "hit"
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page.content.decode()).group(1)
    response = client.post(
        reverse("questions:answer-create", args=[answer.question_id]),
        {"body": "Marker: posted with the token of a cached list page."},
        HTTP_X_CSRFTOKEN=token,
        follow=True,
    )
    assert response.status_code == HTTPStatus.OK
    assert Answer.objects.filter(body__startswith="Marker: posted with").exists()
    listed = client.get(reverse("questions:list"))
    assert (
        "Your answer was posted." not in listed.content.decode()
    )  # shown once, already


def test_a_page_stored_late_under_replaced_tokens_is_not_served(answer, rf):
    """A slow reader who rendered before a write committed may store its page after the write
    replaced the tokens: the page carries the tokens it was rendered under, so nobody gets it."""
    from django.core.cache import cache

    from caching.pages import _page_key

    url = answer.question.get_absolute_url()
    anonymous_get(url)
    key = _page_key(rf.get(url), "anonymous")
    stale = cache.get(key)
    assert stale is not None
    answer.question.save()  # the write
    cache.set(key, stale)  # the slow reader's store, after the write
    assert anonymous_get(url)[HIT_HEADER] == "miss"
    assert anonymous_get(url)[HIT_HEADER] == "hit"
