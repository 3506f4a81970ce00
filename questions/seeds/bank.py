"""Merge the items of several documents into one bank of questions.

The same question in several documents (by ``dedup_key``) becomes one
question that lists every place it appears, with each document's own answer.
Reworded duplicates (the same question in other words) are merged too, but only
those a person listed in ``seed_data/merges.json`` (``fold_rewordings``).
"""

from dataclasses import dataclass, field

from .normalize import UNRATED, dedup_key, preferred_title
from .parsers import SeedItem

# How two documents' answers are joined on one question when a merge brings them together.
REFERENCE_SEPARATOR = "\n\n---\n\n"


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
    # Reworded duplicates merged into this question (their sources are in `sources` too).
    absorbed: list["BankQuestion"] = field(default_factory=list)

    def absorb(self, other: "BankQuestion") -> None:
        """Take in a rewording of this question: its sources, its answers, its difficulty mark
        when this question has none; the title, kind and topic stay this question's."""
        self.absorbed.append(other)
        self.sources.extend(other.sources)
        if self.difficulty == UNRATED:
            self.difficulty = other.difficulty

    def reference_answers(self) -> dict[str, str]:
        """One answer per document (its first non-empty one, if it lists the question twice).

        A rewording's answer from a document that answers this question too is joined to it
        (this one's first), as questions.services.curation joins two merged reference answers."""
        theirs = {ref for other in self.absorbed for ref in other.sources}
        answers: dict[str, str] = {}
        for ref in self.sources:
            if ref.answer and ref.document not in answers and ref not in theirs:
                answers[ref.document] = ref.answer
        for other in self.absorbed:
            for document, body in other.reference_answers().items():
                if document not in answers:
                    answers[document] = body
                elif body != answers[document]:
                    answers[document] += REFERENCE_SEPARATOR + body
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


def fold_rewordings(
    bank: list[BankQuestion], merges: list[dict]
) -> tuple[list[BankQuestion], list[tuple[str, str]]]:
    """The bank with each listed rewording merged into the question it rewords, and the
    (kept key, merged key) pairs folded. An entry names each member by document and title;
    a member this run doesn't have (another set of documents) is left out."""
    by_key = {question.key: question for question in bank}

    def find(member):
        question = by_key.get(dedup_key(member["title"]))
        if question and any(
            ref.document == member["document"] for ref in question.sources
        ):
            return question
        return None

    folded = []
    for entry in merges:
        keep = find(entry["keep"])
        for member in entry["merge"] if keep else []:
            other = find(member)
            if other is not None and other is not keep:
                keep.absorb(other)
                del by_key[other.key]
                folded.append((keep.key, other.key))
    return [question for question in bank if question.key in by_key], folded
