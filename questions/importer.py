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

Reworded duplicates listed in ``seed_data/merges.json`` are one question: the
bank folds them before writing (``fold_rewordings``), and a database that
still has the merged question as its own row (imported before the list named
it) has it merged by ``question_merge``, which leaves a row that redirects.
A question a moderator merged into another takes its sources and reference
answers there at every import, as if the list named it.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.text import slugify

from caching import batched, rows_changed

from .models import (
    Answer,
    AnswerRevision,
    Comment,
    Question,
    QuestionSource,
    QuestionStatus,
    Source,
    Status,
    Topic,
)
from .search import search_index_update
from .seeds import (
    TOPICS,
    BankQuestion,
    DocumentStats,
    SeedFormatError,
    build_bank,
    fold_rewordings,
    parse_document,
)
from .seeds.documents import (
    default_paths,
    load_merges,
    load_metadata,
    read_documents,
)
from .seeds.normalize import UNRATED, preferred_title
from .services.counters import question_top_score_refresh
from .services.curation import question_merge
from .services.related import related_questions_refresh_now


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
    rewordings: int = 0  # reworded duplicates folded by merges.json (not a write)
    questions_merged: int = 0  # rows merged in the database by this run
    stale_merges: list = field(default_factory=list)  # merges.json members not found

    @property
    def changed(self) -> bool:
        return any(
            v
            for k, v in vars(self).items()
            if k not in ("documents", "unchanged", "rewordings", "stale_merges")
        )

    def lines(self) -> list[str]:
        """What the import command prints: per document, totals, then what changed."""
        out = [
            f"{d.document}: {d.found} questions found, {d.answered} with an answer, "
            f"{d.merged} merged as duplicates"
            for d in self.documents
        ]
        found = sum(d.found for d in self.documents)
        answered = sum(d.answered for d in self.documents)
        merged = sum(d.merged for d in self.documents)
        out += [
            f"Total: {found} found, {answered} with an answer, {merged} merged "
            f"-> {found - merged} questions",
            f"Reworded duplicates (seed_data/merges.json): {self.rewordings} merged "
            f"-> {found - merged - self.rewordings} questions; "
            f"{self.questions_merged} merged in the database by this import",
            f"Questions: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.removed} removed",
            f"Reference answers: {self.answers_created} created, "
            f"{self.answers_updated} updated, {self.answers_removed} removed",
        ]
        if (
            self.topics_created
            + self.topics_updated
            + self.sources_created
            + self.sources_updated
        ):
            out.append(
                f"Topics: {self.topics_created} created, {self.topics_updated} updated; "
                f"sources: {self.sources_created} created, {self.sources_updated} updated"
            )
        if self.changed:
            out.append("Changes saved.")
        else:
            out.append("Nothing changed: the database already matches the documents.")
        return out


def import_seeds(paths: list[Path] | None = None) -> ImportReport:
    """Import the documents at ``paths`` (default: the shipped ones) in one transaction."""
    parsed = []
    try:
        for name, text in read_documents(list(paths) if paths else default_paths()):
            parsed.append((name, _parse(name, text)))
    except SeedFormatError as exc:
        raise SeedImportError(str(exc)) from exc
    bank, stats = build_bank(parsed)
    bank, rewordings = fold_rewordings(
        bank, load_merges(), {name for name, _ in parsed}
    )
    report = ImportReport(
        documents=stats, rewordings=len(rewordings), stale_merges=rewordings.stale
    )
    # Batched: what the saved rows feed (caching, questions/caching.py) is replaced once.
    with transaction.atomic(), batched():
        topics = _sync_topics(report)
        sources = _sync_sources([name for name, _ in parsed], load_metadata(), report)
        _merge_rewordings(
            rewordings.folded
            + [(keep_key, other.key) for keep_key, other in rewordings.orphans],
            report,
        )
        bank = _follow_merged_rows(_give_orphans_their_rows(bank, rewordings.orphans))
        _QuestionSync(bank, topics, sources, report).run()
        search_index_update()  # PostgreSQL full-text documents; a no-op on SQLite
        related_questions_refresh_now()  # the related lists, from the new text (a small bank)
    return report


def _merge_rewordings(folds: list[tuple[str, str]], report: ImportReport) -> None:
    """Rows of listed rewordings that a database still has as questions of their own (imported
    before the list named them) are merged now, as a moderator would: their answers,
    comments, followers and members' cards go to the kept question, their address redirects."""
    rows = Question.objects.in_bulk(
        {key for pair in folds for key in pair}, field_name="dedup_key"
    )
    for keep_key, merged_key in folds:
        merged, keep = rows.get(merged_key), rows.get(keep_key)
        if merged is None or merged.status == QuestionStatus.MERGED:
            continue
        if keep is None:
            # The kept wording is new here: the rewording's row becomes its question.
            merged.dedup_key = keep_key
            merged.save(update_fields=["dedup_key"])
            rows[keep_key] = merged
        elif keep.status == Status.PUBLISHED:
            question_merge(source=merged, target=keep, refresh_related=False)
            report.questions_merged += 1


def _bank_question_of(row: Question) -> BankQuestion:
    """A bank entry for a question no document of this run has, as it is (the import changes
    nothing of it): what it absorbs brings its sources and answers there."""
    return BankQuestion(
        row.dedup_key, row.title, row.kind, row.difficulty, row.topic.slug
    )


def _give_orphans_their_rows(bank, orphans) -> list[BankQuestion]:
    """Rewordings whose kept question is in a document outside this run join its row (an
    import of one document keeps the merges the list made); with no such row yet, a rewording
    stays a question of its own."""
    by_key = {question.key: question for question in bank}
    rows = Question.objects.select_related("topic").in_bulk(
        {keep_key for keep_key, _ in orphans}, field_name="dedup_key"
    )
    for keep_key, other in orphans:
        row = rows.get(keep_key)
        if row is None:
            by_key.setdefault(other.key, other)
            continue
        if keep_key not in by_key:
            by_key[keep_key] = _bank_question_of(row)
        by_key[keep_key].absorb(other)
    return list(by_key.values())


def _follow_merged_rows(bank: list[BankQuestion]) -> list[BankQuestion]:
    """A bank question whose row was merged into another question (by a moderator) is folded
    into that question's, so its sources and answers stay where the merge put them."""
    by_key = {question.key: question for question in bank}
    merged_rows = Question.objects.filter(
        dedup_key__in=list(by_key), status=QuestionStatus.MERGED
    ).select_related("merged_into__topic")
    for row in merged_rows:
        target = row.merged_into
        into = by_key.get(target.dedup_key)
        if into is None:  # a question no document of this run has (a member's)
            into = by_key[target.dedup_key] = _bank_question_of(target)
        into.absorb(by_key.pop(row.dedup_key))
    return list(by_key.values())


def _parse(name: str, text: str):
    try:
        return parse_document(name, text)
    except SeedFormatError:
        raise
    except Exception as exc:
        # A parser bug on an unusual document: still say which file it was.
        reason = f"could not be parsed ({type(exc).__name__}: {exc})"
        raise SeedFormatError(name, reason) from exc


def _save_if_changed(obj, values: dict) -> bool:
    changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
    for name, value in changed.items():
        setattr(obj, name, value)
    if changed or obj.pk is None:
        # Uniqueness and constraints are the database's job (and cost a query each here).
        obj.full_clean(validate_unique=False, validate_constraints=False)
        obj.save()
    return bool(changed)


def _sync_topics(report: ImportReport) -> dict[str, Topic]:
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    for position, entry in enumerate(TOPICS):
        topic = topics.get(entry.slug) or Topic(slug=entry.slug)
        created = topic.pk is None
        values = {
            "name": entry.name,
            "description": entry.description,
            "position": position,
        }
        if _save_if_changed(topic, values) or created:
            report.topics_created += created
            report.topics_updated += not created
        topics[entry.slug] = topic
    return topics


def _sync_sources(filenames: list[str], metadata: dict, report: ImportReport) -> dict:
    """A Source per document, described by sources.json where it has an entry."""
    existing = {s.filename: s for s in Source.objects.filter(filename__in=filenames)}
    sources = {}
    for filename in filenames:
        source = existing.get(filename) or Source(filename=filename)
        meta = metadata.get(filename)
        if meta:
            values = {
                "slug": meta["slug"],
                "title": meta["title"],
                "url": meta.get("url", ""),
            }
            values["description"] = (
                f"{meta['description']} {meta.get('origin', '')}".strip()
            )
        elif source.pk:
            values = {}  # a document sources.json doesn't describe keeps what it has
        else:
            values = {
                "slug": _free_slug(Path(filename).stem),
                "title": Path(filename).stem,
            }
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
    """Bring this run's sources' questions, links and reference answers in line with the bank."""

    def __init__(self, bank: list[BankQuestion], topics: dict, sources: dict, report):
        self.bank, self.topics, self.sources, self.report = (
            bank,
            topics,
            sources,
            report,
        )
        self.source_ids = {source.pk for source in sources.values()}
        self.links = list(QuestionSource.objects.filter(source_id__in=self.source_ids))
        self.touched: set[int] = set()  # questions whose links or answers changed
        self.unlinked: set[int] = set()  # questions that lost a link in this run

    def run(self):
        questions = self._match()
        known = [q.pk for q in questions.values() if q.pk]
        outside = set(  # questions that also appear in documents outside this run
            QuestionSource.objects.filter(question_id__in=known)
            .exclude(source_id__in=self.source_ids)
            .values_list("question_id", flat=True)
        )
        created, updated = set(), set()
        for bq in self.bank:
            question = questions[bq.key]
            is_new = question.pk is None
            if _save_if_changed(
                question, self._fields(bq, question, question.pk in outside)
            ):
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
        old_line = {(ln.source_id, ln.question_id): ln.line for ln in self.links}
        for bq in self.bank:
            if bq.key in questions:
                continue
            for ref in bq.sources if gone else []:
                source_id = self.sources[ref.document].pk
                low, high = self._old_neighbours(
                    source_id, ref.line, questions, old_line
                )
                found = [
                    ln.question_id
                    for ln in self.links
                    if ln.source_id == source_id and low < ln.line < high and ln.question_id in gone
                ]  # fmt: skip
                if len(found) == 1:
                    questions[bq.key] = linked[found[0]]
                    gone.discard(found[0])
                    break
            else:
                topic_id = self.topics[bq.topic].pk
                questions[bq.key] = Question(dedup_key=bq.key, topic_id=topic_id)
        return questions

    def _old_neighbours(
        self, source_id, line, questions, old_line
    ) -> tuple[float, float]:
        """Old lines of the nearest matched questions before and after ``line`` in a document."""
        low, high = 0.0, float("inf")
        for bq in self.bank:
            question = questions.get(bq.key)
            for ref in bq.sources if question is not None and question.pk else []:
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
            # Documents not in this run know the question too: keep what they
            # gave it unless this run knows better.
            title = preferred_title([question.title, bq.title])
            if difficulty == UNRATED:
                difficulty = question.difficulty
            if not bq.topic_from_section:
                topic_id = question.topic_id
        return {"title": title[:300], "kind": bq.kind, "difficulty": difficulty,
                "topic_id": topic_id, "dedup_key": bq.key}  # fmt: skip

    def _sync_links(self, questions: dict[str, Question]):
        wanted = {
            (self.sources[ref.document].pk, ref.line): questions[bq.key].pk
            for bq in self.bank
            for ref in bq.sources
        }
        stale = {
            ln.pk: ln
            for ln in self.links
            if wanted.get((ln.source_id, ln.line)) != ln.question_id
        }
        have = {(ln.source_id, ln.line) for ln in self.links if ln.pk not in stale}
        # Delete first: a line can pass from one question to another when a document is edited.
        QuestionSource.objects.filter(pk__in=stale).delete()
        new = [
            QuestionSource(source_id=source_id, line=line, question_id=question_id)
            for (source_id, line), question_id in wanted.items()
            if (source_id, line) not in have
        ]
        QuestionSource.objects.bulk_create(new)
        rows_changed(QuestionSource, new)  # no signal for bulk rows
        self.unlinked = {ln.question_id for ln in stale.values()}
        self.touched |= self.unlinked | {ln.question_id for ln in new}

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
                answer = Answer(question_id=question_id, source_id=source_id, body=body)
                self.report.answers_created += 1
            elif answer.deleted_at is None and answer.body != body:
                answer.body, answer.updated_at = body, now
                self.report.answers_updated += 1
            else:
                continue  # unchanged, or removed by a moderator: leave it
            answer.revision_count += 1
            answer.full_clean(
                exclude=["question", "source"],
                validate_unique=False,
                validate_constraints=False,
            )
            answer.save()
            # Each version of the source's text is a revision, like an edited community answer.
            revisions.append(
                AnswerRevision(answer=answer, number=answer.revision_count, body=body)
            )
            self.touched.add(question_id)
        AnswerRevision.objects.bulk_create(revisions)
        gone = [
            a
            for key, a in existing.items()
            if key not in wanted and a.deleted_at is None
        ]
        Answer.objects.filter(pk__in=[a.pk for a in gone]).update(deleted_at=now)
        self.report.answers_removed = len(gone)
        self.touched |= {a.question_id for a in gone}

    def _sync_reference_flags(self, ids: set[int]):
        references = Answer.objects.references().visible().filter(question_id__in=ids)
        with_reference = set(references.values_list("question_id", flat=True))
        for flag, matching in ((True, with_reference), (False, ids - with_reference)):
            stale = Question.objects.filter(pk__in=matching).exclude(
                has_reference_answer=flag
            )
            stale.update(has_reference_answer=flag)
        question_top_score_refresh(ids)

    def _remove_orphans(self):
        """Delete questions this run unlinked with no source left and nothing users wrote."""
        question = OuterRef("pk")
        community = Answer.objects.filter(question=question, source__isnull=True)
        orphans = (
            Question.objects.filter(pk__in=self.unlinked, author__isnull=True)
            .exclude(Exists(QuestionSource.objects.filter(question=question)))
            .exclude(Exists(community))
            .exclude(Exists(Comment.objects.filter(question=question)))
        )
        ids = list(orphans.values_list("pk", flat=True))
        Question.objects.filter(pk__in=ids).delete()
        self.report.removed = len(ids)
        self.touched -= set(ids)
