"""Curating the bank: closing and reopening a question, merging a duplicate into another.

A merge moves everything people wrote or did on the merged question (answers, comments,
sources, follows, reference answers) to the question it is merged into, and keeps the merged
row as a record (status "merged", `merged_into`): its address answers with a permanent
redirect, and rows that point at it (practice sessions, revisions) keep their meaning. Other
apps move their own rows through merge hooks registered in their AppConfig.ready() (practice
merges the members' cards), so that questions imports none of them. The audit log entry is
moderation's (moderation.services wraps these); the importer merges without one.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from caching import rows_changed

from ..models import (
    Answer,
    CloseReason,
    Comment,
    Difficulty,
    DifficultyRating,
    InterviewMark,
    Question,
    QuestionFollow,
    QuestionSource,
    QuestionStatus,
    RelatedQuestion,
    Status,
    UsefulVote,
)
from ..search import search_index_update
from ..seeds import REFERENCE_SEPARATOR  # the importer joins documents' answers alike
from .answers import answer_edit
from .counters import question_counters_refresh
from .feedback import question_feedback_totals_refresh
from .related import related_questions_refresh
from .reputation import reputation_canonical_mark

_MERGE_HOOKS = []


def register_merge_hook(function) -> None:
    """`function(*, source, target)` is called inside question_merge, after the questions' own
    rows moved and before the merged row is marked: it moves its app's rows from `source` to
    `target`."""
    if function not in _MERGE_HOOKS:
        _MERGE_HOOKS.append(function)


def _locked(*questions):
    """Lock the questions in primary-key order (the order every writer uses)."""
    rows = Question.objects.select_for_update().filter(pk__in=[q.pk for q in questions])
    found = {q.pk: q for q in rows.order_by("pk")}
    return [found[q.pk] for q in questions]


@transaction.atomic
def question_close(*, question, by, reason, duplicate_of=None, note="") -> Question:
    """Close a question with a reason (and the question it duplicates): it stays readable,
    takes no new answers, and says why on its page and in lists."""
    if duplicate_of is not None:
        question, duplicate_of = _locked(question, duplicate_of)
    else:
        (question,) = _locked(question)
    if question.status == QuestionStatus.MERGED:
        raise ValidationError("This question was merged into another one.")
    if reason not in CloseReason.values:
        raise ValidationError({"reason": "Choose a reason."})
    if reason == CloseReason.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError(
                {"duplicate_of": "Say which question this one duplicates."}
            )
        if duplicate_of.pk == question.pk:
            raise ValidationError(
                {"duplicate_of": "A question can't duplicate itself."}
            )
        if duplicate_of.status != Status.PUBLISHED:
            raise ValidationError({"duplicate_of": "That question is not in the bank."})
    else:
        duplicate_of = None
    question.closed_at = timezone.now()
    question.closed_by = by
    question.close_reason = reason
    question.duplicate_of = duplicate_of
    question.close_note = note.strip()[:300]
    question.save(
        update_fields=[
            "closed_at",
            "closed_by",
            "close_reason",
            "duplicate_of",
            "close_note",
        ]
    )
    return question


@transaction.atomic
def question_reopen(*, question) -> Question:
    """Reopen a closed question: it takes answers again."""
    (question,) = _locked(question)
    if question.closed_at is None:
        return question
    question.closed_at = None
    question.closed_by = None
    question.close_reason = ""
    question.duplicate_of = None
    question.close_note = ""
    question.save(
        update_fields=[
            "closed_at",
            "closed_by",
            "close_reason",
            "duplicate_of",
            "close_note",
        ]
    )
    return question


def merge_refusal(source, target) -> str:
    """Why `source` can't be merged into `target` ("" when it can)."""
    if source.pk == target.pk:
        return "A question can't be merged into itself."
    if source.status == QuestionStatus.MERGED:
        return "This question was already merged into another one."
    if target.status != Status.PUBLISHED:
        return "Merge into a published question."
    return ""


@transaction.atomic
def question_merge(*, source, target, by=None, refresh_related=True) -> Question:
    """Merge `source` into `target`: its answers, comments, sources, follows, reference answers
    and members' interview marks, useful votes and difficulty ratings move to `target`, other apps' rows through the merge hooks (practice cards), and
    `source` becomes a record of the merge whose address redirects to `target`.

    What is not moved stays on `source`: its revisions, and a reference answer joined into the
    target's (deleted there, with its votes and comments)."""
    source, target = _locked(source, target)
    if refusal := merge_refusal(source, target):
        raise ValidationError(refusal)
    now = timezone.now()
    _move_answers(source, target)
    comments = list(Comment.objects.filter(question=source))
    Comment.objects.filter(question=source).update(question=target)
    _rows_moved(Comment, comments)
    links = list(QuestionSource.objects.filter(question=source))
    QuestionSource.objects.filter(question=source).update(question=target)
    _rows_moved(QuestionSource, links)
    _move_follows(source, target)
    for model in (InterviewMark, UsefulVote, DifficultyRating):
        _move_members_rows(model, source, target)
    # Its related lists go (the rebuild below gives the merged question its own).
    RelatedQuestion.objects.filter(question=source).delete()
    for hook in _MERGE_HOOKS:
        hook(source=source, target=target)
    # Earlier merges into `source`, and questions closed as its duplicates, now point at
    # `target`: every redirect is one hop.
    chained = list(Question.objects.filter(merged_into=source))
    Question.objects.filter(merged_into=source).update(merged_into=target)
    rows_changed(Question, chained, fields=["merged_into"])
    duplicates = list(Question.objects.filter(duplicate_of=source))
    Question.objects.filter(duplicate_of=source).update(duplicate_of=target)
    rows_changed(Question, duplicates, fields=["duplicate_of"])
    source.status = QuestionStatus.MERGED
    source.merged_into, source.merged_at, source.merged_by = target, now, by
    source.closed_at, source.closed_by, source.close_reason = None, None, ""
    source.duplicate_of, source.close_note = None, ""
    source.save()
    if (
        target.difficulty == Difficulty.UNRATED
        and source.difficulty != target.difficulty
    ):
        target.difficulty = source.difficulty
    target.last_activity_at = max(target.last_activity_at, source.last_activity_at)
    target.save()
    question_counters_refresh(target.pk)
    question_counters_refresh(source.pk)
    question_feedback_totals_refresh(target)
    question_feedback_totals_refresh(source)
    search_index_update([source.pk, target.pk])
    if refresh_related:  # the importer refreshes them once, at its end
        related_questions_refresh()
    return target


def _rows_moved(model, rows):
    """Rows re-pointed with an UPDATE: their pages (the old question's and the new one's)
    follow, as a save would tell them."""
    rows_changed(model, [row.pk for row in rows], fields=["question"])


def _move_answers(source, target):
    """Community answers move as they are. A reference answer from a document the target has
    one from too is appended to the target's (one per document and question), and the merged
    question keeps its own, deleted; the target's canonical answer stays the canonical one."""
    answers = list(Answer.objects.select_for_update().filter(question=source))
    target_references = {
        answer.source_id: answer
        for answer in Answer.objects.select_for_update().filter(
            question=target, source__isnull=False
        )
    }
    target_has_canonical = Answer.objects.filter(
        question=target, is_canonical=True
    ).exists()
    moving = []
    for answer in answers:
        if answer.is_canonical and target_has_canonical:
            answer.is_canonical = False
            answer.canonical_marked_by = None
            answer.canonical_marked_at = None
            answer.save(
                update_fields=[
                    "is_canonical",
                    "canonical_marked_by",
                    "canonical_marked_at",
                ]
            )
            reputation_canonical_mark(answer=answer, marked=False)
        kept = target_references.get(answer.source_id) if answer.source_id else None
        if kept is None:
            moving.append(answer)
            continue
        if kept.deleted_at is None and answer.deleted_at is None:
            answer_edit(
                answer=kept,
                editor=None,
                body=kept.body + REFERENCE_SEPARATOR + answer.body,
                audited=False,
            )
        if answer.deleted_at is None:
            answer.deleted_at = timezone.now()
            answer.save(update_fields=["deleted_at"])
    Answer.objects.filter(pk__in=[a.pk for a in moving]).update(question=target)
    _rows_moved(Answer, moving)


def _move_members_rows(model, source, target):
    """Members' one-per-question rows (interview marks, useful votes, difficulty ratings) move;
    a member who has one on `target` already keeps that one."""
    has_target = model.objects.filter(question=target).values("user_id")
    model.objects.filter(question=source, user_id__in=has_target).delete()
    moving = list(model.objects.filter(question=source).values_list("pk", flat=True))
    model.objects.filter(pk__in=moving).update(question=target)
    rows_changed(model, moving, fields=["question"])


def _move_follows(source, target):
    both = QuestionFollow.objects.filter(
        question=target,
        user_id__in=QuestionFollow.objects.filter(question=source).values("user_id"),
    ).values("user_id")
    QuestionFollow.objects.filter(question=source, user_id__in=both).delete()
    follows = list(QuestionFollow.objects.filter(question=source))
    QuestionFollow.objects.filter(question=source).update(question=target)
    _rows_moved(QuestionFollow, follows)
