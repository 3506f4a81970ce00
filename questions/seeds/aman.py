"""The two aman.ai formats: 001 (table of contents, then the answers) and 002 (article).

001 lists its titles in an indented table of contents, then repeats each
title unindented, directly under the previous answer, followed by its answer
(bullets kept only a leading space). A body line is a title when it is in the
table of contents, or when it is a question on a line of its own right after
the previous answer (two such questions are missing from the contents). Answer
sub-headings ("Pros", "Cons", model names) and code are neither.

002 separates headings from their bulleted answers by blank lines. Prose
paragraphs, lead-ins ending in ":" and code also stand alone between blank
lines, so a heading must also look like a title (see ``_looks_like_title``); a short
label ending in ":" ("Balancing data:") is a heading too, read without its colon.
Where the scrape dropped a one-word heading it left two blank lines; those
sections are recovered by ``restored.py`` or stay part of the answer above.

In both, a lead-in heading ("Data science /#MLinterview are hard ...")
introduces the real question, quoted on a line of its own.
"""

import re

from .answers import is_code, to_markdown
from .normalize import UNRATED, clean_title, dedup_key, kind_for_title
from .parsers import SeedItem
from .restored import restored_title
from .topics import topic_for

# Headings that are not interview items: document furniture, a post's
# lead-in, and the sub-headings of "Popular machine learning models: Pros and
# Cons" (in 002 that question's own heading is missing, so its model names
# stand alone and would otherwise pass for topics).
NOT_ITEMS = {
    dedup_key(t)
    for t in (
        "To Add", "Deep Learning Questions", "References", "Citation",
        "Data science /#MLinterview are hard - regardless which side of the table you are on.",
        "Linear Regression", "Logistic Regression", "Support Vector Machines", "Decision Trees",
        "k-Nearest Neighbor", "k-Means Clustering", "Principal Component Analysis", "Naive Bayes",
        "ANN", "Adaboost", "Pros", "Cons",
    )
}  # fmt: skip
END_OF_CONTENT = {dedup_key("References"), dedup_key("Citation")}
_CITATION_RE = re.compile(r"^If you found our work useful")
_QUOTED_QUESTION_RE = re.compile(r"^\u201c(.+\?)\u201d$")
# First words of prose paragraphs that stand alone like headings in 002.
_PROSE_OPENERS = frozenset(
    ["a", "an", "the", "it", "it’s", "it's", "this", "these", "that", "those", "by", "however", "in",
     "remember", "regarding", "so", "thus", "hence", "note", "approach", "there", "we", "our", "here",
     "also", "for", "as"]
)  # fmt: skip


def _split_title(title: str) -> tuple[str, str]:
    """ "How do you avoid #overfitting? Try one (or more) of the following:" -> question, lead-in."""
    if title.endswith(":") and "?" in title:
        cut = title.rindex("?") + 1
        return title[:cut], title[cut:].strip()
    return title, ""


def _item(
    title_line: str,
    line_no: int,
    body: list[str],
    *,
    bullet_space: bool,
    section: str | None,
) -> SeedItem:
    raw, lead_in = _split_title(title_line.strip())
    title = clean_title(raw)
    answer = to_markdown(
        ([lead_in, ""] if lead_in else []) + body, bullet_space=bullet_space
    )
    return SeedItem(
        title=title,
        kind=kind_for_title(title),
        difficulty=UNRATED,
        section=section,
        # The only section heading ("Deep Learning Questions") also covers SQL and
        # probability, so the topic comes from the item itself.
        topic=topic_for(title=title, answer=answer),
        line=line_no,
        answer=answer,
    )


def _collect(
    lines: list[str],
    starts: list[tuple[int, str | None, bool]],
    *,
    bullet_space: bool,
    section_at,
) -> list[SeedItem]:
    """Items from sorted boundaries (line index, title, title is restored).

    A None title ends the previous item without starting one. A restored
    title names a section whose first line is already part of its body.
    """
    items = []
    for n, (start, title, restored) in enumerate(starts):
        if title is None:
            continue
        end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        body = lines[start if restored else start + 1 : end]
        items.append(
            _item(
                title,
                start + 1,
                body,
                bullet_space=bullet_space,
                section=section_at(start),
            )
        )
    return items


def _quoted_question(line: str) -> str | None:
    match = _QUOTED_QUESTION_RE.match(line.strip())
    return match.group(1) if match and not line[0].isspace() else None


def parse_toc(lines: list[str]) -> list[SeedItem]:
    toc_end = next(
        (i for i in range(1, len(lines)) if lines[i] and not lines[i][0].isspace()),
        len(lines),
    )
    toc = {dedup_key(line) for line in lines[1:toc_end] if line.strip()}
    starts: list[tuple[int, str | None, bool]] = []
    sections: list[tuple[int, str]] = []
    for i in range(toc_end, len(lines)):
        line = lines[i]
        if not line.strip() or line[0].isspace() or is_code(line):
            continue
        key = dedup_key(line)
        after_answer = i > toc_end and lines[i - 1].strip() != ""
        if key in toc or (
            after_answer
            and line.rstrip().endswith("?")
            and not line.startswith("\u201c")
        ):
            if key in END_OF_CONTENT:
                starts.append((i, None, False))
                break
            if key in NOT_ITEMS:
                if key == dedup_key("Deep Learning Questions"):
                    sections.append((i, line.strip()))
                starts.append((i, None, False))
            else:
                starts.append((i, line.strip(), False))
        elif quoted := _quoted_question(line):
            starts.append((i, quoted, False))

    def section_at(index: int) -> str | None:
        return next((name for start, name in reversed(sections) if start < index), None)

    return _collect(lines, starts, bullet_space=True, section_at=section_at)


# A heading written as a label: at most this many words before a final ":" ("Balancing data:").
# Lead-ins that end in ":" are sentences ("When working with AWS, you can use ...:").
_LABEL_MAX_WORDS = 3


def _label_heading(line: str) -> str | None:
    """ "Balancing data:" -> "Balancing data"; None for anything else."""
    text = line.strip()
    if not text.endswith(":") or "?" in text:
        return None
    words = text[:-1].split()
    return text[:-1].strip() if 0 < len(words) <= _LABEL_MAX_WORDS else None


def _looks_like_title(line: str) -> bool:
    text = _label_heading(line) or line.strip()
    first = re.split(r"[\s,]+", text, maxsplit=1)[0].lower()
    if (
        text[-1] in ":,"
        or first in _PROSE_OPENERS
        or re.match(r"^\d+\)", text)
        or is_code(text)
    ):
        return False
    return not text.startswith(("-", "#"))


def parse_article(lines: list[str]) -> list[SeedItem]:
    starts: list[tuple[int, str | None, bool]] = []
    for i, line in enumerate(lines):
        if not line.strip() or line[0].isspace():
            lost_heading = (
                line.strip()
                and i >= 2
                and not lines[i - 1].strip()
                and not lines[i - 2].strip()
            )
            if lost_heading and (
                title := restored_title("article", line)
            ):  # see restored.py
                starts.append((i, title, True))
            continue
        if _CITATION_RE.match(line):
            starts.append((i, None, False))
            break
        if quoted := _quoted_question(line):
            starts.append((i, quoted, False))
            continue
        blank_before = i == 0 or not lines[i - 1].strip()
        blank_after = i + 1 == len(lines) or not lines[i + 1].strip()
        if blank_before and blank_after and _looks_like_title(line):
            title = _label_heading(line) or line.strip()
            if dedup_key(_split_title(title)[0]) in NOT_ITEMS:
                starts.append((i, None, False))
            else:
                starts.append((i, title, False))
        elif (
            blank_before and blank_after and line.rstrip().endswith(":") and "?" in line
        ):
            starts.append(
                (i, line.strip(), False)
            )  # "How do you avoid #overfitting? Try one (or more) of the following:"
    return _collect(lines, starts, bullet_space=False, section_at=lambda index: None)
