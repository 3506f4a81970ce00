"""Denormalised counters recomputed from the rows in one UPDATE each, so they can never drift."""

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


def question_counters_refresh(question_id) -> None:
    """answer_count: published community answers; has_reference_answer: a published source answer."""
    live = Answer.objects.filter(
        question=OuterRef("pk"), deleted_at__isnull=True, status=Status.PUBLISHED
    )
    Question.objects.filter(pk=question_id).update(
        answer_count=_count(live.filter(source__isnull=True), "question"),
        has_reference_answer=Exists(live.filter(source__isnull=False)),
    )


def answer_comment_count_refresh(answer_id) -> None:
    """comment_count: the answer's published comments."""
    live = Comment.objects.filter(
        answer=OuterRef("pk"), deleted_at__isnull=True, status=Status.PUBLISHED
    )
    Answer.objects.filter(pk=answer_id).update(comment_count=_count(live, "answer"))
