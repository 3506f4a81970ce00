"""Practice sessions through the test client: the flow, privacy, and bad input (never a 500)."""

from datetime import timedelta
from http import HTTPStatus

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from practice.models import (
    PracticeSession,
    PracticeSettings,
    Review,
    SessionItem,
)
from practice.services import session_start
from tests.practice_factories import (
    NOW,
    current_item,
    grade,
    make_bank,
    urls_for,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def start(client, **data):
    return client.post(reverse("practice:start"), {"mode": "due", "size": 5, **data})


@pytest.fixture
def bank():
    return make_bank()


def test_home_shows_counts_and_the_start_form(user_client, user, bank):
    grade(user, bank[0], 4, timezone.now() - timedelta(days=60))
    response = user_client.get(reverse("practice:home"))
    assert response.status_code == HTTPStatus.OK
    assert response.context["due_count"] == 1
    assert response.context["new_count"] == 2
    assert b"Start practising" in response.content
    assert b"Mock interview" in response.content


def test_a_session_attempt_reveal_grade_and_summary(user_client, user, bank):
    response = start(user_client, size=2)
    session = PracticeSession.objects.get(user=user)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == session.get_absolute_url()

    item = current_item(session)
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert item.question.title in page
    assert (
        "CANONICAL" not in page
        and "COMMUNITY" not in page
        and "Reference answer number" not in page
    )

    reveal_url, grade_url = urls_for(item)
    response = user_client.post(reveal_url, {"attempt": "Backprop is the chain rule."})
    assert response.status_code == HTTPStatus.FOUND
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert f"CANONICAL answer to {item.question_id}" in page
    assert f"COMMUNITY answer to {item.question_id}" in page
    assert f"Reference answer number {item.question_id}" in page
    assert "Backprop is the chain rule." in page

    response = user_client.post(grade_url, {"rating": "3"})
    assert response.status_code == HTTPStatus.FOUND
    review = Review.objects.get(user=user)
    assert review.rating == 3 and review.attempt == "Backprop is the chain rule."
    assert review.duration_ms is not None and review.retrievability is None

    second = current_item(session)
    assert second.position == 2 and second.question_id != item.question_id
    reveal_url, grade_url = urls_for(second)
    user_client.post(reveal_url, {"thought": "on"})
    user_client.post(grade_url, {"rating": "1"})
    session.refresh_from_db()
    assert session.ended_at is not None
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert "Session complete" in page
    assert "2 cards graded, 1 recalled" in page


def test_htmx_gets_only_the_card_and_the_next_card_loads_in_place(
    user_client, user, bank
):
    start(user_client)
    session = PracticeSession.objects.get(user=user)
    reveal_url, grade_url = urls_for(current_item(session))
    response = user_client.post(reveal_url, {"attempt": "my try"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "<html" not in html and 'id="practice-card"' in html
    assert "CANONICAL" in html
    response = user_client.post(grade_url, {"rating": "4"}, **HTMX)
    html = response.content.decode()
    assert "<html" not in html and "Card 2 of 5" in html
    assert "CANONICAL" not in html


def test_answers_are_refused_before_an_attempt(user_client, user, bank):
    start(user_client)
    session = PracticeSession.objects.get(user=user)
    item = current_item(session)
    reveal_url, grade_url = urls_for(item)
    assert user_client.get(reveal_url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    response = user_client.post(grade_url, {"rating": "3"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "CANONICAL" not in response.content.decode()
    assert not Review.objects.exists()
    # An attempt recorded in another session does not reveal this one.
    other = PracticeSession.objects.create(user=user, size=5)
    SessionItem.objects.create(
        session=other,
        question=item.question,
        position=1,
        reason="new",
        attempted_at=NOW,
    )
    assert (
        "CANONICAL" not in user_client.get(session.get_absolute_url()).content.decode()
    )


def test_grading_twice_records_one_review(user_client, user, bank):
    start(user_client)
    session = PracticeSession.objects.get(user=user)
    reveal_url, grade_url = urls_for(current_item(session))
    user_client.post(reveal_url, {"attempt": ""})
    user_client.post(grade_url, {"rating": "3"})
    response = user_client.post(grade_url, {"rating": "1"})
    assert response.status_code == HTTPStatus.FOUND
    assert Review.objects.count() == 1


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"rating": "9"},
        {"rating": "0"},
        {"rating": "abc"},
        {"rating": "3.5"},
        {"rating": "-1"},
        {"rating": "9" * 40},
    ],
)
def test_an_unknown_rating_is_a_400(user_client, user, bank, data):
    start(user_client)
    session = PracticeSession.objects.get(user=user)
    reveal_url, grade_url = urls_for(current_item(session))
    user_client.post(reveal_url, {"attempt": "x"})
    response = user_client.post(grade_url, data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"Choose Again, Hard, Good or Easy" in response.content
    assert not Review.objects.exists()


def test_a_too_long_attempt_is_a_400_and_keeps_answers_hidden(user_client, user, bank):
    start(user_client)
    session = PracticeSession.objects.get(user=user)
    reveal_url, _ = urls_for(current_item(session))
    response = user_client.post(reveal_url, {"attempt": "x" * 10_001})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "CANONICAL" not in response.content.decode()
    assert current_item(session).attempted_at is None


@pytest.mark.parametrize(
    "data",
    [
        {"mode": "nonsense"},
        {"size": "0"},
        {"size": "51"},
        {"size": "lots"},
        {"size": "9" * 40},
        {"topics": "abc"},
        {"topics": "99999999"},
        {"difficulty": "impossible"},
        {"mode": "mock", "minutes": ""},
        {"mode": "mock", "minutes": "-5"},
    ],
)
def test_bad_start_options_are_a_400(user_client, user, bank, data):
    response = start(user_client, **data)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not PracticeSession.objects.exists()


def test_starting_with_nothing_to_practise_explains_why(user_client, user):
    response = start(user_client, mode="new")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("practice:home")
    assert not PracticeSession.objects.exists()
    page = user_client.get(reverse("practice:home")).content.decode()
    assert "No question matches these options" in page


def test_a_mock_interview_counts_down_and_ends_with_a_summary(user_client, user, bank):
    # The clock stands still from start to page, so the countdown reads exactly 15:00 however
    # slow the machine is.
    with time_machine.travel(timezone.now(), tick=False):
        start(user_client, mode="mock", size=3, minutes=15)
        session = PracticeSession.objects.get(user=user)
        assert session.time_limit == timedelta(minutes=15)
        page = user_client.get(session.get_absolute_url()).content.decode()
    assert 'Time left: <span class="countdown-value">15:00</span>' in page
    PracticeSession.objects.filter(pk=session.pk).update(
        started_at=timezone.now() - timedelta(minutes=20)
    )
    reveal_url, grade_url = urls_for(current_item(session))
    user_client.post(reveal_url, {"attempt": "late"})
    user_client.post(grade_url, {"rating": "2"})
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert "Time is up" in page
    assert session.items.count() == 1


def test_ending_a_session_early_shows_the_summary(user_client, user, bank):
    start(user_client)
    session = PracticeSession.objects.get(user=user)
    response = user_client.post(reverse("practice:end", args=[session.pk]))
    assert response.status_code == HTTPStatus.FOUND
    assert (
        "Session complete"
        in user_client.get(session.get_absolute_url()).content.decode()
    )


def test_settings_page_saves_the_desired_retention(user_client, user, bank):
    url = reverse("practice:settings")
    assert user_client.get(url).status_code == HTTPStatus.OK
    response = user_client.post(
        url, {"desired_retention": "0.85", "session_size": "15"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert PracticeSettings.objects.get(user=user).desired_retention == 0.85
    for bad in (
        {"desired_retention": "1.5", "session_size": "10"},
        {"desired_retention": "abc", "session_size": "10"},
        {"desired_retention": "0.9", "session_size": "0"},
        {},
    ):
        assert user_client.post(url, bad).status_code == HTTPStatus.BAD_REQUEST
    assert PracticeSettings.objects.get(user=user).desired_retention == 0.85
    session = session_start(user=user, mode="due", size=3)
    assert session.desired_retention == 0.85  # new sessions schedule with the new value


@pytest.mark.parametrize(
    "name",
    [
        "practice:home",
        "practice:progress",
        "practice:history",
        "practice:history-csv",
        "practice:anki-export",
    ],
)
def test_read_only_pages_refuse_other_methods(user_client, name):
    assert user_client.post(reverse(name)).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert user_client.head(reverse(name)).status_code == HTTPStatus.OK
