"""A member's lists of questions and private notes, and study plans (ordered questions in
sections that members join). Lists and notes are their owner's alone: a list is shown to others
only when made public, and then only through its unguessable share link; a note never is."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from questions.models import Question

MAX_NOTE_LENGTH = 5_000
MAX_LIST_NAME = 80
MAX_LISTS = 50


def new_share_token() -> str:
    return secrets.token_urlsafe(18)


class QuestionList(models.Model):
    """A member's named bookmark list: private, or public through its share link."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="question_lists",
    )
    name = models.CharField(max_length=MAX_LIST_NAME)
    is_public = models.BooleanField(
        default=False,
        help_text="Anyone with the share link can see the list's name and questions (never your notes).",
    )
    share_token = models.CharField(max_length=40, unique=True, default=new_share_token)
    questions = models.ManyToManyField(
        Question, through="ListEntry", related_name="+", blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"], name="questionlist_unique_name"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("practice:list", kwargs={"pk": self.pk})

    def get_share_url(self):
        return reverse("practice:list-shared", kwargs={"token": self.share_token})


class ListEntry(models.Model):
    question_list = models.ForeignKey(
        QuestionList, on_delete=models.CASCADE, related_name="entries"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["question_list", "question"], name="listentry_once_per_list"
            ),
        ]

    def __str__(self):
        return f"Question {self.question_id} in list {self.question_list_id}"


class QuestionNote(models.Model):
    """A member's private note on a question, shown to them alone: on the practice card after the
    reveal and on the question's page."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="question_notes",
    )
    # The question page reads its member's note with the question (FilteredRelation, no query
    # more), through this name: the questions app imports nothing from practice.
    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="member_notes"
    )
    body = models.TextField(max_length=MAX_NOTE_LENGTH)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "question"], name="questionnote_one_per_question"
            ),
            models.CheckConstraint(
                condition=~Q(body=""), name="questionnote_not_empty"
            ),
        ]

    def __str__(self):
        return f"Note of {self.user_id} on question {self.question_id}"


class StudyPlan(models.Model):
    """An ordered plan of questions in sections, made by a moderator or a member."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="study_plans",
        help_text="None: a plan shipped with the site.",
    )
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2_000)
    is_public = models.BooleanField(
        default=False,
        help_text="Public plans are listed and anyone with the link can see and join them.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("practice:plan", kwargs={"slug": self.slug})


class PlanSection(models.Model):
    plan = models.ForeignKey(
        StudyPlan, on_delete=models.CASCADE, related_name="sections"
    )
    title = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "position"], name="plansection_unique_position"
            ),
        ]

    def __str__(self):
        return self.title


class PlanItem(models.Model):
    section = models.ForeignKey(
        PlanSection, on_delete=models.CASCADE, related_name="items"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["section", "question"], name="planitem_once_per_section"
            ),
        ]

    def __str__(self):
        return f"Question {self.question_id} in section {self.section_id}"


class PlanMembership(models.Model):
    """A member following a plan."""

    plan = models.ForeignKey(
        StudyPlan, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="plan_memberships",
    )
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "user"], name="planmembership_once"
            ),
        ]

    def __str__(self):
        return f"{self.user_id} follows plan {self.plan_id}"
