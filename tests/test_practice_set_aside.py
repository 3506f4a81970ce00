"""Skip, bury and suspend through the real views; a suspended card never comes in any mode;
leeches are told and offered help; a card's page changes it (and only its owner's)."""

from datetime import UTC, datetime, timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.models import Card, Mode, PracticeSession, PracticeSettings
from practice.scheduling import rebuild_card
from practice.services import (
    CardAction,
    NothingToPractise,
    cards_apply,
    item_reveal,
    review_record,
    session_start,
)
from tests.factories import UserFactory
from tests.practice_factories import NOW, current_item, grade, make_bank, urls_for

pytestmark = pytest.mark.django_db

CARD_FIELDS = [f.attname for f in Card._meta.concrete_fields]


@pytest.fixture
def bank():
    return make_bank()


def set_aside(client, session, action, **extra):
    item = current_item(session)
    url = reverse("practice:set-aside", args=[session.pk, item.pk])
    return item, client.post(url, {"action": action}, **extra)


def test_skip_takes_the_card_out_of_this_session_only(user_client, user, bank):
    user_client.post(reverse("practice:start"), {"mode": "new", "size": 3})
    session = PracticeSession.objects.get(user=user)
    skipped, response = set_aside(user_client, session, "skip")
    assert response.status_code == HTTPStatus.FOUND
    item = current_item(session)
    assert item.question_id != skipped.question_id
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert "Card 1 of 3" in page  # a skipped card takes no place in the session
    # The rest of the session never brings it back; a later session may.
    for _ in range(2):
        item = current_item(session)
        if item is None:
            break
        reveal_url, grade_url = urls_for(item)
        user_client.post(reveal_url, {"thought": "on"})
        user_client.post(grade_url, {"rating": "3"})
    shown = list(session.items.values_list("question_id", flat=True))
    assert shown.count(skipped.question_id) == 1
    assert not Card.objects.filter(user=user, question=skipped.question_id).exists()
    session.refresh_from_db()
    assert session.ended_at is not None
    later = session_start(user=user, mode="new", size=3)
    assert current_item(later).question_id == skipped.question_id


def test_a_suspended_card_never_comes_in_any_mode(user_client, user, bank):
    for question in bank:
        grade(user, question, 3, NOW - timedelta(days=60))
    user_client.post(reverse("practice:start"), {"mode": "due", "size": 3})
    session = PracticeSession.objects.get(user=user)
    suspended, response = set_aside(
        user_client, session, "suspend", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == HTTPStatus.OK
    card = Card.objects.get(user=user, question=suspended.question_id)
    assert card.suspended_at is not None
    for mode in Mode:
        for _ in range(3):  # the picks are random: try each mode a few times
            try:
                other = session_start(user=user, mode=mode, size=3)
            except NothingToPractise:
                continue
            shown = set(other.items.values_list("question_id", flat=True))
            assert suspended.question_id not in shown, mode
            other.ended_at = NOW
            other.save()
    home = user_client.get(reverse("practice:home"))
    assert home.context["due_count"] == 2 and home.context["new_count"] == 0
    # Unsuspended from its page, it is due again.
    response = user_client.post(
        reverse("practice:card-action", args=[card.pk]), {"action": "unsuspend"}
    )
    assert response.status_code == HTTPStatus.FOUND
    card.refresh_from_db()
    assert card.suspended_at is None
    assert user_client.get(reverse("practice:home")).context["due_count"] == 3


def test_suspending_a_new_question_keeps_it_out_of_new_questions(user, bank):
    session = session_start(user=user, mode="new", size=3, now=NOW)
    item = current_item(session)
    from practice.services import item_set_aside

    item_set_aside(item=item, action="suspend", now=NOW)
    for _ in range(5):
        new = session_start(user=user, mode="new", size=3, now=NOW)
        assert item.question_id not in set(
            new.items.values_list("question_id", flat=True)
        )
        new.delete()


def test_bury_lasts_until_the_members_tomorrow_in_their_time_zone(user, bank):
    PracticeSettings.objects.create(user=user, time_zone="America/New_York")
    for question in bank:
        grade(user, question, 3, NOW - timedelta(days=60))
    evening = datetime(2026, 6, 1, 23, 30, tzinfo=UTC)  # 19:30 in New York
    session = session_start(user=user, mode="due", size=3, now=evening)
    item = current_item(session)
    from practice.services import item_set_aside

    item_set_aside(item=item, action="bury", now=evening)
    card = Card.objects.get(user=user, question=item.question_id)
    assert card.buried_until == datetime(2026, 6, 2, 4, 0, tzinfo=UTC)  # NY midnight
    session.delete()
    before = session_start(
        user=user, mode="due", size=3, now=evening + timedelta(hours=4)
    )
    assert item.question_id not in set(
        before.items.values_list("question_id", flat=True)
    )
    before.delete()
    after = session_start(user=user, mode="due", size=1, now=card.buried_until)
    # Buried cards come back once the member's day has turned (whichever is due first).
    rows_due = Card.objects.filter(user=user, due__lte=card.buried_until).count()
    assert rows_due == 3 and after.items.count() == 1
    # Burying and suspending leave the log alone: the card still rebuilds exactly.
    rebuilt = rebuild_card(card, card.reviews.all())
    assert {n: getattr(rebuilt, n) for n in CARD_FIELDS} == {
        n: getattr(card, n) for n in CARD_FIELDS
    }


def test_a_leech_is_told_and_offered_the_answer_a_note_and_suspension(
    user_client, user, bank
):
    PracticeSettings.objects.create(user=user, leech_threshold=2)
    question = bank[0]
    moment = NOW - timedelta(days=200)
    for rating in (4, 1, 4, 3):  # one lapse (Easy graduates the card at once)
        grade(user, question, rating, moment)
        moment += timedelta(days=20)
    for other in bank[1:]:  # not due: only the leech comes
        grade(user, other, 4, timezone.now() - timedelta(minutes=5))
    session = session_start(user=user, mode="due", size=3)
    item = current_item(session)
    assert item.question_id == question.pk
    item_reveal(item=item, attempt="no idea")
    review_record(item=item, rating=1)  # the second lapse
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert "A leech: you have forgotten this card 2 times" in page
    assert question.get_absolute_url() in page
    card = Card.objects.get(user=user, question=question)
    action = reverse("practice:card-action", args=[card.pk])
    assert action in page
    response = user_client.post(
        action, {"action": "suspend", "next": session.get_absolute_url()}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == session.get_absolute_url()
    card.refresh_from_db()
    assert card.suspended_at is not None
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert "A leech" not in page
    detail = user_client.get(card.get_absolute_url()).content.decode()
    assert "Leech: forgotten 2 times" in detail and "Suspended since" in detail


def test_a_next_address_off_the_site_is_ignored(user_client, user, bank):
    grade(user, bank[0], 3, NOW)
    card = Card.objects.get(user=user)
    response = user_client.post(
        reverse("practice:card-action", args=[card.pk]),
        {"action": "bury", "next": "https://evil.example/"},
    )
    assert response["Location"] == card.get_absolute_url()


def test_bad_input_on_a_card_is_a_clear_400(user_client, user, bank):
    grade(user, bank[0], 3, NOW)
    card = Card.objects.get(user=user)
    url = reverse("practice:card-action", args=[card.pk])
    response = user_client.post(url, {"action": "set_due"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Choose the day the cards should come due." in response.content.decode()
    response = user_client.post(url, {"action": "explode"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    session = session_start(user=user, mode="new", size=2)
    item = current_item(session)
    response = user_client.post(
        reverse("practice:set-aside", args=[session.pk, item.pk]), {"action": "x"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_another_members_card_and_session_are_404s(client, user, bank):
    grade(user, bank[0], 3, NOW)
    card = Card.objects.get(user=user)
    session = session_start(user=user, mode="new", size=2)
    item = current_item(session)
    client.force_login(UserFactory())
    response = client.post(
        reverse("practice:card-action", args=[card.pk]), {"action": "suspend"}
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    response = client.post(
        reverse("practice:set-aside", args=[session.pk, item.pk]), {"action": "suspend"}
    )
    assert response.status_code == HTTPStatus.NOT_FOUND
    card.refresh_from_db()
    assert card.suspended_at is None
    assert (
        cards_apply(
            user=client.session and UserFactory(),
            card_ids=[card.pk],
            action=CardAction.SUSPEND,
        )
        == 0
    )
