"""What the question page's box of members' signals shows (asked in interviews, useful,
difficulty): shared by the page and by the box's own responses to htmx."""

from django.utils.functional import SimpleLazyObject

from ..forms import InterviewMarkForm
from ..models import (
    COMMUNITY_DIFFICULTY_MIN_RATINGS,
    Difficulty,
    InterviewSummary,
    Question,
)
from ..models.feedback import RATED

_MINE = (
    "my_useful",
    "my_difficulty_rating",
    "my_interview",
    "my_interview_role",
    "my_interview_company",
    "my_interview_year",
)


def feedback_context(request, question, interview_form=None) -> dict:
    """The box's context. `question` carries the member's own mark, vote and rating when read
    with Question.objects.with_member_feedback (the page does); otherwise they are read here."""
    user = request.user
    if user.is_authenticated and not hasattr(question, "my_useful"):
        mine = (
            Question.objects.with_member_feedback(user)
            .filter(pk=question.pk)
            .values(*_MINE)
            .first()
        ) or {}
        for name in _MINE:
            setattr(question, name, mine.get(name))
    if interview_form is None and user.is_authenticated:
        interview_form = InterviewMarkForm(
            initial={
                "role": question.my_interview_role or "",
                "company": question.my_interview_company or "",
                "year": question.my_interview_year,
            },
            auto_id="interview-%s",
        )
    summary = None
    if question.interview_count:
        # Read only when the box is rendered, not when the page comes from the cache.
        summary = SimpleLazyObject(lambda: InterviewSummary.for_question(question.pk))
    return {
        "interview_form": interview_form,
        "interview_summary": summary,
        "difficulty_levels": [(level, Difficulty(level).label) for level in RATED],
        "community_min_ratings": COMMUNITY_DIFFICULTY_MIN_RATINGS,
    }
