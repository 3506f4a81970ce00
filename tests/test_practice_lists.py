"""Lists and notes through the real views: bookmark, share, note on the card, practise a list;
another member's list or note is a 404, and bad input keeps the member's text."""

import re
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from practice.bookmarks import ListEntry, QuestionList, QuestionNote
from practice.models import Mode, PracticeSession, SessionItem
from tests.factories import QuestionFactory, UserFactory
from tests.practice_factories import (
    current_item,
    make_bank,
    practisable_question,
    urls_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    return make_bank()


def save_url(question):
    return reverse("practice:question-save", args=[question.pk])


def note_url(question):
    return reverse("practice:question-note", args=[question.pk])


def test_a_member_saves_a_question_into_a_new_list_and_an_old_one(
    user_client, user, bank
):
    response = user_client.post(reverse("practice:lists"), {"name": "Onsite"})
    onsite = QuestionList.objects.get(user=user, name="Onsite")
    assert response["Location"] == onsite.get_absolute_url()
    response = user_client.post(
        save_url(bank[0]), {"lists": [onsite.pk], "new_list": "Tricky ones"}
    )
    assert response.status_code == HTTPStatus.FOUND
    tricky = QuestionList.objects.get(user=user, name="Tricky ones")
    assert set(ListEntry.objects.values_list("question_list_id", flat=True)) == {
        onsite.pk,
        tricky.pk,
    }
    page = user_client.get(onsite.get_absolute_url()).content.decode()
    assert bank[0].title in page and bank[1].title not in page
    # Unticking takes it off.
    user_client.post(save_url(bank[0]), {"lists": [tricky.pk]})
    assert not onsite.entries.exists() and tricky.entries.count() == 1
    page = user_client.get(save_url(bank[0])).content.decode()
    assert re.search(rf'value="{tricky.pk}"[^>]*checked', page)
    assert not re.search(rf'value="{onsite.pk}"[^>]*checked', page)


def test_a_duplicate_list_name_is_refused_keeping_the_text(user_client, user, bank):
    QuestionList.objects.create(user=user, name="Onsite")
    response = user_client.post(reverse("practice:lists"), {"name": "Onsite"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "already have a list with this name" in response.content.decode()
    response = user_client.post(save_url(bank[0]), {"new_list": "Onsite"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert 'value="Onsite"' in response.content.decode()


def test_another_members_list_note_and_save_page_are_theirs_alone(client, user, bank):
    mine = QuestionList.objects.create(user=user, name="Secret plan")
    ListEntry.objects.create(question_list=mine, question=bank[0])
    QuestionNote.objects.create(user=user, question=bank[0], body="MY PRIVATE NOTE")
    other = UserFactory()
    client.force_login(other)
    for url in (
        mine.get_absolute_url(),
        mine.get_share_url(),  # private: the link shows nothing
    ):
        assert client.get(url).status_code == HTTPStatus.NOT_FOUND
    for url in (
        mine.get_absolute_url(),
        reverse("practice:list-delete", args=[mine.pk]),
        reverse("practice:list-practise", args=[mine.pk]),
        reverse("practice:list-remove", args=[mine.pk, bank[0].pk]),
    ):
        assert client.post(url, {"name": "Stolen"}).status_code == HTTPStatus.NOT_FOUND
    assert "MY PRIVATE NOTE" not in client.get(save_url(bank[0])).content.decode()
    # Ticking someone else's list id does nothing to it.
    client.post(save_url(bank[1]), {"lists": [mine.pk]})
    assert list(mine.entries.values_list("question_id", flat=True)) == [bank[0].pk]
    mine.refresh_from_db()
    assert mine.name == "Secret plan"


def test_anonymous_visitors_are_sent_to_log_in(client, user, bank):
    mine = QuestionList.objects.create(user=user, name="Mine")
    for url in (reverse("practice:lists"), mine.get_absolute_url(), save_url(bank[0])):
        assert reverse("account_login") in client.get(url)["Location"]
    response = client.post(note_url(bank[0]), {"body": "x"})
    assert reverse("account_login") in response["Location"]
    assert not QuestionNote.objects.exists()


def test_a_public_list_is_seen_through_its_share_link_only(user_client, user, bank):
    client = Client()  # a visitor
    user_client.post(reverse("practice:lists"), {"name": "Shared", "is_public": "on"})
    shared = QuestionList.objects.get(user=user)
    ListEntry.objects.create(question_list=shared, question=bank[0])
    QuestionNote.objects.create(user=user, question=bank[0], body="MY PRIVATE NOTE")
    assert len(shared.share_token) >= 24
    page = client.get(shared.get_share_url()).content.decode()
    assert bank[0].title in page and "MY PRIVATE NOTE" not in page
    assert client.get(shared.get_absolute_url()).status_code == HTTPStatus.FOUND
    # A new link kills the old one; making it private hides it.
    old = shared.get_share_url()
    user_client.post(
        shared.get_absolute_url(),
        {"name": "Shared", "is_public": "on", "new_link": "on"},
    )
    assert client.get(old).status_code == HTTPStatus.NOT_FOUND
    shared.refresh_from_db()
    assert client.get(shared.get_share_url()).status_code == HTTPStatus.OK
    user_client.post(shared.get_absolute_url(), {"name": "Shared"})
    assert client.get(shared.get_share_url()).status_code == HTTPStatus.NOT_FOUND


def test_unpublished_questions_are_not_shown_in_a_list(client, user, bank):
    shared = QuestionList.objects.create(user=user, name="Shared", is_public=True)
    hidden = QuestionFactory(status="pending", title="A pending proposal title")
    ListEntry.objects.create(question_list=shared, question=hidden)
    assert (
        "A pending proposal title"
        not in client.get(shared.get_share_url()).content.decode()
    )


def test_the_note_shows_on_the_card_after_the_reveal_only(user_client, user, bank):
    for question in bank:
        QuestionNote.objects.create(
            user=user, question=question, body="REMEMBER THE CHAIN RULE"
        )
    user_client.post(reverse("practice:start"), {"mode": "due", "size": 2})
    session = PracticeSession.objects.get(user=user)
    item = current_item(session)
    assert (
        "REMEMBER THE CHAIN RULE"
        not in user_client.get(session.get_absolute_url()).content.decode()
    )
    reveal_url, _ = urls_for(item)
    user_client.post(reveal_url, {"attempt": "my try"})
    assert (
        "REMEMBER THE CHAIN RULE"
        in user_client.get(session.get_absolute_url()).content.decode()
    )
    # Edited from the card: back to the card, the cached page shows the new note at once.
    response = user_client.post(
        note_url(item.question),
        {"body": "Backprop: chain rule.", "next": session.get_absolute_url()},
    )
    assert response["Location"] == session.get_absolute_url()
    page = user_client.get(session.get_absolute_url()).content.decode()
    assert "Backprop: chain rule." in page and "REMEMBER THE CHAIN RULE" not in page
    # An empty note is deleted; an outside `next` is ignored.
    response = user_client.post(
        note_url(item.question), {"body": "  ", "next": "https://evil.example/"}
    )
    assert response["Location"] == save_url(item.question)
    assert not QuestionNote.objects.filter(question=item.question).exists()


def test_a_note_too_long_is_refused_keeping_the_text(user_client, bank):
    body = "x" * 5001
    response = user_client.post(note_url(bank[0]), {"body": body})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert body in response.content.decode()
    assert not QuestionNote.objects.exists()


def test_practising_a_list_shows_only_its_questions_due_then_new_in_order(
    user_client, user, bank
):
    extra = practisable_question(topic=bank[0].topic)
    chosen = QuestionList.objects.create(user=user, name="Two")
    for question in (extra, bank[1]):
        ListEntry.objects.create(question_list=chosen, question=question)
    response = user_client.post(reverse("practice:list-practise", args=[chosen.pk]))
    session = PracticeSession.objects.get(user=user)
    assert response["Location"] == session.get_absolute_url()
    assert session.mode == Mode.LIST and session.question_list == chosen
    shown = []
    for _ in range(2):
        item = current_item(session)
        shown.append(item.question_id)
        reveal_url, grade_url = urls_for(item)
        user_client.post(reveal_url, {"thought": "on"})
        user_client.post(grade_url, {"rating": "3"})
    assert shown == [extra.pk, bank[1].pk]
    # Nothing new or due: early reviews of the list's cards, never another question.
    user_client.post(reverse("practice:list-practise", args=[chosen.pk]))
    again = PracticeSession.objects.latest("started_at")
    item = current_item(again)
    assert item.reason == SessionItem.Reason.EARLY
    assert item.question_id in {extra.pk, bank[1].pk}


def test_an_empty_list_says_there_is_nothing_to_practise(user_client, user, bank):
    empty = QuestionList.objects.create(user=user, name="Empty")
    response = user_client.post(
        reverse("practice:list-practise", args=[empty.pk]), follow=True
    )
    assert "Nothing to practise in this list" in response.content.decode()
    assert not PracticeSession.objects.exists()


def test_removing_and_deleting(user_client, user, bank):
    chosen = QuestionList.objects.create(user=user, name="Two")
    ListEntry.objects.create(question_list=chosen, question=bank[0])
    user_client.post(reverse("practice:list-remove", args=[chosen.pk, bank[0].pk]))
    assert not chosen.entries.exists()
    user_client.post(reverse("practice:list-delete", args=[chosen.pk]))
    assert not QuestionList.objects.exists()


def test_the_lists_page_costs_a_fixed_number_of_queries(
    user_client, user, bank, django_assert_max_num_queries
):
    for index in range(3):
        chosen = QuestionList.objects.create(user=user, name=f"List {index}")
        for question in bank:
            ListEntry.objects.create(question_list=chosen, question=question)
    user_client.get(reverse("practice:lists"))
    with django_assert_max_num_queries(6):
        page = user_client.get(reverse("practice:lists")).content.decode()
    assert "3 questions" in page
    with django_assert_max_num_queries(8):
        user_client.get(chosen.get_absolute_url())


def test_deleting_the_account_deletes_lists_and_notes(user, bank):
    from accounts.services import user_delete

    QuestionList.objects.create(user=user, name="Mine")
    QuestionNote.objects.create(user=user, question=bank[0], body="note")
    user_delete(user=user)
    assert not QuestionList.objects.exists() and not QuestionNote.objects.exists()


@pytest.mark.usefixtures("production_caches")
def test_the_note_shows_on_its_authors_question_page_alone_and_follows_edits():
    from caching.pages import HIT_HEADER
    from tests.factories import signed_in_client

    question = QuestionFactory()
    url = question.get_absolute_url()
    author, other, visitor = signed_in_client(), signed_in_client(), Client()

    def page(client):
        client.get(url)
        response = client.get(url)  # the second from the cache
        assert response.status_code == HTTPStatus.OK
        assert response[HIT_HEADER] == "hit"
        return response.content.decode()

    for client in (author, other, visitor):
        assert "Your note" not in page(client)  # each one's page in the cache first
    author.post(note_url(question), {"body": "MARKER: bias-variance, say it aloud"})
    assert "MARKER: bias-variance" in page(author)
    assert "Your note" in page(author)
    for client in (other, visitor):
        assert "MARKER" not in page(client)
    author.post(note_url(question), {"body": "EDITED: start from the loss"})
    mine = page(author)
    assert "EDITED: start from the loss" in mine and "MARKER" not in mine
    author.post(note_url(question), {"body": ""})  # deleted
    assert "EDITED" not in page(author)
    assert "Your note" not in page(author)
    # Another member's note on the same question never shows on the author's page.
    QuestionNote.objects.create(user=other.member, question=question, body="OTHERS")
    assert "OTHERS" not in page(author) and "OTHERS" in page(other)
