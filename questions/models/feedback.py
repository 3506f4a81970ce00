"""What members tell about a question: that an interview asked it (with role, company and year,
shown only in totals), that it is useful, and how difficult it is.

One row per member and question for each; the question keeps the totals (interview_count,
useful_count, difficulty_rating_count, community_difficulty), written by
questions.services.feedback from these rows.
"""

from collections import Counter

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .bank import Difficulty, Question

# The community's difficulty is shown (for a question whose source gives none) once this many
# members rated it: fewer ratings say more about those members than about the question.
COMMUNITY_DIFFICULTY_MIN_RATINGS = 5
# A company is named in a question's totals only once this many members named it: one mark
# alone could say who was interviewed where.
COMPANY_SHOWN_FROM = 2
INTERVIEW_YEAR_MIN = 1990
INTERVIEW_YEAR_MAX = 2100  # the form refuses years after this one
COMPANY_MAX_LENGTH = 80

RATED = (Difficulty.EASY, Difficulty.MEDIUM, Difficulty.HARD)


class InterviewRole(models.TextChoices):
    ML_ENGINEER = "ml-engineer", "ML engineer"
    DATA_SCIENTIST = "data-scientist", "Data scientist"
    RESEARCH_SCIENTIST = "research-scientist", "Research scientist"
    APPLIED_SCIENTIST = "applied-scientist", "Applied scientist"
    DATA_ENGINEER = "data-engineer", "Data engineer"
    MLOPS_ENGINEER = "mlops-engineer", "MLOps engineer"
    SOFTWARE_ENGINEER = "software-engineer", "Software engineer"
    DATA_ANALYST = "data-analyst", "Data analyst"
    OTHER = "other", "Other role"


def community_difficulty_of(counts: dict[str, int]) -> str:
    """The members' median rating (the lower middle one for an even count), or UNRATED below
    COMMUNITY_DIFFICULTY_MIN_RATINGS ratings. `counts`: ratings per difficulty."""
    total = sum(counts.get(level, 0) for level in RATED)
    if total < COMMUNITY_DIFFICULTY_MIN_RATINGS:
        return Difficulty.UNRATED
    middle, seen = (total + 1) // 2, 0
    for level in RATED:
        seen += counts.get(level, 0)
        if seen >= middle:
            return level
    return Difficulty.UNRATED  # not reached


class InterviewMark(models.Model):
    """A member was asked this question in an interview. Role, company and year are optional
    and never shown with the member: only counted (InterviewSummary)."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="interview_marks"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    role = models.CharField(max_length=20, choices=InterviewRole.choices, blank=True)
    company = models.CharField(max_length=COMPANY_MAX_LENGTH, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "user"], name="interviewmark_one_per_member"
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True)
                | Q(year__gte=INTERVIEW_YEAR_MIN, year__lte=INTERVIEW_YEAR_MAX),
                name="interviewmark_year_range",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["", *InterviewRole.values]),
                name="interviewmark_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["user"], name="interviewmark_user_idx")]

    def __str__(self):
        return f"Interview mark on question {self.question_id}"


class UsefulVote(models.Model):
    """A member found the question useful to practise (one vote, taken back by removing it)."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="useful_votes"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "user"], name="usefulvote_one_per_member"
            ),
        ]
        indexes = [models.Index(fields=["user"], name="usefulvote_user_idx")]

    def __str__(self):
        return f"Useful vote on question {self.question_id}"


class DifficultyRating(models.Model):
    """How difficult a member found the question (easy, medium or hard)."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="difficulty_ratings"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    difficulty = models.CharField(
        max_length=10, choices=[(level, level.label) for level in RATED]
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["question", "user"], name="difficultyrating_one_per_member"
            ),
            models.CheckConstraint(
                condition=Q(difficulty__in=[str(level) for level in RATED]),
                name="difficultyrating_level_valid",
            ),
        ]
        indexes = [models.Index(fields=["user"], name="difficultyrating_user_idx")]

    def __str__(self):
        return f"Difficulty rating on question {self.question_id}"


class InterviewSummary:
    """A question's interview marks in totals only: how many, per role, the years' span, and
    the companies at least COMPANY_SHOWN_FROM members named. Nothing in it says who said what."""

    def __init__(self, rows):
        rows = list(rows)  # (role, company, year)
        self.count = len(rows)
        labels = dict(InterviewRole.choices)
        roles = Counter(role for role, _, _ in rows if role)
        # Most common first; ties in the menu's order.
        order = {value: i for i, value in enumerate(InterviewRole.values)}
        self.roles = [
            (labels[role], n)
            for role, n in sorted(roles.items(), key=lambda kv: (-kv[1], order[kv[0]]))
        ]
        years = [year for _, _, year in rows if year]
        self.first_year = min(years) if years else None
        self.last_year = max(years) if years else None
        spellings: dict[str, Counter] = {}
        for _, company, _ in rows:
            name = " ".join(company.split())
            if name:
                spellings.setdefault(name.casefold(), Counter())[name] += 1
        self.companies = sorted(
            (
                (spelling.most_common(1)[0][0], spelling.total())
                for spelling in spellings.values()
                if spelling.total() >= COMPANY_SHOWN_FROM
            ),
            key=lambda pair: (-pair[1], pair[0].casefold()),
        )

    @classmethod
    def for_question(cls, question_id) -> "InterviewSummary":
        return cls(
            InterviewMark.objects.filter(question_id=question_id).values_list(
                "role", "company", "year"
            )
        )

    @property
    def years(self) -> str:
        if self.first_year is None:
            return ""
        if self.first_year == self.last_year:
            return str(self.first_year)
        return f"{self.first_year}–{self.last_year}"
