"""A member's own deck: cards imported from CSV or Anki's .apkg as private questions
(status PRIVATE, author the member), which never enter the bank (every public read goes through
`Question.objects.published()`, and `visible_to` leaves them out for everyone). The back of a
card is the member's note on it, shown after the reveal. They are scheduled like any card.

Uploads are untrusted: size-limited before reading, a zip is checked member by member (its
declared and actual uncompressed sizes and ratio: no zip bombs), Anki's SQLite collection is
opened in memory, read-only, with a time budget, and every field is reduced to plain text
(HTML removed with nh3, entities decoded)."""

import csv
import hashlib
import html
import io
import re
import sqlite3
import time
import zipfile
from dataclasses import dataclass

import nh3

from .bookmarks import MAX_NOTE_LENGTH

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_COLLECTION_BYTES = 50 * 1024 * 1024
MAX_COMPRESSION_RATIO = 100
MAX_CARDS_PER_IMPORT = 1_000
MAX_OWN_CARDS = 5_000
MAX_FRONT_LENGTH = 300  # a question's title
SQLITE_SECONDS = 2.0
COLLECTION_NAMES = ("collection.anki21", "collection.anki2")


class DeckFileError(ValueError):
    """An upload that cannot be imported, with what to tell the member."""


@dataclass(frozen=True)
class ImportedCard:
    front: str
    back: str


_BLOCK_BREAKS = re.compile(r"(?i)<\s*(br|/div|/p|/li|/tr|/h[1-6])\b[^>]*>")
_SPACES = re.compile(r"[ \t\f\v]+")


def plain_text(value: str) -> str:
    """A field's HTML (or text) as plain text: line breaks kept, every tag and script gone."""
    value = _BLOCK_BREAKS.sub("\n", value)
    value = html.unescape(
        nh3.clean(value, tags=set(), clean_content_tags={"script", "style"})
    )
    value = "".join(ch for ch in value if ch in "\n\t" or ch.isprintable())
    lines = [_SPACES.sub(" ", line).strip() for line in value.splitlines()]
    return "\n".join(line for line in lines if line).strip()


def own_dedup_key(user_id, front) -> str:
    """Unique per member and front: importing the same card twice adds it once, and no key of
    the bank's (letters and digits only) can be equal to it."""
    digest = hashlib.sha256(" ".join(front.lower().split()).encode()).hexdigest()[:40]
    return f"own:{int(user_id)}:{digest}"


def _checked(cards) -> list[ImportedCard]:
    """Cards with a front and a back, each within the limits; the problems, all at once."""
    kept, problems = [], []
    for number, (front, back) in enumerate(cards, 1):
        if not front and not back:
            continue
        if not front or not back:
            problems.append(f"Card {number} has no {'front' if not front else 'back'}.")
        elif len(front) > MAX_FRONT_LENGTH:
            problems.append(
                f"Card {number}: the front is {len(front)} characters long (at most {MAX_FRONT_LENGTH})."
            )
        elif len(back) > MAX_NOTE_LENGTH:
            problems.append(
                f"Card {number}: the back is {len(back)} characters long (at most {MAX_NOTE_LENGTH})."
            )
        else:
            kept.append(ImportedCard(front, back))
        if len(kept) > MAX_CARDS_PER_IMPORT:
            raise DeckFileError(
                f"At most {MAX_CARDS_PER_IMPORT:,} cards per import: split the file."
            )
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise DeckFileError(" ".join(problems[:5]) + more)
    if not kept:
        raise DeckFileError("The file holds no cards.")
    return kept


def parse_csv(data: bytes) -> list[ImportedCard]:
    """Two columns, front and back (a header row "front,back" is skipped); UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DeckFileError("The CSV file is not UTF-8 text.") from None
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise DeckFileError(f"The CSV file could not be read: {error}.") from None
    if rows and [cell.strip().lower() for cell in rows[0][:2]] == ["front", "back"]:
        rows = rows[1:]
    if any(len(row) not in (0, 2) for row in rows):
        raise DeckFileError(
            "Each line of the CSV file needs exactly two columns: front, back."
        )
    return _checked((plain_text(row[0]), plain_text(row[1])) for row in rows if row)


def _collection_bytes(archive: zipfile.ZipFile) -> bytes:
    names = {info.filename: info for info in archive.infolist()}
    for name in COLLECTION_NAMES:
        info = names.get(name)
        if info is None:
            continue
        if info.file_size > MAX_COLLECTION_BYTES or (
            info.compress_size
            and info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
        ):
            raise DeckFileError("The deck's collection is too large to import.")
        # Read at most one byte past the limit: a size the zip lies about stops here too.
        with archive.open(info) as member:
            data = member.read(MAX_COLLECTION_BYTES + 1)
        if len(data) > MAX_COLLECTION_BYTES:
            raise DeckFileError("The deck's collection is too large to import.")
        return data
    if "collection.anki21b" in names:
        raise DeckFileError(
            "This .apkg comes from a recent Anki in its new format: export it again with "
            "“Support older Anki versions” ticked."
        )
    raise DeckFileError("This is not an Anki deck: the .apkg holds no collection.")


def parse_apkg(data: bytes) -> list[ImportedCard]:
    """The notes of an Anki package: the first field is the front, the second the back."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        collection = _collection_bytes(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, RuntimeError):
        raise DeckFileError(
            "This is not an Anki deck (.apkg): the file is not a valid zip."
        ) from None
    connection = sqlite3.connect(":memory:")
    started = time.monotonic()
    # A crafted collection could make a query run for ever: stop after the budget.
    connection.set_progress_handler(
        lambda: int(time.monotonic() - started > SQLITE_SECONDS), 10_000
    )
    try:
        connection.deserialize(collection)
        connection.execute("PRAGMA query_only = ON")
        kind = connection.execute(
            "SELECT type FROM sqlite_master WHERE name = 'notes'"
        ).fetchone()
        if kind != ("table",):
            raise DeckFileError(
                "This is not an Anki deck: the collection has no notes."
            )
        rows = connection.execute(
            "SELECT flds FROM notes ORDER BY id LIMIT ?", (MAX_CARDS_PER_IMPORT + 1,)
        ).fetchall()
    except sqlite3.Error:
        raise DeckFileError("The deck's collection could not be read.") from None
    finally:
        connection.close()
    cards = []
    for (fields,) in rows:
        parts = str(fields).split("\x1f")
        cards.append(
            (plain_text(parts[0]), plain_text(parts[1]) if len(parts) > 1 else "")
        )
    return _checked(cards)


def parse_deck_file(name: str, data: bytes) -> list[ImportedCard]:
    if len(data) > MAX_UPLOAD_BYTES:
        raise DeckFileError(
            f"The file is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB."
        )
    if name.lower().endswith(".apkg"):
        return parse_apkg(data)
    if name.lower().endswith((".csv", ".txt")):
        return parse_csv(data)
    raise DeckFileError("Choose a .csv file or an Anki .apkg file.")
