"""Entry point for parsing a seed document: what an item is, and which parser reads which format.

Four formats, recognised by their content (not their file name, so fixtures
and renamed copies parse the same way):

- ``theory``: questions ending in a difficulty mark under section headings (000);
- ``toc``: a table of contents of titles, then each title with its answer (001);
- ``article``: headings separated by blank lines, bulleted answers (002);
- ``notes``: a README of notes, sections separated by "back to top" (003).
"""

from dataclasses import dataclass

from .normalize import DIFFICULTY_RE


@dataclass(frozen=True)
class SeedItem:
    """One interview item of a document: it becomes (part of) one question page."""

    title: str  # cleaned
    kind: str  # "question" | "topic"
    difficulty: str  # "easy" | "medium" | "hard" | "unrated"
    section: str | None  # the heading it sat under, if any
    topic: str  # topic slug from TOPICS
    line: int  # 1-based line of the title in the document
    answer: str  # reference answer as Markdown, "" if none
    topic_from_section: bool = (
        False  # whether ``section`` decided the topic (000's headings do)
    )


class SeedFormatError(ValueError):
    """A document that can't be parsed; the message names the file and the reason."""

    def __init__(self, filename: str, reason: str):
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason


def detect_format(text: str) -> str | None:
    """Which of the four formats ``text`` is, or None."""
    lines = text.split("\n")
    if sum(1 for line in lines if DIFFICULTY_RE.search(line)) >= 3:
        return "theory"
    if sum(1 for line in lines if line.strip().lower() == "back to top") >= 2:
        return "notes"
    # A table of contents: a run of indented titles near the top that come back unindented later.
    toc = [
        line.strip() for line in lines[1:200] if line.startswith(" ") and line.strip()
    ]
    body = {line.strip() for line in lines if line and not line[0].isspace()}
    if len(toc) >= 5 and sum(1 for title in toc if title in body) >= 5:
        return "toc"
    if sum(1 for line in lines if line.lstrip().startswith("• ")) >= 10:
        return "article"
    return None


def parse_document(filename: str, text: str) -> list[SeedItem]:
    """Parse one document's text into its interview items, in document order.

    Raises SeedFormatError for an empty document, an unrecognised format, or a
    document in which no item can be found.
    """
    from . import aman, notes, theory  # the format modules import SeedItem from here

    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    if not text.strip():
        raise SeedFormatError(filename, "the document is empty")
    fmt = detect_format(text)
    parsers = {
        "theory": theory.parse,
        "toc": aman.parse_toc,
        "article": aman.parse_article,
        "notes": notes.parse,
    }
    if fmt is None:
        raise SeedFormatError(
            filename,
            "unrecognised format: expected difficulty-marked questions, a table of contents, "
            "a bulleted article or 'back to top' sections",
        )
    items = parsers[fmt](text.split("\n"))
    if not items:
        raise SeedFormatError(
            filename, f"no interview items found (read as the {fmt} format)"
        )
    return items
