"""Your own deck: CSV and .apkg imports (size limits, zip bombs, sanitized HTML), private cards
practised like the rest, proposed to the bank through the queue, and never in the bank: not in
lists, search, feeds, sitemap, API, related, counts or the bank's exports, a 404 to others."""

import io
import json
import sqlite3
import zipfile
from http import HTTPStatus

import genanki
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from practice.bookmarks import QuestionNote
from practice.models import PracticeSession
from practice.own_deck import (
    MAX_COLLECTION_BYTES,
    DeckFileError,
    parse_apkg,
    parse_csv,
    plain_text,
)
from questions.export import export_lines
from questions.models import Question, QuestionStatus, Status
from tests.factories import TopicFactory, UserFactory
from tests.practice_factories import current_item, practisable_question, urls_for

pytestmark = pytest.mark.django_db

SECRET = "What is my secret interview trick zebra"


def apkg(notes) -> bytes:
    """An Anki package of notes (front, back) built by genanki."""
    model = genanki.Model(
        1607392319,
        "Basic",
        fields=[{"name": "Front"}, {"name": "Back"}],
        templates=[{"name": "Card 1", "qfmt": "{{Front}}", "afmt": "{{Back}}"}],
    )
    deck = genanki.Deck(2059400110, "Mine")
    for front, back in notes:
        deck.add_note(genanki.Note(model=model, fields=[front, back]))
    buffer = io.BytesIO()
    genanki.Package(deck).write_to_file(buffer)
    return buffer.getvalue()


def upload(client, name, data, topic):
    return client.post(
        reverse("practice:deck"),
        {"file": SimpleUploadedFile(name, data), "topic": topic.pk},
    )


@pytest.fixture
def topic():
    return TopicFactory(name="My topic", slug="my-topic")


def test_csv_import_makes_private_cards_with_their_backs(user_client, user, topic):
    data = (
        f"front,back\n{SECRET}?,Always ask about the data.\nWhat is L2?,Weight decay.\n"
    )
    response = upload(user_client, "mine.csv", data.encode(), topic)
    assert response.status_code == HTTPStatus.FOUND
    cards = Question.objects.filter(author=user, status=QuestionStatus.PRIVATE)
    assert cards.count() == 2 and {c.topic_id for c in cards} == {topic.pk}
    secret = cards.get(title=f"{SECRET}?")
    assert (
        QuestionNote.objects.get(question=secret).body == "Always ask about the data."
    )
    page = user_client.get(reverse("practice:deck")).content.decode()
    assert SECRET in page and "2 cards" in page
    # The same file again adds nothing.
    upload(user_client, "mine.csv", data.encode(), topic)
    assert cards.count() == 2


def test_apkg_import_reads_notes_and_strips_html(user_client, user, topic):
    data = apkg(
        [
            (
                "What is <b>dropout</b>?<script>alert(1)</script>",
                "Randomly zeroing<br>units &amp; more",
            ),
            (
                "<img src=x onerror=alert(1)>Bias?",
                "<div>Error from</div><div>assumptions</div>",
            ),
        ]
    )
    response = upload(user_client, "deck.apkg", data, topic)
    assert response.status_code == HTTPStatus.FOUND
    titles = set(Question.objects.filter(author=user).values_list("title", flat=True))
    assert titles == {"What is dropout?", "Bias?"}
    backs = set(QuestionNote.objects.values_list("body", flat=True))
    assert backs == {"Randomly zeroing\nunits & more", "Error from\nassumptions"}


def test_plain_text_removes_every_tag():
    assert plain_text('<a href="javascript:x">hi</a><style>p{}</style>') == "hi"
    assert plain_text("a &lt;b&gt; c") == "a <b> c"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("deck.apkg", b"not a zip at all", "not a valid zip"),
        ("notes.pdf", b"%PDF", "Choose a .csv file or an Anki .apkg file"),
        ("mine.csv", b"one column only\n", "exactly two columns"),
        ("mine.csv", b"\xff\xfe\x00bad", "not UTF-8"),
        ("mine.csv", b"front,back\n,no front\n", "Card 1 has no front"),
        ("mine.csv", ("x" * 301 + ",back\n").encode(), "at most 300"),
        ("big.csv", b"a,b\n" * (2 * 1024 * 1024), "larger than 5 MB"),
    ],
)
def test_bad_files_are_refused_clearly_keeping_the_form(
    user_client, user, topic, name, data, message
):
    response = upload(user_client, name, data, topic)
    assert response.status_code == HTTPStatus.BAD_REQUEST
    page = response.content.decode()
    assert message in page
    assert f'value="{topic.pk}" selected' in page  # the topic chosen stays chosen
    assert not Question.objects.filter(author=user).exists()


def test_a_zip_bomb_is_refused_before_it_is_inflated():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", b"\0" * (MAX_COLLECTION_BYTES + 10))
    with pytest.raises(DeckFileError, match="too large"):
        parse_apkg(buffer.getvalue())


def test_a_collection_without_a_notes_table_is_refused():
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIEW notes AS SELECT 1 AS flds")
    data = connection.serialize()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", data)
    with pytest.raises(DeckFileError, match="no notes"):
        parse_apkg(buffer.getvalue())


def test_csv_parser_skips_blank_lines():
    cards = parse_csv(b"Q1,A1\n\nQ2,A2\n")
    assert [(c.front, c.back) for c in cards] == [("Q1", "A1"), ("Q2", "A2")]


@pytest.fixture
def private_card(user_client, user, topic):
    practisable_question(topic=topic, title="A public question in the bank")
    upload(user_client, "mine.csv", f"{SECRET}?,My private back.\n".encode(), topic)
    return Question.objects.get(author=user, status=QuestionStatus.PRIVATE)


def test_private_cards_are_practised_with_their_back_after_the_reveal(
    user_client, user, private_card
):
    user_client.post(reverse("practice:start"), {"mode": "new", "size": 2})
    session = PracticeSession.objects.get(user=user)
    shown = set()
    for _ in range(2):
        item = current_item(session)
        shown.add(item.question_id)
        reveal_url, grade_url = urls_for(item)
        user_client.post(reveal_url, {"thought": "on"})
        if item.question_id == private_card.pk:
            page = user_client.get(session.get_absolute_url()).content.decode()
            assert "The back of your card" in page and "My private back." in page
        user_client.post(grade_url, {"rating": "3"})
    assert private_card.pk in shown
    assert private_card.practice_cards.get().review_count == 1


def test_private_cards_never_enter_the_bank(client, user, moderator, private_card):
    visitor = Client()
    pages = [
        reverse("questions:list"),
        reverse("questions:list") + "?q=zebra",
        reverse("questions:feed-rss"),
        reverse("questions:feed-atom"),
        reverse("sitemap-section", args=["questions"]),
        reverse("questions:download"),
        "/api/v1/questions",
        private_card.topic.get_absolute_url(),
        reverse("home"),
    ]
    for url in pages:
        response = visitor.get(url)
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        ).decode()
        assert "secret interview trick" not in body, url
    assert "secret interview trick" not in "".join(export_lines())
    # Its page and API record are a 404 to everyone, its owner and moderators included.
    owner = Client()
    owner.force_login(user)
    mod = Client()
    mod.force_login(moderator)
    for reader in (visitor, owner, mod):
        assert (
            reader.get(private_card.get_absolute_url()).status_code
            == HTTPStatus.NOT_FOUND
        )
    assert (
        visitor.get(f"/api/v1/questions/{private_card.pk}").status_code
        == HTTPStatus.NOT_FOUND
    )
    # Not in the moderators' queue, not counted in the topic.
    assert (
        "secret interview trick"
        not in mod.get(reverse("moderation:queue")).content.decode()
    )
    assert Question.objects.published().filter(pk=private_card.pk).count() == 0
    topics = json.loads(visitor.get("/api/v1/topics").content)
    mine = next(t for t in topics if t["slug"] == "my-topic")
    assert mine["question_count"] == 1  # the public question only


def test_another_member_cannot_touch_a_private_card(client, private_card):
    client.force_login(UserFactory())
    for name in ("practice:deck-delete", "practice:deck-propose"):
        response = client.post(reverse(name, args=[private_card.pk]))
        assert response.status_code == HTTPStatus.NOT_FOUND
    assert (
        client.post(
            reverse("practice:question-note", args=[private_card.pk]), {"body": "x"}
        ).status_code
        == HTTPStatus.NOT_FOUND
    )
    assert SECRET not in client.get(reverse("practice:deck")).content.decode()
    assert Question.objects.filter(pk=private_card.pk).exists()


def test_a_private_card_is_proposed_to_the_bank_through_the_queue(
    user_client, user, moderator, private_card
):
    response = user_client.post(
        reverse("practice:deck-propose", args=[private_card.pk])
    )
    proposal = Question.objects.get(author=user, status=Status.PENDING)
    assert response["Location"] == proposal.get_absolute_url()
    assert proposal.title == private_card.title and proposal.pk != private_card.pk
    mod = Client()
    mod.force_login(moderator)
    assert (
        "secret interview trick"
        in mod.get(reverse("moderation:queue")).content.decode()
    )
    private_card.refresh_from_db()
    assert private_card.status == QuestionStatus.PRIVATE  # the card stays in the deck


def test_deleting_a_private_card_deletes_its_card_and_note(
    user_client, user, private_card
):
    user_client.post(reverse("practice:deck-delete", args=[private_card.pk]))
    assert not Question.objects.filter(pk=private_card.pk).exists()
    assert not QuestionNote.objects.exists()


def test_own_cards_go_to_anki_with_their_back_and_no_link(user, private_card):
    from practice.exports import anki_package
    from tests.practice_factories import grade

    grade(user, private_card, 3, private_card.created_at)
    archive = zipfile.ZipFile(io.BytesIO(anki_package(user, site_url="https://x.org")))
    connection = sqlite3.connect(":memory:")
    connection.deserialize(archive.read("collection.anki2"))
    (fields,) = connection.execute("SELECT flds FROM notes").fetchone()
    front, back, _attempt, link = fields.split("\x1f")
    assert SECRET in front and back == "<p>My private back.</p>" and link == ""


def test_pages_of_a_private_card_link_its_card_page_never_its_missing_question_page(
    user_client, user, private_card
):
    user_client.post(reverse("practice:start"), {"mode": "new", "size": 2})
    session = PracticeSession.objects.get(user=user)
    for _ in range(2):
        reveal_url, grade_url = urls_for(current_item(session))
        user_client.post(reveal_url, {"thought": "on"})
        user_client.post(grade_url, {"rating": "3"})
    card = private_card.practice_cards.get()
    question_page = f'href="{private_card.get_absolute_url()}'
    assert user_client.get(private_card.get_absolute_url()).status_code == 404
    summary = user_client.get(session.get_absolute_url()).content.decode()
    history = user_client.get(reverse("practice:history")).content.decode()
    detail = user_client.get(card.get_absolute_url()).content.decode()
    for page in (summary, history):
        assert f'href="{card.get_absolute_url()}"' in page
    for page in (summary, history, detail):
        assert question_page not in page
    assert "Your own card" in detail
