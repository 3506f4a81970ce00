"""CSV and Anki exports of a user's practice data."""

import csv
import io
import json
import sqlite3
import zipfile
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.urls import reverse
from django.utils import timezone

from practice.exports import ANKI_MODEL_ID, CSV_HEADER, anki_deck_id, anki_package
from tests.factories import AnswerFactory, TopicFactory, UserFactory
from tests.practice_factories import grade, practisable_question

pytestmark = pytest.mark.django_db

SITE = "https://mlqa.example.org"


def read_csv(response):
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def open_apkg(data):
    """The notes and the collection's models and decks from an .apkg file."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert set(archive.namelist()) == {"collection.anki2", "media"}
    connection = sqlite3.connect(":memory:")
    connection.deserialize(archive.read("collection.anki2"))
    notes = connection.execute(
        "SELECT guid, mid, flds, tags FROM notes ORDER BY id"
    ).fetchall()
    models, decks = connection.execute("SELECT models, decks FROM col").fetchone()
    cards = connection.execute("SELECT did FROM cards").fetchall()
    connection.close()
    return notes, json.loads(models), json.loads(decks), cards


@pytest.fixture
def practised(user):
    now = timezone.now()
    topic = TopicFactory(name="Optimisation", slug="optimisation")
    sgd = practisable_question(topic=topic, title="What does momentum do in SGD?")
    AnswerFactory(
        question=sgd,
        is_canonical=True,
        body="Momentum **averages** past gradients to damp oscillation.",
    )
    AnswerFactory(
        question=sgd,
        body="A community answer that is not canonical, about momentum and such.",
    )
    grade(user, sgd, 1, now - timedelta(days=3), attempt="It speeds things up?")
    grade(user, sgd, 3, now - timedelta(days=1), attempt='=HYPERLINK("http://evil")')
    grade(user, sgd, 3, now, attempt="")
    bias = practisable_question(
        topic=topic, title="What is the bias–variance trade-off?"
    )
    grade(
        user,
        bias,
        4,
        now - timedelta(hours=2),
        attempt="Error = bias² + variance + noise,\nroughly.",
    )
    return sgd, bias


def test_csv_has_every_review_oldest_first(user_client, practised):
    rows = read_csv(user_client.get(reverse("practice:history-csv")))
    assert rows[0] == CSV_HEADER
    assert len(rows) == 5
    body = [dict(zip(CSV_HEADER, row, strict=True)) for row in rows[1:]]
    assert [r["rating"] for r in body] == ["Again", "Good", "Easy", "Good"]
    first = body[0]
    assert first["question"] == "What does momentum do in SGD?"
    assert first["topic"] == "Optimisation"
    assert first["attempt"] == "It speeds things up?"
    assert first["time_spent_seconds"] == "20"
    assert first["predicted_recall"] == ""  # a first review has no prediction
    assert 0 < float(body[1]["predicted_recall"]) < 1
    assert body[2]["attempt"] == "Error = bias² + variance + noise,\nroughly."


def test_csv_cells_cannot_run_as_spreadsheet_formulas(user_client, practised):
    rows = read_csv(user_client.get(reverse("practice:history-csv")))
    assert rows[2][-1] == '\'=HYPERLINK("http://evil")'


def test_csv_uses_the_history_filters(user_client, practised):
    rows = read_csv(user_client.get(reverse("practice:history-csv"), {"rating": 3}))
    assert [row[5] for row in rows[1:]] == ["Good", "Good"]


def test_csv_of_a_user_without_reviews_is_just_the_header(client):
    client.force_login(UserFactory())
    assert read_csv(client.get(reverse("practice:history-csv"))) == [CSV_HEADER]


def test_anki_package_has_a_note_per_card(user, user_client, practised):
    sgd, bias = practised
    response = user_client.get(reverse("practice:anki-export"))
    assert response.status_code == HTTPStatus.OK
    assert (
        response["Content-Disposition"] == 'attachment; filename="mlqa-practice.apkg"'
    )
    notes, models, decks, cards = open_apkg(response.content)
    assert len(notes) == 2 and len(cards) == 2
    fields = {flds.split("\x1f")[0]: flds.split("\x1f") for _, _, flds, _ in notes}
    momentum = fields["What does momentum do in SGD?"]
    assert (
        "Momentum <strong>averages</strong> past gradients" in momentum[1]
    )  # the canonical answer
    assert "community answer" not in momentum[1]
    assert "HYPERLINK" in momentum[2]  # the last attempt that was written down
    assert "It speeds things up?" not in momentum[2]
    # Absolute: a card in Anki is not on the site (the test client's host is "testserver").
    assert momentum[3] == (
        f'<a href="http://testserver{sgd.get_absolute_url()}">Open on MLQA</a>'
    )
    trade_off = fields["What is the bias–variance trade-off?"]
    assert (
        f"Reference answer number {bias.pk}" in trade_off[1]
    )  # no canonical: the best there is
    assert trade_off[2] == "<p>Error = bias² + variance + noise,<br>roughly.</p>"
    assert {mid for _, mid, _, _ in notes} == {ANKI_MODEL_ID}
    assert str(ANKI_MODEL_ID) in models
    assert str(anki_deck_id(user)) in decks
    assert {did for (did,) in cards} == {anki_deck_id(user)}
    assert all(
        " mlqa " in tags or tags.strip().startswith("mlqa") for _, _, _, tags in notes
    )


def test_anki_ids_are_stable_and_per_user(user, practised):
    again, _, _, _ = open_apkg(anki_package(user, site_url=SITE))
    first, _, _, _ = open_apkg(anki_package(user, site_url=SITE))
    assert [guid for guid, *_ in again] == [guid for guid, *_ in first]
    other = UserFactory()
    assert anki_deck_id(user) == anki_deck_id(user) != anki_deck_id(other)
    assert (1 << 30) <= anki_deck_id(other) < (1 << 31)


def test_prompts_are_escaped_in_anki(user):
    question = practisable_question(title="Is <b>bold</b> & safe?")
    grade(user, question, 3, timezone.now(), attempt="<script>alert(1)</script>")
    notes, *_ = open_apkg(anki_package(user, site_url=SITE))
    flds = notes[0][2].split("\x1f")
    assert flds[0] == "Is &lt;b&gt;bold&lt;/b&gt; &amp; safe?"
    assert "<script>" not in flds[2]


def test_anki_links_are_absolute_under_site_url_when_it_is_set(
    user, user_client, practised, settings
):
    sgd, _bias = practised
    settings.SITE_URL = SITE
    notes, *_ = open_apkg(user_client.get(reverse("practice:anki-export")).content)
    fields = {flds.split("\x1f")[0]: flds.split("\x1f") for _, _, flds, _ in notes}
    link = fields["What does momentum do in SGD?"][3]
    assert link == f'<a href="{SITE}{sgd.get_absolute_url()}">Open on MLQA</a>'


def test_site_relative_links_in_answers_become_absolute():
    from practice.exports import absolute_links

    html = (
        '<p><a href="/questions/1/q/" rel="nofollow">q</a> <img src="/static/x.svg" alt="">'
        ' <a href="https://other.example/">o</a> <a href="//cdn.example/x">c</a></p>'
    )
    assert absolute_links(html, SITE) == (
        f'<p><a href="{SITE}/questions/1/q/" rel="nofollow">q</a> <img src="{SITE}/static/x.svg" alt="">'
        ' <a href="https://other.example/">o</a> <a href="//cdn.example/x">c</a></p>'
    )


def open_collection(data):
    archive = zipfile.ZipFile(io.BytesIO(data))
    connection = sqlite3.connect(":memory:")
    connection.deserialize(archive.read("collection.anki2"))
    return connection


def anki_cards(connection):
    """{question prompt: card row as a dict} of the collection."""
    rows = connection.execute(
        "SELECT notes.flds, cards.id, type, queue, due, ivl, factor, reps, lapses, left, cards.data"
        " FROM cards JOIN notes ON notes.id = cards.nid"
    ).fetchall()
    names = [
        "id",
        "type",
        "queue",
        "due",
        "ivl",
        "factor",
        "reps",
        "lapses",
        "left",
        "data",
    ]
    return {
        flds.split("\x1f")[0]: dict(zip(names, rest, strict=True))
        for flds, *rest in rows
    }


def test_anki_package_carries_each_cards_schedule_and_review_log(user, practised):
    """Cards arrive in Anki where they are in MLQA: a review card due on its day, a learning
    card due at its moment, the FSRS state, and every review in the revlog."""
    from practice.models import Card

    sgd, bias = practised
    new_question = practisable_question(title="What is dropout?")
    Card.objects.create(user=user, question=new_question)
    connection = open_collection(anki_package(user, site_url=SITE))
    crt = connection.execute("SELECT crt FROM col").fetchone()[0]
    cards = anki_cards(connection)

    momentum = Card.objects.get(user=user, question=sgd)
    assert momentum.state == 2  # Again, Good, Good: in review
    row = cards["What does momentum do in SGD?"]
    assert (row["type"], row["queue"]) == (2, 2)
    assert row["due"] == int((momentum.due.timestamp() - crt) // 86400)
    assert row["ivl"] == round(
        (momentum.due - momentum.last_review).total_seconds() / 86400
    )
    assert (row["reps"], row["lapses"]) == (3, momentum.lapse_count)
    memory = json.loads(row["data"])
    assert memory["s"] == pytest.approx(momentum.stability, abs=1e-3)
    assert memory["d"] == pytest.approx(momentum.difficulty, abs=1e-3)
    assert 1300 <= row["factor"] <= 3000

    trade_off = Card.objects.get(user=user, question=bias)
    row = cards["What is the bias–variance trade-off?"]
    if trade_off.state == 2:  # Easy on a new card goes straight to review
        assert (row["type"], row["queue"]) == (2, 2)
    else:
        assert row["queue"] == 1 and row["due"] == int(trade_off.due.timestamp())

    assert "What is dropout?" not in cards  # never graded: not in the deck

    revlog = connection.execute(
        "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id"
    ).fetchall()
    momentum_log = [
        r for r in revlog if r[1] == cards["What does momentum do in SGD?"]["id"]
    ]
    assert [r[2] for r in momentum_log] == [1, 3, 3]  # the grades, oldest first
    assert [r[7] for r in momentum_log][0] == 0  # the first review is a learning one
    reviews = list(momentum.reviews.order_by("reviewed_at"))
    assert [r[0] for r in momentum_log] == [
        int(review.reviewed_at.timestamp() * 1000) for review in reviews
    ]
    assert momentum_log[0][3] < 0  # back to learning: minutes, as negative seconds
    assert momentum_log[-1][3] == cards["What does momentum do in SGD?"]["ivl"]
    assert momentum_log[1][4] == momentum_log[0][3]  # lastIvl follows
    assert all(0 <= r[6] <= 60_000 for r in revlog)
    assert len(revlog) == 4
    connection.close()


def test_anki_cards_keep_code_readable(user, practised):
    connection = open_collection(anki_package(user, site_url=SITE))
    models = json.loads(connection.execute("SELECT models FROM col").fetchone()[0])
    css = models[str(ANKI_MODEL_ID)]["css"]
    assert ".highlight .k" in css  # Pygments' keyword colour, as on the site
    assert ".nightMode .highlight" in css
    assert "white-space: pre" in css


def test_anki_package_keeps_cards_set_aside_out_of_the_queues(user, practised):
    """A suspended card arrives suspended (queue -1), one buried until a later time buried (-3,
    Anki unburies it when the day passes), one whose burial is over in its normal queue; their
    schedules stay."""
    from practice.models import Card

    sgd, bias = practised
    now = timezone.now()
    Card.objects.filter(user=user, question=sgd).update(suspended_at=now)
    Card.objects.filter(user=user, question=bias).update(
        buried_until=now + timedelta(hours=5)
    )
    connection = open_collection(anki_package(user, site_url=SITE))
    cards = anki_cards(connection)
    suspended = cards["What does momentum do in SGD?"]
    assert (suspended["type"], suspended["queue"]) == (2, -1)
    assert suspended["ivl"] >= 1  # still a review card with its interval
    assert cards["What is the bias–variance trade-off?"]["queue"] == -3
    connection.close()

    Card.objects.filter(user=user, question=bias).update(
        buried_until=now - timedelta(minutes=1)
    )
    connection = open_collection(anki_package(user, site_url=SITE))
    assert anki_cards(connection)["What is the bias–variance trade-off?"]["queue"] in (
        1,
        2,
    )
    connection.close()


def test_anki_revlog_replays_fuzzed_intervals(user):
    """With interval fuzz on, each revlog interval is the fuzzed one the card got (the replay
    passes each review's fuzz flag), so the last one equals the card's interval."""
    from practice.models import PracticeSettings
    from practice.services import item_reveal, review_record, session_start
    from tests.practice_factories import current_item

    PracticeSettings.objects.create(user=user, interval_fuzz=True)
    for number in range(6):
        practisable_question(title=f"Question number {number} about fuzz?")
    moment = timezone.now() - timedelta(hours=1)
    session = session_start(user=user, mode="new", size=6, now=moment)
    while (item := current_item(session)) is not None:
        moment += timedelta(seconds=10)
        item_reveal(item=item, thought_through=True, now=moment)
        review_record(item=item, rating=4, now=moment)  # Easy: days, fuzzed
    connection = open_collection(anki_package(user, site_url=SITE))
    cards = anki_cards(connection)
    revlog = dict(connection.execute("SELECT cid, ivl FROM revlog").fetchall())
    connection.close()
    assert len(cards) == 6
    assert all(revlog[row["id"]] == row["ivl"] for row in cards.values())
