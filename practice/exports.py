"""Exports of a user's practice data: the review history as CSV, the deck as an Anki package."""

import csv
import hashlib
import io
import itertools
import json
import re
import sqlite3
import time
import zipfile

import genanki
from django.db.models import OuterRef, Subquery
from django.utils.html import escape, format_html, linebreaks

from questions.models import Answer

from .models import Card, Rating, Review
from .selectors import best_answer

CSV_HEADER = [
    "reviewed_at",
    "question_id",
    "question",
    "topic",
    "difficulty",
    "rating",
    "rating_value",
    "time_spent_seconds",
    "predicted_recall",
    "attempt",
]
# Spreadsheets run cells starting with these as formulas: a quote in front keeps them text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Fixed ids, so that importing a new export updates the notes instead of duplicating them.
ANKI_MODEL_ID = 1_738_204_117
ANKI_MODEL = genanki.Model(
    ANKI_MODEL_ID,
    "MLQA practice card",
    fields=[
        {"name": "Question"},
        {"name": "Answer"},
        {"name": "MyAttempt"},
        {"name": "Link"},
    ],
    templates=[
        {
            "name": "MLQA card",
            "qfmt": "<div class='question'>{{Question}}</div>",
            "afmt": (
                "{{FrontSide}}<hr id='answer'><div class='answer'>{{Answer}}</div>"
                "{{#MyAttempt}}<h4>Your last attempt</h4>"
                "<div class='attempt'>{{MyAttempt}}</div>{{/MyAttempt}}"
                "<p class='link'>{{Link}}</p>"
            ),
        }
    ],
    css=(
        ".card { font-family: system-ui, sans-serif; font-size: 18px; text-align: left; }"
        " .question { font-weight: 600; } .attempt { color: #555; } .link { font-size: 14px; }"
    ),
)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


class _Echo:
    """A file-like object whose write returns the line, for a streaming CSV response."""

    def write(self, value):
        return value


def csv_lines(reviews):
    """The header and one line per review, oldest first, as text for a streaming response."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADER)
    reviews = reviews.select_related("card__question__topic").order_by(
        "reviewed_at", "id"
    )
    for review in reviews.iterator(chunk_size=2000):
        question = review.card.question
        yield writer.writerow(
            [
                _cell(review.reviewed_at.isoformat()),
                question.pk,
                _cell(question.prompt),
                _cell(question.topic.name),
                question.difficulty,
                Rating(review.rating).label,
                review.rating,
                review.duration_seconds if review.duration_ms is not None else "",
                "" if review.retrievability is None else f"{review.retrievability:.4f}",
                _cell(review.attempt),
            ]
        )


def anki_deck_id(user) -> int:
    """A stable deck id per user, in the range genanki recommends."""
    digest = hashlib.sha256(f"mlqa-practice-deck:{user.pk}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


# A site-relative link in an answer ("/questions/12/...") or a path of ours: Anki opens cards
# outside the site, where only absolute addresses lead anywhere.
_RELATIVE_LINK = re.compile(r'(\s(?:href|src)=")/(?!/)')


def absolute_links(html: str, site_url: str) -> str:
    """`html` with its site-relative href and src addresses made absolute under `site_url`."""
    return _RELATIVE_LINK.sub(lambda m: f"{m.group(1)}{site_url}/", html)


def anki_notes(user, *, site_url):
    """One note per card: the prompt; the canonical (or best) answer and the last attempt; a
    link to the question on the site (absolute: `site_url` is "https://host", no slash)."""
    last_attempt = (
        Review.objects.counted()
        .filter(card=OuterRef("pk"))
        .exclude(attempt="")
        .order_by("-reviewed_at", "-id")
        .values("attempt")[:1]
    )
    cards = list(
        Card.objects.practised()
        .filter(user=user)
        .select_related("question__topic")
        .annotate(last_attempt=Subquery(last_attempt))
        .order_by("question__topic__position", "question_id")
    )
    answers = {}
    for answer in Answer.objects.visible().filter(
        question_id__in=[c.question_id for c in cards]
    ):
        answers.setdefault(answer.question_id, []).append(answer)
    for card in cards:
        question = card.question
        answer = best_answer(answers.get(question.pk, []))
        yield genanki.Note(
            model=ANKI_MODEL,
            fields=[
                escape(question.prompt),
                absolute_links(answer.body_html, site_url)
                if answer
                else "<p><em>No answer yet.</em></p>",
                linebreaks(card.last_attempt, autoescape=True)
                if card.last_attempt
                else "",
                format_html(
                    '<a href="{}">{}</a>',
                    site_url + question.get_absolute_url(),
                    "Open on MLQA",
                ),
            ],
            guid=genanki.guid_for("mlqa-question", question.pk),
            tags=["mlqa", question.topic.slug],
        )


def anki_package(user, *, site_url, deck_name="MLQA practice") -> bytes:
    """The .apkg file (a zip holding Anki's SQLite collection), built in memory."""
    deck = genanki.Deck(anki_deck_id(user), deck_name)
    for note in anki_notes(user, site_url=site_url.rstrip("/")):
        deck.add_note(note)
    package = genanki.Package(deck)
    timestamp = time.time()
    # genanki writes through a temporary file it never deletes; an in-memory database avoids it.
    connection = sqlite3.connect(":memory:")
    try:
        package.write_to_db(
            connection.cursor(), timestamp, itertools.count(int(timestamp * 1000))
        )
        connection.commit()
        collection = connection.serialize()
    finally:
        connection.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", collection)
        archive.writestr("media", json.dumps({}))
    return buffer.getvalue()
