"""Related questions: each published question's nearest neighbours by meaning, kept in
RelatedQuestion, and the published questions closest to a title being proposed.

The lists are derived data, rebuilt from the whole bank (the IDF weights are the bank's):
- by `manage.py related_questions` (from cron on a big bank, see REBUILD_ON_SAVE_LIMIT);
- after `import_seeds`, and by the services that change what a question says or whether it is
  in the bank (a question edited, a moderator's question published, a proposal approved):
  `related_questions_refresh`, on a bank of up to REBUILD_ON_SAVE_LIMIT questions.
A question hidden or deleted leaves the lists at once without a rebuild: pages read the first
RELATED_SHOWN published entries of the RELATED_KEPT kept (RelatedQuestion.objects.shown_for).
"""

from dataclasses import dataclass
from itertools import groupby

from django.db import transaction

from caching import rows_changed

from ..models import RELATED_KEPT, Answer, Question, RelatedQuestion, Status
from ..similarity import Document, SimilarityIndex

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


@transaction.atomic
def related_questions_rebuild() -> RebuildReport:
    """Recompute every published question's related list; rewrite only the lists that changed
    (their pages' tokens are replaced by the declarations in questions/caching.py)."""
    index = similarity_index()
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


def related_questions_refresh() -> RebuildReport | None:
    """After a question's text or place in the bank changed (a service's write): rebuild the
    lists now on a bank small enough, else leave them to `manage.py related_questions`."""
    if Question.objects.published().count() > REBUILD_ON_SAVE_LIMIT:
        return None
    return related_questions_rebuild()


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
        # big one shows no list rather than make the member wait for it. Left to do: keep the
        # index the related_questions command builds, and read that.
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
