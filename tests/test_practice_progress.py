"""Progress and history pages: what they show, and a fixed number of queries at any size."""

from datetime import date, datetime, timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.charts import heatmap, streaks
from practice.models import Card, Review
from practice.progress import calibration, daily_counts, due_forecast
from practice.selectors import card_rows
from practice.services import item_reveal, review_record, session_start
from tests.factories import TopicFactory, UserFactory
from tests.practice_factories import (
    bulk_history,
    grade,
    history,
    practisable_question,
)

pytestmark = pytest.mark.django_db

# Read pages with warm caches (the cached topic counts and permission set are already there), as
# nearly every request finds them: the member, settings, cards, topics, history and calibration.
PROGRESS_QUERIES = 7
HISTORY_QUERIES = 7
HOME_QUERIES = 7
SESSION_PAGE_QUERIES = 8  # one for "is there a grade to undo"
# Grading a card by htmx, exactly, the same at 10 and 10,000 reviews: the member; the item locked
# with its session; the card locked; the member's settings; the card, the review and the item
# written; choosing the next card (its session's items and topics, the cards; a new question:
# counted per topic, one taken) and showing it; the transaction's start and commit; then the
# card shown (RENDER_QUERIES: where the session is, the next card's question).
GRADE_QUERIES = 17
RENDER_QUERIES = 2
# A card graded for the first time is inserted in a savepoint (another tab may insert it first).
FIRST_SIGHT_QUERIES = 2


def test_streaks_count_consecutive_days():
    today = date(2026, 5, 20)
    days = {today - timedelta(days=n) for n in (1, 2, 3, 10, 11, 12, 13, 14, 30)}
    assert streaks(days, today=today) == (
        3,
        5,
    )  # today not practised yet: yesterday's run counts
    assert streaks(days | {today}, today=today) == (4, 5)
    assert streaks({today - timedelta(days=2)}, today=today) == (0, 1)
    assert streaks(set(), today=today) == (0, 0)


def test_the_heatmap_covers_a_year_of_weeks():
    today = date(2026, 5, 20)  # a Wednesday
    grid = heatmap(
        {today: 8, today - timedelta(days=1): 2, date(2024, 1, 1): 50}, today=today
    )
    assert grid["start"].weekday() == 0
    assert len(grid["cells"]) == 52 * 7 + 3
    assert grid["total"] == 10 and grid["active_days"] == 2 and grid["busiest"] == 8
    levels = {cell.day: cell.level for cell in grid["cells"]}
    assert levels[today] == 4 and levels[today - timedelta(days=1)] == 1
    assert levels[today - timedelta(days=2)] == 0
    assert grid["cells"][-1].y == grid["cells"][2].y  # both Wednesdays
    assert [label for _, label in grid["months"]][:2] == ["Jun", "Jul"]


def test_reviews_are_counted_per_utc_day(user):
    card = Card.objects.create(user=user, question=practisable_question())
    for moment in (
        "2026-03-01T23:59:59.999999+00:00",
        "2026-03-02T00:00:00+00:00",
        "2026-03-02T09:30:00+02:00",
    ):
        Review.objects.create(
            user=user, card=card, rating=3, reviewed_at=datetime.fromisoformat(moment)
        )
    assert daily_counts(user) == {date(2026, 3, 1): 1, date(2026, 3, 2): 2}


def test_calibration_compares_predicted_and_actual_recall(user):
    question = practisable_question()
    card = Card.objects.create(user=user, question=question)
    now = timezone.now()
    for predicted, rating in [(0.97, 3), (0.96, 1), (0.93, 3), (0.3, 1), (0.4, 2)]:
        Review.objects.create(
            user=user,
            card=card,
            rating=rating,
            reviewed_at=now,
            retrievability=predicted,
        )
    Review.objects.create(
        user=user, card=card, rating=3, reviewed_at=now
    )  # first review: no prediction
    rows = {row.label: row for row in calibration(user)}
    assert list(rows) == ["below 50%", "90–95%", "95% and up"]
    assert rows["95% and up"].reviews == 2 and rows["95% and up"].actual == 0.5
    assert rows["95% and up"].predicted == pytest.approx(0.965)
    assert (
        rows["below 50%"].actual_percent == 50
        and rows["below 50%"].predicted_percent == 35
    )


def test_the_due_forecast_counts_the_next_seven_days(user):
    now = timezone.now()
    for days_ago in (60, 60, 2):
        grade(user, practisable_question(), 4, now - timedelta(days=days_ago))
    grade(user, practisable_question(), 4, now)  # due in more than a week
    forecast = due_forecast(card_rows(user), now=now)
    assert len(forecast) == 7
    assert forecast[0]["count"] == 2  # overdue counts as today
    assert sum(d["count"] for d in forecast) == 3
    assert forecast[0]["height"] == 60 and max(d["height"] for d in forecast[1:]) == 30


def test_progress_page_shows_mastery_activity_and_streaks(user_client, user):
    now = timezone.now()
    weak = TopicFactory(name="Regularisation", slug="regularisation")
    for _ in range(3):  # a first-sight failure and two lapses each
        history(
            user,
            practisable_question(topic=weak),
            [1, 3, 3, 1, 3, 1],
            start=now - timedelta(days=5),
            every=timedelta(days=1),
        )
    strong = TopicFactory(name="Trees", slug="trees")
    for _ in range(4):
        history(
            user,
            practisable_question(topic=strong),
            [3, 3, 3, 3],
            start=now - timedelta(days=5),
            every=timedelta(days=1),
        )
    thin = TopicFactory(name="Clustering", slug="clustering")
    grade(user, practisable_question(topic=thin), 1, now - timedelta(hours=1))
    response = user_client.get(reverse("practice:progress"))
    assert response.status_code == HTTPStatus.OK
    page = response.content.decode()
    topics = {topic.name: mastery for topic, mastery in response.context["topics"]}
    assert topics["Regularisation"].status == "weak"
    assert topics["Clustering"].status == "unknown"
    assert response.context["topics"][0][0] == weak  # weak topics first
    assert topics["Trees"].status == "fine"
    assert (
        "Not judged yet: 2 more reviews needed" in page
        and '<strong class="status-weak">Weak</strong>: 3 questions, ' in page
    )
    assert 'class="bar-weak"' in page and "<table" in page
    assert response.context["review_total"] == 35
    assert response.context["current_streak"] == 6
    assert "35 reviews on 6 days in the last year" in page
    assert "style=" not in page  # the CSP blocks style attributes


def test_practised_topics_come_before_unpractised_ones(user_client, user):
    """Issue 16 item 8: practised topics were listed after 20 unpractised ones."""
    untouched = [TopicFactory() for _ in range(3)]
    for topic in untouched:
        practisable_question(topic=topic)
    recalled = TopicFactory()
    grade(user, practisable_question(topic=recalled), 4, timezone.now())
    response = user_client.get(reverse("practice:progress"))
    order = [topic for topic, _ in response.context["topics"]]
    assert order[0] == recalled
    assert set(order[1:]) >= set(untouched)
    page = response.content.decode()
    row = '<th scope="row">{}</th>'.format
    assert page.index(row(recalled.name)) < min(
        page.index(row(t.name)) for t in untouched
    )


def test_history_lists_filters_and_paginates_reviews(user_client, user):
    now = timezone.now()
    topic = TopicFactory(name="Trees", slug="trees")
    tree = practisable_question(topic=topic, title="What is a random forest?")
    for index in range(30):
        grade(
            user,
            tree,
            1 if index % 3 == 0 else 3,
            now - timedelta(days=60 - index),
            attempt=f"attempt {index}",
        )
    grade(user, practisable_question(title="What is dropout?"), 4, now)
    url = reverse("practice:history")
    response = user_client.get(url)
    page = response.content.decode()
    assert response.context["page"].paginator.count == 31
    assert (
        "What is dropout?" in page and "attempt 29" in page and "attempt 0" not in page
    )
    response = user_client.get(url, {"topic": topic.pk, "rating": 1, "page": 1})
    assert response.context["page"].paginator.count == 10
    assert "What is dropout?" not in response.content.decode()
    assert f"topic={topic.pk}&amp;rating=1" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"topic": "abc"},
        {"topic": "9" * 30},
        {"rating": "7"},
        {"rating": "x"},
        {"page": "zz"},
        {"page": "-1"},
        {"page": "9" * 40},
        {"topic": "\x00"},
    ],
)
def test_bad_history_filters_are_ignored_not_fatal(user_client, user, query):
    grade(user, practisable_question(), 3, timezone.now())
    response = user_client.get(reverse("practice:history"), query)
    assert response.status_code == HTTPStatus.OK
    assert response.context["page"].paginator.count == 1
    assert (
        user_client.get(reverse("practice:history-csv"), query).status_code
        == HTTPStatus.OK
    )


def test_the_card_page_shows_state_and_every_review(user_client, user):
    question = practisable_question(title="Why normalise inputs?")
    history(user, question, [3, 1, 3], start=timezone.now() - timedelta(days=9))
    card = Card.objects.get(user=user)
    page = user_client.get(card.get_absolute_url()).content.decode()
    assert "Why normalise inputs?" in page
    assert page.count('class="grade-pill') == 3
    assert "Predicted recall now" in page


@pytest.fixture(params=[10, 10_000], ids=["10-reviews", "10000-reviews"])
def practised_client(request, client):
    member = UserFactory()
    weak = TopicFactory()
    questions = [
        practisable_question(topic=weak if i % 2 else None)
        if i % 2
        else practisable_question()
        for i in range(40)
    ]
    bulk_history(member, questions, reviews=request.param, end=timezone.now())
    for _ in range(3):
        practisable_question()
    client.force_login(member)
    client.member = member
    return client


@pytest.mark.usefixtures("production_caches")
def test_progress_page_queries_do_not_grow_with_the_history(
    practised_client, django_assert_max_num_queries
):
    practised_client.get(reverse("practice:progress"))  # warms the caches
    with django_assert_max_num_queries(PROGRESS_QUERIES):
        response = practised_client.get(reverse("practice:progress"))
    assert response.status_code == HTTPStatus.OK


@pytest.mark.usefixtures("production_caches")
def test_history_and_home_queries_do_not_grow_with_the_history(
    practised_client, django_assert_max_num_queries
):
    practised_client.get(reverse("practice:home"))  # warms the caches
    with django_assert_max_num_queries(HISTORY_QUERIES):
        assert (
            practised_client.get(reverse("practice:history"), {"page": 2}).status_code
            == HTTPStatus.OK
        )
    with django_assert_max_num_queries(HOME_QUERIES):
        assert (
            practised_client.get(reverse("practice:home")).status_code == HTTPStatus.OK
        )


@pytest.fixture(params=[10, 10_000], ids=["10-reviews", "10000-reviews"])
def due_client(request, client):
    """A member whose 10 cards are all due, with 10 or 10,000 reviews behind them; the bank
    holds new questions too. The same cards either way: a session takes the same path."""
    member = UserFactory()
    questions = [practisable_question() for _ in range(10)]
    bulk_history(member, questions, reviews=request.param, end=timezone.now())
    Card.objects.filter(user=member).update(due=timezone.now() - timedelta(hours=1))
    for _ in range(3):
        practisable_question()
    client.force_login(member)
    client.member = member
    return client


@pytest.mark.usefixtures("production_caches")
def test_session_queries_do_not_grow_with_the_history(
    due_client, django_assert_max_num_queries, django_assert_num_queries
):
    session = session_start(user=due_client.member, mode="due", size=20)
    item = session.items.get()
    with django_assert_max_num_queries(SESSION_PAGE_QUERIES):
        due_client.get(session.get_absolute_url())
    item_reveal(item=item, attempt="try")
    with django_assert_max_num_queries(SESSION_PAGE_QUERIES):
        page = due_client.get(session.get_absolute_url())
    assert b"How well did you recall it?" in page.content
    assert item.reason == "new"  # the placement first: graded, its card is made
    grade_url = reverse("practice:grade", args=[session.pk, item.pk])
    with django_assert_num_queries(GRADE_QUERIES + FIRST_SIGHT_QUERIES):
        response = due_client.post(grade_url, {"rating": "3"}, HTTP_HX_REQUEST="true")
    assert b"Card 2 of 20" in response.content
    # Without JavaScript the grade redirects to the session page: the card is not rendered.
    item = session.items.get(review__isnull=True)
    assert item.reason == "new"
    item_reveal(item=item, attempt="try")
    grade_url = reverse("practice:grade", args=[session.pk, item.pk])
    with django_assert_num_queries(
        GRADE_QUERIES + FIRST_SIGHT_QUERIES - RENDER_QUERIES
    ):
        response = due_client.post(grade_url, {"rating": "3"})
    assert response.status_code == HTTPStatus.FOUND
    assert review_record  # the service the view calls
