"""The "theory" format (000): questions with difficulty marks under section headings.

    Linear regression                      <- section heading

    What is linear regression? 👶          <- question: ends with a difficulty mark

    Linear regression is a model that ...  <- answer, until the next question or heading

A section heading is a short line whose next non-blank line is a question.
The scrape dropped one-word headings ("Validation", "Classification",
"Regularization", "Clustering") and left two blank lines where each was; a
question right after a double blank therefore starts a section without a
heading, and its topic comes from its own words.
"""

import re

from .answers import to_markdown
from .normalize import UNRATED, clean_title, kind_for_title, split_difficulty
from .parsers import SeedItem
from .topics import classify, topic_for

# The document's section headings and their topics, where the keyword rules
# would pick another ("Optimization in neural networks" names both).
SECTION_TOPICS = {
    "supervised machine learning": "ml-fundamentals",
    "linear regression": "linear-models",
    "feature selection": "data-preparation",
    "decision trees": "trees-ensembles",
    "random forest": "trees-ensembles",
    "gradient boosting": "trees-ensembles",
    "parameter tuning": "model-evaluation",
    "neural networks": "neural-networks",
    "optimization in neural networks": "optimization",
    "neural networks for computer vision": "computer-vision",
    "text classification": "nlp",
    "dimensionality reduction": "dimensionality-reduction",
    "ranking and search": "ranking-search",
    "recommender systems": "recommender-systems",
    "time series": "time-series",
}
NO_ANSWER = {"answer here"}  # the repository's placeholder for a missing answer
_POINTER_RE = re.compile(r"\b(above|below)\b", re.IGNORECASE)
_HEADING_RE = re.compile(r"[A-Za-z][A-Za-z ,&/-]*[A-Za-z]")


def _is_question(line: str) -> bool:
    return bool(line.strip()) and split_difficulty(line)[1] is not None


def _next_nonblank(lines: list[str], i: int) -> int | None:
    for j in range(i + 1, len(lines)):
        if lines[j].strip():
            return j
    return None


def _is_heading(lines: list[str], i: int) -> bool:
    line = lines[i]
    if not line.strip() or line[0].isspace() or _is_question(line):
        return False
    text = " ".join(line.split())
    # Headings are a few plain words; this also rules out code ("Sigmod(x) = ...")
    # and the "Answer here" placeholder.
    if (
        not _HEADING_RE.fullmatch(text)
        or len(text.split()) > 8
        or text.lower() in NO_ANSWER
    ):
        return False
    j = _next_nonblank(lines, i)
    return j is not None and _is_question(lines[j])


def _answer(lines: list[str]) -> str:
    texts = [line.strip() for line in lines if line.strip()]
    if not texts or (len(texts) == 1 and texts[0].lower() in NO_ANSWER):
        return ""
    # A lone short lead-in whose list the scrape lost ("Here are some of the
    # feature selections:") or a pointer to another answer ("For specifics,
    # refer to the above answer.") is not an answer on a page of its own.
    if (
        len(texts) == 1
        and len(texts[0]) < 150
        and (texts[0].endswith(":") or _POINTER_RE.search(texts[0]))
    ):
        return ""
    return to_markdown(lines)


def parse(lines: list[str]) -> list[SeedItem]:
    items: list[SeedItem] = []
    section: str | None = None
    section_start = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_heading(lines, i):
            section, section_start = " ".join(line.split()), i
            i += 1
            continue
        if not _is_question(line):
            i += 1
            continue
        if i >= 2 and not lines[i - 1].strip() and not lines[i - 2].strip():
            section, section_start = None, i  # a lost heading: see the module docstring
        end = i + 1
        while (
            end < len(lines)
            and not _is_question(lines[end])
            and not _is_heading(lines, end)
        ):
            end += 1
        title = clean_title(line)
        answer = _answer(lines[i + 1 : end])
        if section:
            topic = SECTION_TOPICS.get(section.lower()) or topic_for(
                title=title, answer=answer, section=section
            )
        else:
            # Under a lost heading, a title that names no topic shares the topic of
            # the question before it: both sat under the same heading.
            same_run = (
                items and items[-1].section is None and items[-1].line > section_start
            )
            topic = classify(title) or (
                items[-1].topic if same_run else topic_for(title=title, answer=answer)
            )
        items.append(
            SeedItem(
                title=title,
                kind=kind_for_title(title),
                difficulty=split_difficulty(line)[1] or UNRATED,
                section=section,
                topic=topic,
                topic_from_section=section is not None,
                line=i + 1,
                answer=answer,
            )
        )
        i = end
    return items
