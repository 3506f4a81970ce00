"""Denormalised counters recomputed from the rows in one UPDATE each, so they can never drift."""

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce

from ..models import Answer, Comment, Question, Status


def _count(queryset, group_field):
    return Coalesce(
        Subquery(
            queryset.order_by().values(group_field).annotate(n=Count("pk")).values("n")
        ),
        0,
    )


def _lock(model, pk):
    # Outside a transaction (scripts, the generator) a lock would end with its own statement.
    if transaction.get_connection().in_atomic_block:
        list(model.objects.select_for_update(no_key=True).filter(pk=pk).values("pk"))


def _live_answers():
    return Answer.objects.filter(
        question=OuterRef("pk"), deleted_at__isnull=True, status=Status.PUBLISHED
    )


def top_score_expression():
    """The best visible answer's score, for an UPDATE of questions (one index probe each)."""
    return Subquery(_live_answers().order_by("-score").values("score")[:1])


def question_counters_refresh(question_id) -> None:
    """answer_count: published community answers; has_reference_answer: a published source answer;
    top_score: the best visible answer's score.

    The row is locked first: on PostgreSQL the count inside an UPDATE sees the rows committed when
    the UPDATE started, so an UPDATE that had to wait for the row would write a stale count.
    Locking first makes the UPDATE a statement that starts after the other writers committed."""
    _lock(Question, question_id)
    live = _live_answers()
    Question.objects.filter(pk=question_id).update(
        answer_count=_count(live.filter(source__isnull=True), "question"),
        has_reference_answer=Exists(live.filter(source__isnull=False)),
        top_score=top_score_expression(),
    )


def question_top_score_refresh(question_ids=None) -> int:
    """Recompute top_score for these questions (all when None) in one UPDATE; returns the count.

    The caller holds the questions' row locks when others may vote at the same time (see votes)."""
    questions = Question.objects.all()
    if question_ids is not None:
        questions = questions.filter(pk__in=question_ids)
    return questions.update(top_score=top_score_expression())


def answer_comment_count_refresh(answer_id) -> None:
    """comment_count: the answer's published comments (the row locked first, as above)."""
    _lock(Answer, answer_id)
    live = Comment.objects.filter(
        answer=OuterRef("pk"), deleted_at__isnull=True, status=Status.PUBLISHED
    )
    Answer.objects.filter(pk=answer_id).update(comment_count=_count(live, "answer"))
