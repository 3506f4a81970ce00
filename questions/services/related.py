"""Related questions: each published question's nearest neighbours by meaning, kept in
RelatedQuestion, and the published questions closest to a title being proposed.

The lists are derived data, rebuilt from the whole bank (the IDF weights are the bank's):
- by `manage.py related_questions` (from cron on a big bank, see REBUILD_ON_SAVE_LIMIT);
- after `import_seeds` (in its transaction), and after the services that change what a question
  or its answers say or whether it is in the bank (a question edited, a moderator's question
  published, a proposal approved, an answer posted, edited, deleted or restored):
  `related_questions_refresh`, once per transaction when it commits, on a bank of up to
  REBUILD_ON_SAVE_LIMIT questions.
Each rebuild stores its index (SimilaritySnapshot): proposals on a bigger bank read that copy.
A question hidden or deleted leaves the lists at once without a rebuild: pages read the first
RELATED_SHOWN published entries of the RELATED_KEPT kept (RelatedQuestion.objects.shown_for).
"""

import logging
import pickle
import zlib
from dataclasses import dataclass
from itertools import groupby

from django.db import connection, transaction
from django.utils import timezone

from caching import rows_changed

from ..models import (
    RELATED_KEPT,
    Answer,
    Question,
    RelatedQuestion,
    SimilaritySnapshot,
    Status,
)
from ..similarity import Document, SimilarityIndex

log = logging.getLogger(__name__)

# A neighbour must share at least this much (cosine) to be listed: an unrelated question is
# not shown just to fill five places.
MIN_SCORE = 0.05
# A proposal lists questions that are this close (a likely duplicate or near neighbour).
SIMILAR_MIN_SCORE = 0.2
SIMILAR_SHOWN = 5
# The answers' text read per question: the canonical answer, then the best scored, then the
# rest, up to this many characters (a question with 500 long answers is not slower to index).
ANSWER_CHARACTERS = 20_000
# Rebuilding every list costs about 3 ms a question (bench/related_scale.py, on a busy machine):
# a save rebuilds them while that stays near a few seconds; a bigger bank leaves them to
# `manage.py related_questions` (cron).
REBUILD_ON_SAVE_LIMIT = 1_000


def bank_documents():
    """Each published question's text as a Document, in id order, read in two streamed queries
    (the questions, then their visible answers in the same order) whatever the bank's size."""
    questions = (
        Question.objects.published()
        .order_by("pk")
        .values_list("pk", "title", "body", "topic_id")
        .iterator(chunk_size=2000)
    )
    answers = groupby(
        Answer.objects.visible()
        .filter(question__status=Status.PUBLISHED)
        .order_by("question_id", "-is_canonical", "-score", "pk")
        .values_list("question_id", "body")
        .iterator(chunk_size=2000),
        key=lambda row: row[0],
    )
    pending = next(answers, None)
    for pk, title, body, topic in questions:
        while pending is not None and pending[0] < pk:
            pending = next(answers, None)
        text = ""
        if pending is not None and pending[0] == pk:
            parts, size = [], 0
            for _, answer in pending[1]:
                if size >= ANSWER_CHARACTERS:
                    continue  # the group's iterator must still be run to its end
                parts.append(answer[: ANSWER_CHARACTERS - size])
                size += len(parts[-1])
            text = "\n".join(parts)
            pending = next(answers, None)
        yield Document(id=pk, title=title, body=body, answers=text, topic=topic)


def similarity_index() -> SimilarityIndex:
    """The published bank's vectors, built now."""
    return SimilarityIndex.build(bank_documents)


@dataclass
class RebuildReport:
    questions: int = 0  # published questions indexed
    changed: int = 0  # questions whose list changed
    rows: int = 0  # RelatedQuestion rows written


# The format of SimilaritySnapshot.data this code writes and reads: change it with
# SimilarityIndex's attributes, and a copy from older code is ignored until the next rebuild.
SNAPSHOT_FORMAT = 1


def _snapshot_save(index: SimilarityIndex, started_at) -> None:
    data = zlib.compress(pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL), 1)
    SimilaritySnapshot.objects.update_or_create(
        pk=1,
        defaults={
            "started_at": started_at,
            "built_at": timezone.now(),
            "question_count": index.document_count,
            "format": SNAPSHOT_FORMAT,
            "data": data,
        },
    )


# This process's copy of the stored index, read again only when a rebuild stored a new one.
_loaded: dict = {"key": None, "index": None}


def stored_similarity_index() -> SimilarityIndex | None:
    """The index the last rebuild stored (None when there is none in this code's format): one
    small query, and the index itself read and unpickled only when it changed since this
    process last read it."""
    row = (
        SimilaritySnapshot.objects.filter(pk=1, format=SNAPSHOT_FORMAT)
        .values_list("pk", "built_at")
        .first()
    )
    if row is None:
        return None
    if _loaded["key"] != row:
        data = SimilaritySnapshot.objects.values_list("data", flat=True).get(pk=1)
        _loaded.update(key=row, index=pickle.loads(zlib.decompress(data)))
    return _loaded["index"]


@transaction.atomic
def related_questions_rebuild() -> RebuildReport:
    """Recompute every published question's related list; rewrite only the lists that changed
    (their pages' tokens are replaced by the declarations in questions/caching.py). The index
    is stored too (SimilaritySnapshot), for proposals on a big bank."""
    started_at = timezone.now()
    index = similarity_index()
    _snapshot_save(index, started_at)
    found = {pk: index.neighbours(pk, RELATED_KEPT, MIN_SCORE) for pk in index.vectors}
    wanted = {pk: [other for other, _ in pairs] for pk, pairs in found.items()}
    stored: dict[int, list[int]] = {}
    for question_id, related_id in RelatedQuestion.objects.order_by(
        "question_id", "rank"
    ).values_list("question_id", "related_id"):
        stored.setdefault(question_id, []).append(related_id)
    changed = [pk for pk in wanted if wanted[pk] != stored.get(pk, [])]
    gone = [pk for pk in stored if pk not in wanted]  # no longer published
    stale = changed + gone
    report = RebuildReport(questions=len(wanted), changed=len(changed))
    if not stale:
        return report
    RelatedQuestion.objects.filter(question_id__in=stale).delete()
    new_rows = []
    for pk in changed:
        new_rows += [
            RelatedQuestion(question_id=pk, related_id=other, rank=rank, score=score)
            for rank, (other, score) in enumerate(found[pk], start=1)
        ]
    RelatedQuestion.objects.bulk_create(new_rows, batch_size=2000)
    rows_changed(RelatedQuestion, new_rows)  # no signal for bulk rows
    report.rows = len(new_rows)
    return report


def related_questions_refresh_now() -> RebuildReport | None:
    """Rebuild the lists now on a bank small enough, else leave them to `manage.py
    related_questions` (cron)."""
    if Question.objects.published().count() > REBUILD_ON_SAVE_LIMIT:
        return None
    return related_questions_rebuild()


def _refresh_after_commit():
    try:
        related_questions_refresh_now()
    except (
        Exception
    ):  # the writes are committed: a failed rebuild waits for the next one
        log.exception("Rebuilding the related questions failed")


def _in_own_transaction() -> bool:
    """Inside a transaction that will commit: not outside any, nor inside a test case's
    wrapping one, which never commits (there the rebuild runs at once, as after a commit)."""
    blocks = connection.atomic_blocks
    return bool(blocks) and not getattr(blocks[0], "_from_testcase", False)


def _queue_rebuild_job():
    from ..tasks import related_questions_rebuild_job  # the job calls this module

    related_questions_rebuild_job.enqueue(timezone.now().isoformat())


def related_questions_refresh_later() -> None:
    """After answers changed (frequent, and not worth a rebuild in the member's request): a
    background job rebuilds the lists, queued once per transaction when it commits; jobs
    queued while a rebuild runs skip theirs (questions.tasks)."""
    if not _in_own_transaction():
        _queue_rebuild_job()
        return
    if any(func is _queue_rebuild_job for _, func, _ in connection.run_on_commit):
        return
    transaction.on_commit(_queue_rebuild_job, robust=True)


def related_questions_refresh() -> None:
    """After a question's or answer's text, or a question's place in the bank, changed (a
    service's write): rebuild the lists once the transaction commits, once per transaction
    however many writes asked for it (a merge, a batch of approvals); outside a transaction,
    now. On a bank above REBUILD_ON_SAVE_LIMIT, left to `manage.py related_questions`."""
    if not _in_own_transaction():
        related_questions_refresh_now()
        return
    if any(func is _refresh_after_commit for _, func, _ in connection.run_on_commit):
        return  # already asked for in this transaction
    transaction.on_commit(_refresh_after_commit)


def similar_questions(
    *, title, body="", index=None, limit=SIMILAR_SHOWN
) -> list[Question]:
    """The published questions closest to a proposed title (and details), best first: likely
    duplicates, shown before the proposal goes to the queue. `index`: the bank's, if the caller
    keeps one (built now otherwise)."""
    if len(title.strip()) < 4:
        return []
    if index is None and Question.objects.published().count() > REBUILD_ON_SAVE_LIMIT:
        # Building the index in a request is for a small bank (see REBUILD_ON_SAVE_LIMIT); a
        # big one reads the copy the last rebuild stored (questions published since are not
        # in it until the next `manage.py related_questions`).
        index = stored_similarity_index()
        if index is None:
            return []
    found = (index or similarity_index()).query(
        title, body, k=limit, min_score=SIMILAR_MIN_SCORE
    )
    by_pk = (
        Question.objects.published()
        .select_related("topic")
        .in_bulk([pk for pk, _ in found])
    )
    return [by_pk[pk] for pk, _ in found if pk in by_pk]
