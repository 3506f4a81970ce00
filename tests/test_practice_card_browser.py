"""The card browser (/practice/cards/): every card of the member, filtered and sorted, bulk
actions on the ticked ones, a pinned query count, and nothing of anyone else's."""

from datetime import date, timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import Card, PracticeSettings, Review
from practice.scheduling import rebuild_card
from practice.services import session_start
from tests.factories import TopicFactory, UserFactory
from tests.practice_factories import current_item, grade, practisable_question

pytestmark = pytest.mark.django_db

URL = reverse("practice:cards")
CARD_FIELDS = [f.attname for f in Card._meta.concrete_fields]
BROWSER_QUERIES = 8


@pytest.fixture
def cards(user):
    """Six cards in two topics: three due now (one a leech), three due in weeks."""
    PracticeSettings.objects.create(user=user, leech_threshold=2)
    now = timezone.now()
    topics = [TopicFactory(name="Optimisation"), TopicFactory(name="Statistics")]
    result = []
    for index in range(6):
        question = practisable_question(topic=topics[index % 2])
        if index < 3:
            grade(user, question, 3, now - timedelta(days=200))
            grade(user, question, 3, now - timedelta(days=100))
        else:
            grade(user, question, 4, now - timedelta(minutes=10))
        result.append(Card.objects.get(user=user, question=question))
    leech = result[0]
    moment = now - timedelta(days=90)
    for rating in (1, 4, 1, 4):  # two lapses
        grade(user, leech.question, rating, moment)
        moment += timedelta(days=20)
    leech.refresh_from_db()
    return result


def pks(response):
    return [card.pk for card in response.context["page"].object_list]


def test_lists_every_card_with_its_schedule(user_client, cards):
    response = user_client.get(URL)
    assert response.status_code == HTTPStatus.OK
    assert sorted(pks(response)) == sorted(c.pk for c in cards)
    page = response.content.decode()
    for card in cards:
        assert card.get_absolute_url() in page
    assert "leech" in page and "Last grade" in page and "Good" in page


def test_filters_and_sorts(user_client, cards):
    leech = cards[0]
    topic = leech.question.topic
    response = user_client.get(URL, {"topic": topic.slug})
    assert set(pks(response)) == {
        c.pk for c in cards if c.question.topic_id == topic.pk
    }
    assert set(pks(user_client.get(URL, {"status": "leech"}))) == {leech.pk}
    assert set(pks(user_client.get(URL, {"lapses": 2}))) == {leech.pk}
    due_now = set(pks(user_client.get(URL, {"due": "now"})))
    assert due_now == {c.pk for c in cards if c.due <= timezone.now()}
    assert len(due_now) == 3
    assert set(pks(user_client.get(URL, {"due": "later"}))) == (
        {c.pk for c in cards} - due_now
    )
    by_lapses = pks(user_client.get(URL, {"sort": "-lapses"}))
    assert by_lapses[0] == leech.pk
    latest = pks(user_client.get(URL, {"sort": "-due"}))
    assert latest == [
        c.pk for c in sorted(cards, key=lambda c: (-c.due.timestamp(), c.pk))
    ]
    # Nonsense in the address: said so, no filter, never a 500.
    response = user_client.get(URL, {"status": "bogus", "lapses": "x"})
    assert response.status_code == HTTPStatus.OK
    assert "were not understood" in response.content.decode()
    assert len(pks(response)) == 6


def test_bulk_suspend_unsuspend_bury_and_set_due(user_client, user, cards):
    ticked = [cards[0].pk, cards[1].pk]
    response = user_client.post(
        URL + "?status=review", {"cards": ticked, "action": "suspend"}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == URL + "?status=review"
    assert Card.objects.filter(suspended_at__isnull=False).count() == 2
    assert set(pks(user_client.get(URL, {"status": "suspended"}))) == set(ticked)
    home = user_client.get(reverse("practice:home"))
    assert home.context["due_count"] == 1

    user_client.post(URL, {"cards": ticked, "action": "unsuspend"})
    assert not Card.objects.filter(suspended_at__isnull=False).exists()

    user_client.post(URL, {"cards": [cards[2].pk], "action": "bury"})
    assert set(pks(user_client.get(URL, {"status": "buried"}))) == {cards[2].pk}

    day = date.today() + timedelta(days=30)
    user_client.post(
        URL, {"cards": [cards[3].pk], "action": "set_due", "due_date": day.isoformat()}
    )
    card = Card.objects.get(pk=cards[3].pk)
    assert card.due.date() == day
    # The date set by hand survives a rebuild from the log.
    rebuilt = rebuild_card(card, card.reviews.all())
    assert {n: getattr(rebuilt, n) for n in CARD_FIELDS} == {
        n: getattr(card, n) for n in CARD_FIELDS
    }


def test_bulk_forget_resets_to_new_and_keeps_the_log(user_client, user, cards):
    leech = cards[0]
    reviews = leech.reviews.count()
    user_client.post(URL, {"cards": [leech.pk], "action": "forget"})
    card = Card.objects.get(pk=leech.pk)
    assert card.reset_at is not None and card.last_review is None
    assert card.review_count == 0 and card.lapse_count == 0
    assert card.reviews.count() == reviews  # the log is kept
    rebuilt = rebuild_card(card, card.reviews.all())
    assert {n: getattr(rebuilt, n) for n in CARD_FIELDS} == {
        n: getattr(card, n) for n in CARD_FIELDS
    }
    assert set(pks(user_client.get(URL, {"status": "new"}))) == {card.pk}
    # It is a new question again: a new-questions session may offer it, and grading it
    # starts its schedule afresh after the reset.
    session = session_start(user=user, mode="new", size=1)
    item = current_item(session)
    assert item.question_id == card.question_id
    from practice.services import item_reveal, review_record

    item_reveal(item=item, attempt="again")
    review_record(item=item, rating=3)
    card.refresh_from_db()
    assert card.review_count == 1 and card.last_review > card.reset_at
    rebuilt = rebuild_card(card, card.reviews.all())
    assert {n: getattr(rebuilt, n) for n in CARD_FIELDS} == {
        n: getattr(card, n) for n in CARD_FIELDS
    }
    assert Review.objects.filter(card=card).count() == reviews + 1


def test_bad_bulk_input_is_a_400_that_keeps_the_ticks(user_client, cards):
    response = user_client.post(URL, {"cards": [cards[0].pk], "action": "set_due"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert "Choose the day the cards should come due." in page
    assert f'value="{cards[0].pk}" id="tick-{cards[0].pk}" checked' in page
    response = user_client.post(URL, {"action": "suspend"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Tick at least one card." in response.content.decode()
    response = user_client.post(URL, {"cards": ["99999999999999999999"], "action": "x"})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_others_get_nothing(client, user, cards):
    other = UserFactory()
    grade(other, practisable_question(), 3, timezone.now())
    client.force_login(other)
    response = client.get(URL)
    assert len(pks(response)) == 1
    page = response.content.decode()
    assert not any(card.get_absolute_url() in page for card in cards)
    response = client.post(URL, {"cards": [cards[0].pk], "action": "suspend"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert not Card.objects.filter(user=user, suspended_at__isnull=False).exists()
    client.logout()
    response = client.get(URL)
    assert response.status_code == HTTPStatus.FOUND
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("extra", [0, 60])
def test_query_count_does_not_grow_with_the_cards(
    user_client, user, cards, extra, django_assert_max_num_queries
):
    for _ in range(extra):  # more than a page
        grade(user, practisable_question(), 3, timezone.now())
    user_client.get(URL)  # warms the caches
    with django_assert_max_num_queries(BROWSER_QUERIES):
        response = user_client.get(URL, {"status": "review", "sort": "-lapses"})
    assert response.status_code == HTTPStatus.OK
