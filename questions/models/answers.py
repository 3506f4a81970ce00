from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..markdown import render_markdown
from .bank import PostQuerySet, Question, Revision, Source, Status, author_may_restore

ANSWER_MIN_LENGTH = 30
ANSWER_MAX_LENGTH = 30_000


class AnswerQuerySet(PostQuerySet):
    def community(self):
        return self.filter(source__isnull=True)

    def references(self):
        return self.filter(source__isnull=False)

    def for_question_page(self, user):
        """Everything an answer card shows, in one query (not the Markdown source: the card
        shows the stored HTML)."""
        return (
            self.visible_to(user)
            .select_related("author", "source", "canonical_marked_by")
            .defer("body")
        )


class Answer(models.Model):
    """An answer to a question: written by a user, or a reference answer taken from a seed source."""

    question = models.ForeignKey(
        Question, on_delete=models.CASCADE, related_name="answers"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="answers",
    )
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    body = models.TextField(max_length=ANSWER_MAX_LENGTH)
    body_html = models.TextField(editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PUBLISHED, editable=False
    )
    score = models.IntegerField(default=0, editable=False)
    comment_count = models.PositiveIntegerField(default=0, editable=False)
    revision_count = models.PositiveIntegerField(default=0, editable=False)
    is_canonical = models.BooleanField(default=False, editable=False)
    canonical_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    canonical_marked_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Who deleted it: its author may restore it for a while (AUTHOR_RESTORE_WINDOW), not when a
    # moderator deleted it.
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )

    objects = AnswerQuerySet.as_manager()

    class Meta:
        ordering = ["-is_canonical", "-score", "created_at"]
        constraints = [
            # A reference answer belongs to its source document, never to a user.
            models.CheckConstraint(
                condition=Q(author__isnull=True) | Q(source__isnull=True),
                name="answer_author_xor_source",
            ),
            models.UniqueConstraint(
                fields=["question", "source"],
                condition=Q(source__isnull=False),
                name="answer_one_reference_per_source",
            ),
            models.UniqueConstraint(
                fields=["question"],
                condition=Q(is_canonical=True),
                name="answer_one_canonical_per_question",
            ),
        ]
        indexes = [
            models.Index(
                fields=["question", "-score"], name="answer_question_score_idx"
            ),
            models.Index(fields=["author", "-created_at"], name="answer_author_idx"),
            models.Index(fields=["status", "created_at"], name="answer_status_idx"),
            # Moderators' list of deleted posts, newest first, without reading the live ones.
            models.Index(
                fields=["-deleted_at"],
                condition=Q(deleted_at__isnull=False),
                name="answer_deleted_idx",
            ),
        ]

    def __str__(self):
        return f"Answer {self.pk} to question {self.question_id}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return f"{self.question.get_absolute_url()}#answer-{self.pk}"

    @property
    def is_reference(self):
        return self.source_id is not None

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    def is_restorable_by(self, user, now=None):
        """Its author brings it back within a day of deleting it (see author_may_restore)."""
        return author_may_restore(self, user, now)

    def is_editable_by(self, user):
        """Authors and moderators edit or delete an answer that is not deleted."""
        return (
            user.is_authenticated
            and not self.is_deleted
            and (self.author_id == user.pk or user.is_moderator)
        )


class AnswerRevision(Revision):
    """One saved version of an answer's text."""

    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, related_name="revisions"
    )

    class Meta:
        ordering = ["answer", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["answer", "number"], name="answerrevision_unique_number"
            ),
            # One edit at a time waits for review; a new edit replaces its text.
            models.UniqueConstraint(
                fields=["answer"],
                condition=Q(status=Status.PENDING),
                name="answerrevision_one_pending",
            ),
        ]

    def __str__(self):
        return f"Revision {self.number} of answer {self.answer_id}"


class Vote(models.Model):
    """One user's up (+1) or down (-1) vote on one answer."""

    UP = 1
    DOWN = -1

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes"
    )
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(choices=[(UP, "Up"), (DOWN, "Down")])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "answer"], name="vote_one_per_user_per_answer"
            ),
            models.CheckConstraint(
                condition=Q(value__in=[1, -1]), name="vote_value_up_or_down"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="vote_user_recent_idx")
        ]

    def __str__(self):
        return f"{self.user_id} {self.value:+d} on answer {self.answer_id}"
