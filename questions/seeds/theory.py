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

from .answers import to_markdown
from .normalize import UNRATED, clean_title, kind_for_title, split_difficulty
from .parsers import SeedItem
from .topics import topic_for

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
    if line.rstrip()[-1] in ".:,;" or len(line.split()) > 8:
        return False
    j = _next_nonblank(lines, i)
    return j is not None and _is_question(lines[j])


def _answer(lines: list[str]) -> str:
    texts = [line.strip() for line in lines if line.strip()]
    if not texts or (len(texts) == 1 and texts[0].lower() in NO_ANSWER):
        return ""
    # A lone short lead-in ("Here are some of the feature selections:") whose
    # list the scrape lost is not an answer.
    if len(texts) == 1 and texts[0].endswith(":") and len(texts[0]) < 150:
        return ""
    return to_markdown(lines)


def parse(lines: list[str]) -> list[SeedItem]:
    items: list[SeedItem] = []
    section: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if _is_heading(lines, i):
            section = " ".join(line.split())
            i += 1
            continue
        if not _is_question(line):
            i += 1
            continue
        if i >= 2 and not lines[i - 1].strip() and not lines[i - 2].strip():
            section = None  # a lost heading: see the module docstring
        end = i + 1
        while end < len(lines) and not _is_question(lines[end]) and not _is_heading(lines, end):
            end += 1
        title = clean_title(line)
        answer = _answer(lines[i + 1 : end])
        section_topic = SECTION_TOPICS.get(section.lower()) if section else None
        items.append(
            SeedItem(
                title=title,
                kind=kind_for_title(title),
                difficulty=split_difficulty(line)[1] or UNRATED,
                section=section,
                topic=section_topic or topic_for(title=title, answer=answer, section=section),
                line=i + 1,
                answer=answer,
            )
        )
        i = end
    return items
