"""Import the seed documents into topics, sources, questions, source links and reference answers.

``import_seeds()`` reads and parses every document first (questions.seeds, pure
Python), so a malformed, empty or non-UTF-8 file stops the import before
anything is written. The writes then run in one transaction. The import is
idempotent: rows are matched by the questions' de-duplication key (or, for a
title edited in a document, by the line it sits on), only differences are
saved, and a second run changes nothing and says so.

Reference answers belong to their source document (``author`` is null). One
that a later version of its document no longer has is soft-deleted like any
other answer, so its votes and comments survive; a soft-deleted one is never
brought back, since a moderator may have removed it. A question left with no
source and no community content (answers, comments) is deleted.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import slugify

from .models import Answer, AnswerRevision, Comment, Question, QuestionSource, Source, Topic
from .search import search_index_update
from .seeds import TOPICS, BankQuestion, DocumentStats, SeedFormatError, build_bank, parse_document
from .seeds.normalize import UNRATED, preferred_title

SEED_DIR = Path(__file__).resolve().parent / "seed_data"
METADATA_FILE = SEED_DIR / "sources.json"


class SeedImportError(Exception):
    """A document that can't be imported; the message names the file."""


@dataclass
class ImportReport:
    documents: list[DocumentStats]
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    answers_created: int = 0
    answers_updated: int = 0
    answers_removed: int = 0
    topics_created: int = 0
    topics_updated: int = 0
    sources_created: int = 0
    sources_updated: int = 0

    @property
    def changed(self) -> bool:
        questions = (self.created, self.updated, self.removed)
        answers = (self.answers_created, self.answers_updated, self.answers_removed)
        others = (self.topics_created, self.topics_updated, self.sources_created, self.sources_updated)
        return any(questions + answers + others)

    def lines(self) -> list[str]:
        """What the import command prints: per document, totals, then what changed."""
        out = [
            f"{d.document}: {d.found} questions found, {d.answered} with an answer, {d.merged} merged as duplicates"
            for d in self.documents
        ]
        found, answered, merged = (sum(getattr(d, f) for d in self.documents) for f in ("found", "answered", "merged"))
        out.append(f"Total: {found} found, {answered} with an answer, {merged} merged -> {found - merged} questions")
        out.append(
            f"Questions: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, {self.removed} removed"
        )
        out.append(
            f"Reference answers: {self.answers_created} created, {self.answers_updated} updated, "
            f"{self.answers_removed} removed"
        )
        if self.topics_created or self.topics_updated or self.sources_created or self.sources_updated:
            out.append(
                f"Topics: {self.topics_created} created, {self.topics_updated} updated; "
                f"sources: {self.sources_created} created, {self.sources_updated} updated"
            )
        out.append("Changes saved." if self.changed else "Nothing changed: the database already matches the documents.")
        return out


def default_paths() -> list[Path]:
    return sorted(SEED_DIR.glob("*.txt"))


def read_documents(paths: list[Path]) -> list[tuple[str, str]]:
    """(file name, text) for each path; unreadable, non-UTF-8 or duplicate files are errors."""
    documents, seen = [], set()
    for path in paths:
        path = Path(path)
        if path.name in seen:
            raise SeedImportError(f"{path.name}: given twice (documents are told apart by file name)")
        seen.add(path.name)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise SeedImportError(f"{path}: can't read the file ({exc.strerror})") from exc
        try:
            documents.append((path.name, raw.decode("utf-8")))
        except UnicodeDecodeError as exc:
            raise SeedImportError(f"{path.name}: not UTF-8 text (invalid byte at offset {exc.start})") from exc
    return documents


def load_metadata(path: Path = METADATA_FILE) -> dict[str, dict]:
    """sources.json by file name: slug, title, description, origin and url of each shipped document."""
    return {entry["filename"]: entry for entry in json.loads(path.read_text(encoding="utf-8"))}


def import_seeds(paths: list[Path] | None = None) -> ImportReport:
    """Import the documents at ``paths`` (default: the shipped ones) in one transaction."""
    documents = read_documents(list(paths) if paths else default_paths())
    parsed = []
    for name, text in documents:
        try:
            parsed.append((name, parse_document(name, text)))
        except SeedFormatError as exc:
            raise SeedImportError(str(exc)) from exc
        except Exception as exc:  # a parser bug on an odd document: still say which file
            raise SeedImportError(f"{name}: could not be parsed ({type(exc).__name__}: {exc})") from exc
    bank, stats = build_bank(parsed)
    report = ImportReport(documents=stats)
    with transaction.atomic():
        topics = _sync_topics(report)
        sources = _sync_sources([name for name, _ in documents], load_metadata(), report)
        _QuestionSync(bank, topics, sources, report).run()
        search_index_update()  # PostgreSQL full-text documents; a no-op on SQLite
    return report


def _save_if_changed(obj, values: dict) -> bool:
    changed = {name: value for name, value in values.items() if getattr(obj, name) != value}
    for name, value in changed.items():
        setattr(obj, name, value)
    if changed or obj.pk is None:
        obj.full_clean(validate_unique=False, validate_constraints=False)  # the database checks those
        obj.save()
    return bool(changed)


def _sync_topics(report: ImportReport) -> dict[str, Topic]:
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    for position, entry in enumerate(TOPICS):
        topic = topics.get(entry.slug) or Topic(slug=entry.slug)
        created = topic.pk is None
        values = {"name": entry.name, "description": entry.description, "position": position}
        if _save_if_changed(topic, values) or created:
            report.topics_created += created
            report.topics_updated += not created
        topics[entry.slug] = topic
    return topics


def _sync_sources(filenames: list[str], metadata: dict[str, dict], report: ImportReport) -> dict[str, Source]:
    existing = {source.filename: source for source in Source.objects.filter(filename__in=filenames)}
    sources = {}
    for filename in filenames:
        source = existing.get(filename)
        meta = metadata.get(filename)
        if meta:
            description = f"{meta['description']} {meta.get('origin', '')}".strip()
            values = {
                "slug": meta["slug"],
                "title": meta["title"],
                "description": description,
                "url": meta.get("url", ""),
            }
        elif source:
            values = {}  # a document sources.json doesn't describe keeps what it has
        else:
            values = {"slug": _free_slug(Path(filename).stem), "title": Path(filename).stem}
        source = source or Source(filename=filename)
        created = source.pk is None
        if _save_if_changed(source, values) or created:
            report.sources_created += created
            report.sources_updated += not created
        sources[filename] = source
    return sources


def _free_slug(text: str) -> str:
    base = slugify(text)[:50] or "source"
    slug, n = base, 1
    while Source.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class _QuestionSync:
    """Bring the questions, links and reference answers of this run's sources in line with the bank."""

    def __init__(self, bank: list[BankQuestion], topics: dict[str, Topic], sources: dict[str, Source], report):
        self.bank, self.topics, self.sources, self.report = bank, topics, sources, report
        self.source_ids = {source.pk for source in sources.values()}
        self.links = list(QuestionSource.objects.filter(source_id__in=self.source_ids))
        self.touched: set[int] = set()  # questions whose links or answers changed
        self.unlinked: set[int] = set()  # questions that lost a link in this run

    def run(self):
        questions = self._match()
        outside = set(  # questions that also appear in documents outside this run
            QuestionSource.objects.filter(question_id__in=[q.pk for q in questions.values() if q.pk])
            .exclude(source_id__in=self.source_ids)
            .values_list("question_id", flat=True)
        )
        created, updated = set(), set()
        for bq in self.bank:
            question = questions[bq.key]
            is_new = question.pk is None
            if _save_if_changed(question, self._fields(bq, question, question.pk in outside)):
                updated.add(question.pk)
            if is_new:
                created.add(question.pk)
        self._sync_links(questions)
        self._sync_answers(questions)
        bank_ids = {q.pk for q in questions.values()}
        self._sync_reference_flags(bank_ids | self.touched)
        self._remove_orphans()
        updated = ((updated | self.touched) & bank_ids) - created
        self.report.created, self.report.updated = len(created), len(updated)
        self.report.unchanged = len(self.bank) - len(created) - len(updated)

    def _match(self) -> dict[str, Question]:
        """Each bank question's row: by key, else the row whose title was edited.

        A question with a new key takes over an old row whose key left the bank
        if, in one of its documents, that row is the only such one between the
        same two neighbours as before (lines may have moved too).
        """
        keys = {bq.key for bq in self.bank}
        questions = Question.objects.in_bulk(list(keys), field_name="dedup_key")
        linked = Question.objects.in_bulk({link.question_id for link in self.links})
        gone = {pk for pk, q in linked.items() if q.dedup_key not in keys}
        old_line = {(link.source_id, link.question_id): link.line for link in self.links}
        for bq in self.bank:
            if bq.key in questions:
                continue
            for ref in bq.sources if gone else []:
                source_id = self.sources[ref.document].pk
                low, high = self._old_neighbour_lines(source_id, ref.line, questions, old_line)
                found = [
                    link.question_id
                    for link in self.links
                    if link.source_id == source_id and low < link.line < high and link.question_id in gone
                ]
                if len(found) == 1:
                    questions[bq.key] = linked[found[0]]
                    gone.discard(found[0])
                    break
            else:
                questions[bq.key] = Question(dedup_key=bq.key, topic_id=self.topics[bq.topic].pk)
        return questions

    def _old_neighbour_lines(self, source_id, line, questions, old_line) -> tuple[float, float]:
        """Old lines of the nearest already-matched questions before and after ``line`` in a document."""
        low, high = 0.0, float("inf")
        for bq in self.bank:
            question = questions.get(bq.key)
            if question is None or question.pk is None:
                continue
            for ref in bq.sources:
                old = old_line.get((source_id, question.pk))
                if old is None or self.sources[ref.document].pk != source_id:
                    continue
                if ref.line < line:
                    low = max(low, old)
                elif ref.line > line:
                    high = min(high, old)
        return low, high

    def _fields(self, bq: BankQuestion, question: Question, elsewhere: bool) -> dict:
        title, difficulty, topic_id = bq.title, bq.difficulty, self.topics[bq.topic].pk
        if elsewhere and question.pk:
            # Documents not in this run know the question too: keep what they gave it unless this run knows better.
            title = preferred_title([question.title, bq.title])
            difficulty = bq.difficulty if bq.difficulty != UNRATED else question.difficulty
            topic_id = topic_id if bq.topic_from_section else question.topic_id
        return {
            "title": title[:300],
            "kind": bq.kind,
            "difficulty": difficulty,
            "topic_id": topic_id,
            "dedup_key": bq.key,
        }

    def _sync_links(self, questions: dict[str, Question]):
        wanted = {
            (self.sources[ref.document].pk, ref.line): questions[bq.key].pk for bq in self.bank for ref in bq.sources
        }
        stale = [link for link in self.links if wanted.get((link.source_id, link.line)) != link.question_id]
        stale_pks = {link.pk for link in stale}
        have = {(link.source_id, link.line) for link in self.links if link.pk not in stale_pks}
        # Delete first: a line can pass from one question to another when a document is edited.
        QuestionSource.objects.filter(pk__in=stale_pks).delete()
        new = [QuestionSource(source_id=s, line=n, question_id=q) for (s, n), q in wanted.items() if (s, n) not in have]
        QuestionSource.objects.bulk_create(new)
        self.unlinked = {link.question_id for link in stale}
        self.touched |= self.unlinked | {link.question_id for link in new}

    def _sync_answers(self, questions: dict[str, Question]):
        existing = {
            (answer.question_id, answer.source_id): answer
            for answer in Answer.objects.filter(source_id__in=self.source_ids)
        }
        wanted = {
            (questions[bq.key].pk, self.sources[document].pk): body
            for bq in self.bank
            for document, body in bq.reference_answers().items()
        }
        now, revisions = timezone.now(), []
        for (question_id, source_id), body in wanted.items():
            answer = existing.get((question_id, source_id))
            if answer is None:
                answer = Answer(question_id=question_id, source_id=source_id, body=body, revision_count=0)
                self.report.answers_created += 1
            elif answer.deleted_at is None and answer.body != body:
                answer.body, answer.updated_at = body, now
                self.report.answers_updated += 1
            else:
                continue  # unchanged, or removed by a moderator: leave it
            answer.revision_count += 1
            answer.full_clean(exclude=["question", "source"], validate_unique=False, validate_constraints=False)
            answer.save()
            # The history an answer page shows: each version of the source's text is a revision.
            revisions.append(AnswerRevision(answer=answer, number=answer.revision_count, editor=None, body=body))
            self.touched.add(question_id)
        AnswerRevision.objects.bulk_create(revisions)
        gone = [a for key, a in existing.items() if key not in wanted and a.deleted_at is None]
        Answer.objects.filter(pk__in=[a.pk for a in gone]).update(deleted_at=now)
        self.report.answers_removed = len(gone)
        self.touched |= {a.question_id for a in gone}

    def _sync_reference_flags(self, ids: set[int]):
        with_reference = set(
            Answer.objects.references().visible().filter(question_id__in=ids).values_list("question_id", flat=True)
        )
        for flag in (True, False):
            matching = with_reference if flag else ids - with_reference
            stale = Question.objects.filter(pk__in=matching).exclude(has_reference_answer=flag)
            stale.update(has_reference_answer=flag)

    def _remove_orphans(self):
        """Delete questions this run unlinked that have no source left and nothing written by users."""
        question = OuterRef("pk")
        orphans = (
            Question.objects.filter(pk__in=self.unlinked, author__isnull=True)
            .exclude(Exists(QuestionSource.objects.filter(question=question)))
            .exclude(Exists(Answer.objects.filter(question=question, source__isnull=True)))
            .exclude(Exists(Comment.objects.filter(question=question)))
        )
        ids = list(orphans.values_list("pk", flat=True))
        Question.objects.filter(pk__in=ids).delete()
        self.report.removed = len(ids)
        self.touched -= set(ids)
