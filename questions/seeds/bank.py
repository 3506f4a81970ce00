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


@dataclass
class Rewordings:
    """What fold_rewordings did: the (kept key, merged key) pairs folded; the rewordings whose
    kept question is in a document outside this run, as (kept key, rewording), taken out of the
    bank for the importer to give to that question's row; and the members the list names that
    their document (in this run) no longer has: the list needs updating for them."""

    folded: list[tuple[str, str]] = field(default_factory=list)
    orphans: list[tuple[str, "BankQuestion"]] = field(default_factory=list)
    stale: list[dict] = field(default_factory=list)

    def __len__(self):
        return len(self.folded) + len(self.orphans)


def fold_rewordings(
    bank: list[BankQuestion], merges: list[dict], documents: set[str]
) -> tuple[list[BankQuestion], Rewordings]:
    """The bank with each listed rewording merged into the question it rewords.

    An entry names each member by document and title. A member whose document is not in this
    run (`documents`) is left out; one its document no longer has is reported as stale, and an
    entry whose kept question is stale merges nothing."""
    by_key = {question.key: question for question in bank}
    done = Rewordings()

    def find(member):
        question = by_key.get(dedup_key(member["title"]))
        if question and any(
            ref.document == member["document"] for ref in question.sources
        ):
            return question
        return None

    for entry in merges:
        keep = find(entry["keep"])
        if keep is None and entry["keep"]["document"] in documents:
            done.stale.append(entry["keep"])
            continue
        for member in entry["merge"]:
            other = find(member)
            if other is None and member["document"] in documents:
                done.stale.append(member)
            if other is None or other is keep:
                continue
            del by_key[other.key]
            if keep is None:
                done.orphans.append((dedup_key(entry["keep"]["title"]), other))
            else:
                keep.absorb(other)
                done.folded.append((keep.key, other.key))
    return [question for question in bank if question.key in by_key], done
