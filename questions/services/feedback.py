"""What members tell about a question: asked in an interview, useful, how difficult. Each write
keeps the question's totals (interview_count, useful_count, difficulty_rating_count,
community_difficulty and the difficulty order) in step, recounted from the rows under the
question's row lock, so they never drift."""

from http import HTTPStatus

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count

from ..models import (
    DIFFICULTY_RANK,
    DifficultyRating,
    InterviewMark,
    Question,
    UsefulVote,
)
from ..models.feedback import RATED, community_difficulty_of

NOT_PUBLISHED = (
    "This question is not in the bank, so it can't be marked, voted or rated."
)


class FeedbackRefused(Exception):
    """A mark, vote or rating the rules don't allow; `message` is for the member."""

    def __init__(self, message: str, status: int = HTTPStatus.BAD_REQUEST):
        super().__init__(message)
        self.message = message
        self.status = status


def _locked_question(question_id) -> Question:
    """The published question, its row locked until the transaction ends: writers of one
    question's totals take turns, and each recount sees the others' rows."""
    question = (
        Question.objects.published()
        .select_for_update(no_key=True)
        .only("pk", "difficulty", "community_difficulty")
        .filter(pk=question_id)
        .first()
    )
    if question is None:
        raise FeedbackRefused(NOT_PUBLISHED, HTTPStatus.NOT_FOUND)
    return question


def question_feedback_totals_refresh(question: Question) -> dict:
    """Recount the question's totals from the rows and write them in one UPDATE (the caller holds
    the row lock). Returns the written values."""
    ratings = dict(
        DifficultyRating.objects.filter(question=question)
        .order_by()
        .values_list("difficulty")
        .annotate(n=Count("pk"))
    )
    community = community_difficulty_of(ratings)
    shown = question.difficulty if question.difficulty in RATED else community
    totals = {
        "interview_count": InterviewMark.objects.filter(question=question).count(),
        "useful_count": UsefulVote.objects.filter(question=question).count(),
        "difficulty_rating_count": sum(ratings.values()),
        "community_difficulty": community,
        "difficulty_rank": DIFFICULTY_RANK[shown],
    }
    # No signal: the mark, vote or rating just written names the pages these totals show on
    # (questions/caching.py).
    Question.objects.filter(pk=question.pk).update(**totals)
    return totals


@transaction.atomic
def interview_mark_set(
    *, user, question: Question | int, role="", company="", year=None
) -> InterviewMark:
    """Mark the question as asked in one of the member's interviews, or change their mark's
    role, company and year (all optional)."""
    question = _locked_question(getattr(question, "pk", question))
    mark = InterviewMark.objects.filter(question=question, user=user).first()
    if mark is None:
        mark = InterviewMark(question=question, user=user)
    mark.role = role or ""
    mark.company = " ".join((company or "").split())
    mark.year = year
    try:
        mark.full_clean(validate_unique=False)
    except ValidationError as error:
        raise FeedbackRefused(" ".join(error.messages)) from error
    mark.save()
    question_feedback_totals_refresh(question)
    return mark


@transaction.atomic
def interview_mark_remove(*, user, question: Question | int) -> None:
    """Take back the member's mark (nothing happens when there is none)."""
    question = _locked_question(getattr(question, "pk", question))
    for mark in InterviewMark.objects.filter(question=question, user=user):
        mark.delete()  # one by one: each delete's signal names the pages it showed on
    question_feedback_totals_refresh(question)


@transaction.atomic
def useful_vote_set(*, user, question: Question | int, useful: bool) -> int:
    """Vote the question useful (useful=True) or take the vote back; the same again changes
    nothing. Returns the question's new useful_count."""
    question = _locked_question(getattr(question, "pk", question))
    existing = UsefulVote.objects.filter(question=question, user=user).first()
    if useful and existing is None:
        UsefulVote.objects.create(question=question, user=user)
    elif not useful and existing is not None:
        existing.delete()
    return question_feedback_totals_refresh(question)["useful_count"]


@transaction.atomic
def difficulty_rate(*, user, question: Question | int, difficulty: str | None) -> dict:
    """Rate the question easy, medium or hard (again: the rating changes), or take the rating
    back (difficulty=None). Returns the question's new totals."""
    question = _locked_question(getattr(question, "pk", question))
    existing = DifficultyRating.objects.filter(question=question, user=user).first()
    if difficulty is None:
        if existing is not None:
            existing.delete()
    else:
        if difficulty not in RATED:
            raise FeedbackRefused("Rate the question easy, medium or hard.")
        if existing is None:
            DifficultyRating.objects.create(
                question=question, user=user, difficulty=difficulty
            )
        elif existing.difficulty != difficulty:
            existing.difficulty = difficulty
            existing.save(update_fields=["difficulty"])
    return question_feedback_totals_refresh(question)
