"""The "notes" format (003): a README of notes, one section per topic.

Sections end with a "back to top" line. A section starts with its title on a
line of its own ("Linear regression"), then bullets and paragraphs. Each note
is a topic to explain, not a question. Before the first note come the mirror
site's furniture and the README's introduction (resume and SQL advice), which
are not interview items: the first note starts at the last title-like line
before the first "back to top". Sections whose heading the scrape lost are
named by restored.py or skipped, like the cookie notice at the end.
"""

import re

from .answers import to_markdown
from .normalize import UNRATED, clean_title, kind_for_title
from .parsers import SeedItem
from .restored import restored_title
from .topics import topic_for

_SEPARATOR = "back to top"


def _title_like(line: str) -> bool:
    text = line.strip()
    return (
        bool(text)
        and not line[0].isspace()
        and len(text.split()) <= 6
        and text[-1] not in ".:?,!;"
        and not re.match(r"^[#\d•-]", text)
    )


def _chunks(lines: list[str]) -> list[tuple[int, int]]:
    """(start, end) line ranges between "back to top" lines."""
    bounds, start = [], 0
    for i, line in enumerate(lines):
        if line.strip().lower() == _SEPARATOR:
            bounds.append((start, i))
            start = i + 1
    bounds.append((start, len(lines)))
    return bounds


def _section(lines: list[str], start: int, end: int) -> SeedItem | None:
    first = next((i for i in range(start, end) if lines[i].strip()), None)
    if first is None:
        return None
    followed_by_blank = first + 1 >= end or not lines[first + 1].strip()
    if restored := restored_title("notes", lines[first]):
        title, body_start = (
            restored,
            first,
        )  # checked first: a lost heading's section may open with a sub-heading
    elif _title_like(lines[first]) and followed_by_blank:
        title, body_start = clean_title(lines[first]), first + 1
    else:
        return None
    # Image alt text survived as a line repeating the title ("decision tree").
    body = [
        line for line in lines[body_start:end] if line.strip().lower() != title.lower()
    ]
    answer = to_markdown(body)
    return SeedItem(
        title=title,
        kind=kind_for_title(title),
        difficulty=UNRATED,
        section=None,
        topic=topic_for(title=title, answer=answer),
        line=(first + 1),
        answer=answer,
    )


def parse(lines: list[str]) -> list[SeedItem]:
    chunks = _chunks(lines)
    if len(chunks) < 2:
        return []
    start, end = chunks[0]
    titles = [i for i in range(start, end) if _title_like(lines[i])]
    chunks[0] = (titles[-1] if titles else start, end)
    items = [_section(lines, start, end) for start, end in chunks]
    return [item for item in items if item is not None]
