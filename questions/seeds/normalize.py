"""Title cleaning, question kinds, difficulty marks and the de-duplication key.

The seed documents are plain-text scrapes, so the same question arrives with
different case, punctuation, emoji and hyphens ("k-means" in one document,
"kmeans" in another, whose scrape dropped every hyphen). Everything here is
pure string handling, shared by the format parsers and the importer.
"""

import hashlib
import re
import unicodedata

EASY, MEDIUM, HARD, UNRATED = "easy", "medium", "hard", "unrated"
QUESTION, TOPIC = "question", "topic"

# 000's legend: 👶 easy, ⭐️ medium, 🚀 expert. The star comes with or without
# the emoji variation selector (U+FE0F).
_MARKS = {"\U0001f476": EASY, "\u2b50": MEDIUM, "\U0001f680": HARD}
_RANK = {UNRATED: 0, EASY: 1, MEDIUM: 2, HARD: 3}
# A run of marks at the end of a line. One stray letter after it is tolerated:
# the scrape has "Is it a useful metric? ⭐️I".
DIFFICULTY_RE = re.compile(
    r"\s*((?:[\U0001f476\u2b50\U0001f680]\ufe0f?)+)\s*[A-Za-z]?\s*$"
)

# First words that make a title something to answer rather than a topic to explain.
_INTERROGATIVES = frozenset(
    ["what", "why", "when", "which", "who", "whom", "whose", "where"]
)
_QUESTION_OPENERS = _INTERROGATIVES | frozenset(
    ["how", "is", "are", "was", "were", "can", "could", "do", "does", "did", "should", "would",
     "will", "shall", "may", "might", "if", "given", "explain", "describe", "define", "compare",
     "contrast", "mention", "list", "name", "discuss", "write", "implement", "derive", "briefly",
     "state", "tell", "you", "suppose", "imagine", "assume"]
)  # fmt: skip

# Typos in titles, fixed so the page reads well. Whole words only; answers are
# left as the source wrote them.
_TITLE_TYPOS = {"adataset": "a dataset", "Paramteric": "Parametric", "tress": "trees"}
_TYPO_RE = re.compile(r"\b(" + "|".join(map(re.escape, _TITLE_TYPOS)) + r")\b")

DEDUP_KEY_MAX = 300  # Question.dedup_key max_length


def split_difficulty(line: str) -> tuple[str, str | None]:
    """Split "What is X? ⭐️" into ("What is X?", "medium"); no mark gives None.

    With several marks ("⭐️🚀") the hardest one wins: the author hesitated
    between two levels, and overrating is the safer mistake for practice.
    """
    match = DIFFICULTY_RE.search(line)
    if not match:
        return line, None
    levels = [_MARKS[ch] for ch in match.group(1) if ch in _MARKS]
    return line[: match.start()], max(levels, key=_RANK.__getitem__)


def clean_title(text: str) -> str:
    """Readable title: no difficulty marks, hashtags, wrapping quotes or stray spaces."""
    text, _ = split_difficulty(text)
    text = re.sub(r"(?<!\w)#(?=\w)", "", text)  # "#overfitting" -> "overfitting"
    text = " ".join(text.split())
    text = text.strip().strip('\u201c\u201d"').strip()
    text = _TYPO_RE.sub(lambda m: _TITLE_TYPOS[m.group(1)], text)
    if text[:1].islower():
        text = text[0].upper() + text[1:]
    # "What do you do when ..." lost its question mark in the scrape.
    first = text.split(" ", 1)[0].lower()
    if first in _INTERROGATIVES and text[-1:] not in "?.!:":
        text += "?"
    return text


def kind_for_title(title: str) -> str:
    """ "question" for questions and tasks, "topic" for things to explain ("Bagging vs Boosting")."""
    first = re.split(r"[\s,:/]+", title.strip(), maxsplit=1)[0].lower()
    if title.rstrip().endswith("?") or first in _QUESTION_OPENERS:
        return QUESTION
    return TOPIC


def prompt_for(title: str, kind: str) -> str:
    """How the site phrases an item: topics say what to do with them."""
    return f"Explain: {title}" if kind == TOPIC else title


def dedup_key(title: str) -> str:
    """Key that is equal for the same question across documents.

    Lower-cased letters and digits only: case, whitespace, punctuation, emoji
    and hyphens all vanish, so "k-means"/"kmeans", "self-attention"/
    "selfattention" and "real-world"/"realworld" meet. Accents are folded.
    Over-long keys are cut and suffixed with a hash to fit the database column.
    """
    text, _ = split_difficulty(title)
    text = unicodedata.normalize("NFKD", text)
    key = "".join(ch for ch in text.lower() if ch.isascii() and ch.isalnum())
    if len(key) > DEDUP_KEY_MAX:
        digest = hashlib.sha1(key.encode()).hexdigest()[:12]
        key = f"{key[: DEDUP_KEY_MAX - 13]}-{digest}"
    return key


def preferred_title(titles: list[str]) -> str:
    """Pick the display title among a merged question's spellings.

    One scrape dropped every hyphen, so the spelling with the most hyphens is
    the faithful one ("k-means", not "kmeans"); ties keep the first seen.
    """
    return max(titles, key=lambda t: (t.count("-"), -titles.index(t)))
