"""The practice home and progress pages read a member's figures from the cache (practice.snapshot,
`practice_snapshot`), and every write that changes them shows on the next request.

With `production_caches` the cache behaves as Redis does in production. Rows are set up with
factories before the first page view; every change after that goes through the real views, as
the member (or a moderator, or another member) makes it.
"""

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from caching.tokens import replace_tokens
from practice.caching import practice_token
from practice.models import PracticeSession
from practice.progress import progress_context
from practice.snapshot import home_summary
from tests.factories import QuestionFactory, UserFactory
from tests.practice_factories import current_item, grade, make_bank, urls_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("production_caches")]

HOME = reverse("practice:home")
PROGRESS = reverse("practice:progress")
# A page whose member figures come from a cold cache (the member has just practised): the member,
# settings, cards, unfinished session, new-question count or the review log's two, notifications.
MISS_QUERIES = 7


@pytest.fixture
def bank():
    return make_bank()


@pytest.fixture
def member(client, bank):
    """A member with one card, graded 60 days ago: due now."""
    member = UserFactory(trusted=True)
    grade(member, bank[0], 4, timezone.now() - timedelta(days=60))
    client.force_login(member)
    return member


def page(client, url):
    """The page's figures: its view's context. A parameter the pages don't use has the page
    rendered rather than served whole from the member's page cache (which has no context), so
    these tests see the figures' own cache; tests/test_mlqa_member_pages.py checks that the
    page cache follows the same writes."""
    response = client.get(url, {"figures": "1"})
    assert response.status_code == HTTPStatus.OK
    return response.context


def practice_queries(client, url):
    """The SQL a page view runs on the practice tables."""
    with CaptureQueriesContext(connection) as captured:
        page(client, url)
    return [query["sql"] for query in captured if "practice_" in query["sql"]]


def warm(client):
    """Both pages viewed once; the second view reads no practice row."""
    for url in (HOME, PROGRESS):
        page(client, url)
        assert practice_queries(client, url) == [], url


def grade_through_views(client, rating="3"):
    """Reveal and grade the current card of the member's open session."""
    session = PracticeSession.objects.get(user=client.session_member, ended_at=None)
    reveal, grade_url = urls_for(current_item(session))
    client.post(reveal, {"attempt": "The chain rule, applied layer by layer."})
    assert client.post(grade_url, {"rating": rating}).status_code == HTTPStatus.FOUND


@pytest.fixture
def member_client(client, member):
    client.session_member = member
    return client


def test_the_pages_read_no_practice_row_the_second_time(member_client):
    home = page(member_client, HOME)
    assert home["due_count"] == 1 and home["new_count"] == 2
    warm(member_client)


def test_a_grade_shows_on_both_pages_at_once(member_client):
    warm(member_client)
    before = page(member_client, PROGRESS)
    assert (before["review_total"], before["card_count"]) == (1, 1)
    member_client.post(reverse("practice:start"), {"mode": "new", "size": 2})
    grade_through_views(member_client)
    after = page(member_client, PROGRESS)
    assert (after["review_total"], after["card_count"]) == (2, 2)
    assert after["current_streak"] == 1
    assert page(member_client, HOME)["new_count"] == 1


def test_starting_ending_and_finishing_sessions_show_on_the_home_page(member_client):
    warm(member_client)
    assert page(member_client, HOME)["open_session"] is None
    start = reverse("practice:start")
    member_client.post(start, {"mode": "due", "size": 5})
    session = PracticeSession.objects.get(user=member_client.session_member)
    assert page(member_client, HOME)["open_session"] == session
    member_client.post(reverse("practice:end", args=[session.pk]))
    assert page(member_client, HOME)["open_session"] is None
    # A session of one card ends when that card is graded (a new question: the placement,
    # practice.exposure, shows untried topics first).
    before = page(member_client, HOME)
    member_client.post(start, {"mode": "due", "size": 1})
    assert page(member_client, HOME)["open_session"] is not None
    grade_through_views(member_client)
    home = page(member_client, HOME)
    assert home["open_session"] is None
    assert (home["due_count"], home["new_count"]) == (
        before["due_count"],
        before["new_count"] - 1,
    )


def test_new_settings_move_the_weak_line_on_both_pages(member_client):
    warm(member_client)
    assert page(member_client, HOME)["threshold_percent"] == 90
    member_client.post(
        reverse("practice:settings"), {"desired_retention": "0.8", "session_size": "12"}
    )
    assert page(member_client, HOME)["threshold_percent"] == 80
    assert page(member_client, PROGRESS)["threshold_percent"] == 80
    assert 'name="size" value="12"' in member_client.get(HOME).content.decode()


def test_a_hidden_question_leaves_the_due_count(member_client, bank):
    warm(member_client)
    moderator = Client()
    moderator.force_login(UserFactory(moderator=True))
    moderator.post(
        reverse("moderation:act"),
        {"action": "hide", "posts": [f"question:{bank[0].pk}"], "reason": "Dup."},
    )
    home = page(member_client, HOME)
    assert home["due_count"] == 0 and home["new_count"] == 2


def test_a_first_answer_makes_a_question_new_to_practise(member_client):
    unanswered = QuestionFactory()
    assert page(member_client, HOME)["new_count"] == 2
    answerer = Client()
    answerer.force_login(UserFactory(trusted=True))
    answerer.post(
        reverse("questions:answer-create", args=[unanswered.pk]),
        {"body": "Start from the definition and work through an example."},
    )
    assert page(member_client, HOME)["new_count"] == 3


def test_a_deleted_account_leaves_nothing_behind(member_client, member):
    warm(member_client)
    member_client.post(
        reverse("accounts:delete"), {"confirm_username": member.username}
    )
    now = timezone.now()
    summary = home_summary(member.pk, now=now)
    assert summary["due_count"] == 0 and summary["open_session"] is None
    figures = progress_context(member.pk, now=now)
    assert figures["card_count"] == figures["review_total"] == 0


def test_an_account_with_a_session_under_way_is_deleted_whole(member_client, member):
    """Its session items go with their sessions (their declaration must not read a deleted
    session)."""
    member_client.post(reverse("practice:start"), {"mode": "new", "size": 2})
    assert PracticeSession.objects.filter(user=member).exists()
    warm(member_client)
    response = member_client.post(
        reverse("accounts:delete"), {"confirm_username": member.username}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not PracticeSession.objects.filter(user=member).exists()
    assert home_summary(member.pk, now=timezone.now())["open_session"] is None


def test_time_moves_the_figures_without_a_write(bank):
    """Only what time doesn't change is cached: due counts and streaks follow the clock."""
    member = UserFactory(trusted=True)
    now = timezone.now()
    grade(member, bank[1], 3, now)  # due again in a few days
    assert home_summary(member, now=now)["due_count"] == 0
    later = now + timedelta(days=60)
    assert home_summary(member, now=later)["due_count"] == 1
    assert progress_context(member, now=now)["current_streak"] == 1
    assert progress_context(member, now=later)["current_streak"] == 0
    assert progress_context(member, now=later)["due_forecast"][0]["count"] == 1


def test_members_never_see_each_others_figures(member_client, bank):
    warm(member_client)
    other = Client()
    other.force_login(UserFactory())
    home = page(other, HOME)
    assert (home["due_count"], home["new_count"]) == (0, 3)
    progress = page(other, PROGRESS)
    assert progress["card_count"] == progress["review_total"] == 0
    assert page(member_client, PROGRESS)["card_count"] == 1


@pytest.mark.parametrize("url", [HOME, PROGRESS])
def test_a_page_after_a_practice_write_stays_within_the_query_budget(
    member_client, member, url
):
    page(member_client, url)  # the bank-wide counts and the topics are cached
    replace_tokens(practice_token(member.pk))  # as a practice write does
    with CaptureQueriesContext(connection) as captured:
        page(member_client, url)
    assert len(captured) <= MISS_QUERIES, [q["sql"] for q in captured]


def test_a_refused_start_keeps_the_ticked_topics(member_client, bank):
    response = member_client.post(
        reverse("practice:start"),
        {"mode": "mock", "size": 5, "minutes": "", "topics": [bank[0].topic_id]},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert f'value="{bank[0].topic_id}" id="id_topics_0" checked' in html
    assert "Topics: 1 chosen" in html


def test_rows_written_behind_the_services_are_seen_at_once(member_client, bank):
    """Factories, the admin and the shell save rows without the services: their saves replace
    the member's practice token all the same (practice/caching.py)."""
    warm(member_client)
    grade(member_client.session_member, bank[2], 3, timezone.now())
    progress = page(member_client, PROGRESS)
    assert (progress["review_total"], progress["card_count"]) == (2, 2)
