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
from pygments.formatters import HtmlFormatter

from questions.models import Answer, QuestionStatus

from .models import (
    Card,
    CardState,
    FsrsParameters,
    QuestionNote,
    Rating,
    Review,
)
from .scheduling import apply_review, replayed_reviews
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
        # Code as on the site: monospaced, kept on its lines, scrolled sideways, coloured by
        # the classes Pygments put in the answers (light, and Anki's night mode).
        " pre, code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 15px; }"
        " pre { white-space: pre; overflow-x: auto; padding: 0.6em 0.8em; border-radius: 4px; }"
        " .highlight { margin: 0.5em 0; }\n"
        + HtmlFormatter(style="default").get_style_defs(".highlight")
        + "\n"
        + HtmlFormatter(style="github-dark").get_style_defs(".nightMode .highlight")
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
    # The cards of the member's own deck: the back is their note; no page on the site.
    backs = dict(
        QuestionNote.objects.filter(
            user=user, question__status=QuestionStatus.PRIVATE
        ).values_list("question_id", "body")
    )
    for card in cards:
        question = card.question
        answer = best_answer(answers.get(question.pk, []))
        if question.status == QuestionStatus.PRIVATE:
            back = linebreaks(backs.get(question.pk, ""), autoescape=True)
        elif answer:
            back = absolute_links(answer.body_html, site_url)
        else:
            back = "<p><em>No answer yet.</em></p>"
        yield genanki.Note(
            model=ANKI_MODEL,
            fields=[
                escape(question.prompt),
                back,
                linebreaks(card.last_attempt, autoescape=True)
                if card.last_attempt
                else "",
                ""
                if question.status == QuestionStatus.PRIVATE
                else format_html(
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
        write_schedules(connection, user, timestamp=timestamp)
        connection.commit()
        collection = connection.serialize()
    finally:
        connection.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", collection)
        archive.writestr("media", json.dumps({}))
    return buffer.getvalue()


# --- Scheduling: cards arrive in Anki where they are in MLQA, not as new -------------------------
# genanki writes every card new. Anki's tables (schema 11) are then updated directly: each card's
# type, queue, due, interval, ease, repetitions and lapses, its FSRS memory state (cards.data,
# read by Anki 23.10+ with FSRS on), and one revlog row per review of the log.
ANKI_NEW, ANKI_LEARNING, ANKI_REVIEW, ANKI_RELEARNING = 0, 1, 2, 3  # cards.type
QUEUE_LEARNING, QUEUE_REVIEW = 1, 2  # cards.queue (0 is new)
QUEUE_SUSPENDED, QUEUE_BURIED = (
    -1,
    -3,
)  # Anki's "manually buried": unburied when the day passes
REVLOG_LEARN, REVLOG_REVIEW, REVLOG_RELEARN = 0, 1, 2  # revlog.type
ANKI_MAX_ANSWER_MS = 60_000
SECONDS_PER_DAY = 86_400  # Anki's own cap on the time a review took
CARD_TYPE = {
    CardState.LEARNING: (ANKI_LEARNING, QUEUE_LEARNING),
    CardState.REVIEW: (ANKI_REVIEW, QUEUE_REVIEW),
    CardState.RELEARNING: (ANKI_RELEARNING, QUEUE_LEARNING),
}
REVLOG_TYPE = {
    CardState.LEARNING: REVLOG_LEARN,
    CardState.REVIEW: REVLOG_REVIEW,
    CardState.RELEARNING: REVLOG_RELEARN,
}


def anki_ease(difficulty) -> int:
    """SM-2's ease factor (permille) for an FSRS difficulty: 1 (easiest) -> 3000, 10 -> 1300;
    what Anki uses when FSRS is off."""
    if difficulty is None:
        return 2500
    return round(3000 - (min(max(difficulty, 1.0), 10.0) - 1) / 9 * 1700)


def anki_interval(due, at) -> int:
    """revlog.ivl: days when the card went to review, negative seconds while it is learning."""
    seconds = (due - at).total_seconds()
    if seconds >= SECONDS_PER_DAY:
        return max(1, round(seconds / SECONDS_PER_DAY))
    return -max(1, round(seconds))


def set_aside_queue(card, timestamp) -> int | None:
    """cards.queue of a card the member set aside (suspended, or buried until a time after the
    export's `timestamp`), else None: the card's schedule is kept, out of the study queues."""
    if card.suspended_at is not None:
        return QUEUE_SUSPENDED
    if card.buried_until is not None and card.buried_until.timestamp() > timestamp:
        return QUEUE_BURIED
    return None


def write_schedules(connection, user, *, timestamp) -> None:
    """Give the collection's cards the schedule and review history of the member's cards."""
    created = connection.execute("SELECT crt FROM col").fetchone()[0]
    card_ids = dict(
        connection.execute(
            "SELECT notes.guid, cards.id FROM cards JOIN notes ON notes.id = cards.nid"
        ).fetchall()
    )
    reviews = {}
    for review in Review.objects.filter(user=user).order_by("reviewed_at", "pk"):
        reviews.setdefault(review.card_id, []).append(review)
    # Each review is replayed with the FSRS parameters it was scheduled with (practice.fitting).
    used = {r.parameters_id for log in reviews.values() for r in log if r.parameters_id}
    weights = {
        pk: parameters.weights_tuple
        for pk, parameters in FsrsParameters.objects.in_bulk(used).items()
    }
    revlog_ids = set()
    for card in Card.objects.filter(user=user):
        anki_id = card_ids.get(genanki.guid_for("mlqa-question", card.question_id))
        kept = replayed_reviews(card, reviews.get(card.pk, []))
        if anki_id is None:
            continue
        if not kept:  # new in MLQA (never graded, or forgotten): new in Anki
            if (aside := set_aside_queue(card, timestamp)) is not None:
                connection.execute(
                    "UPDATE cards SET queue = ? WHERE id = ?", (aside, anki_id)
                )
            continue
        replayed = Card(
            pk=card.pk,  # the fuzz is seeded by the card's key
            user_id=card.user_id,
            question_id=card.question_id,
            due=card.reset_at or card.created_at,
        )
        last_interval = 0
        for review in kept:
            state_before = replayed.state if replayed.review_count else None
            apply_review(
                replayed,
                rating=review.rating,
                reviewed_at=review.reviewed_at,
                desired_retention=review.desired_retention,
                weights=weights.get(review.parameters_id),
                fuzz=review.fuzzed,
                learning_steps=review.learning_steps,
                relearning_steps=review.relearning_steps,
            )
            interval = anki_interval(replayed.due, review.reviewed_at)
            revlog_id = int(review.reviewed_at.timestamp() * 1000)
            while revlog_id in revlog_ids:  # revlog.id is the primary key
                revlog_id += 1
            revlog_ids.add(revlog_id)
            connection.execute(
                "INSERT INTO revlog VALUES (?, ?, -1, ?, ?, ?, ?, ?, ?)",
                (
                    revlog_id,
                    anki_id,
                    review.rating,
                    interval,
                    last_interval,
                    anki_ease(replayed.difficulty),
                    min(review.duration_ms or 0, ANKI_MAX_ANSWER_MS),
                    REVLOG_LEARN
                    if state_before is None
                    else REVLOG_TYPE[CardState(state_before)],
                ),
            )
            last_interval = interval
        # The stored card is the truth (the replay above only gives each review's interval).
        card_type, queue = CARD_TYPE[CardState(card.state)]
        if queue == QUEUE_REVIEW:
            # Review cards are due on a day number counted from the collection's creation.
            due = int((card.due.timestamp() - created) // SECONDS_PER_DAY)
            interval = max(1, anki_interval(card.due, card.last_review))
        else:
            due = int(card.due.timestamp())  # learning: a moment, in seconds
            interval = 0
        memory = {
            "s": round(card.stability, 4),
            "d": round(card.difficulty, 4),
            "dr": kept[-1].desired_retention,
        }
        connection.execute(
            "UPDATE cards SET type = ?, queue = ?, due = ?, ivl = ?, factor = ?, reps = ?,"
            " lapses = ?, left = ?, mod = ?, data = ? WHERE id = ?",
            (
                card_type,
                aside
                if (aside := set_aside_queue(card, timestamp)) is not None
                else queue,
                due,
                interval,
                anki_ease(card.difficulty),
                len(kept),
                card.lapse_count,
                1001
                if queue == QUEUE_LEARNING
                else 0,  # one learning step left (today: 1)
                int(timestamp),
                json.dumps(memory),
                anki_id,
            ),
        )
