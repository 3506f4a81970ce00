"""Merge the items of several documents into one bank of questions.

The same question in several documents (by ``dedup_key``) becomes one
question that lists every place it appears, with each document's own answer.
"""

from dataclasses import dataclass, field

from .normalize import UNRATED, dedup_key, preferred_title
from .parsers import SeedItem


@dataclass(frozen=True)
class SourceRef:
    document: str  # the seed file's name
    line: int  # 1-based line of the title in it
    answer: str  # that document's answer as Markdown, "" if none


@dataclass
class BankQuestion:
    key: str
    title: str
    kind: str
    difficulty: str
    topic: str
    topic_from_section: bool = False  # the topic came from a document's section heading
    sources: list[SourceRef] = field(default_factory=list)

    def reference_answers(self) -> dict[str, str]:
        """One answer per document (its first non-empty one, if it lists the question twice)."""
        answers: dict[str, str] = {}
        for ref in self.sources:
            if ref.answer and ref.document not in answers:
                answers[ref.document] = ref.answer
        return answers


@dataclass(frozen=True)
class DocumentStats:
    document: str
    found: int  # items in the document
    answered: int  # of which have an answer there
    merged: int  # of which were already in the bank (an earlier document, or earlier in this one)


def build_bank(
    documents: list[tuple[str, list[SeedItem]]],
) -> tuple[list[BankQuestion], list[DocumentStats]]:
    """Questions in first-seen order, and per-document counts, from (filename, items) pairs."""
    bank: dict[str, BankQuestion] = {}
    titles: dict[str, list[str]] = {}
    stats = []
    for document, items in documents:
        merged = 0
        for item in items:
            key = dedup_key(item.title)
            question = bank.get(key)
            if question is None:
                question = bank[key] = BankQuestion(
                    key, item.title, item.kind, item.difficulty, item.topic
                )
                question.topic_from_section = item.topic_from_section
                titles[key] = []
            else:
                merged += 1
                if question.difficulty == UNRATED:
                    question.difficulty = item.difficulty
                if item.topic_from_section and not question.topic_from_section:
                    # A document that files the question under a heading knows its topic best.
                    question.topic, question.topic_from_section = item.topic, True
            titles[key].append(item.title)
            question.sources.append(SourceRef(document, item.line, item.answer))
        stats.append(
            DocumentStats(
                document, len(items), sum(1 for i in items if i.answer), merged
            )
        )
    for key, question in bank.items():
        question.title = preferred_title(titles[key])
    return list(bank.values()), stats
