from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ..markdown import render_plain_text
from .answers import Answer
from .bank import PostQuerySet, Question, Revision, Status, author_may_restore

COMMENT_MIN_LENGTH = 5
COMMENT_MAX_LENGTH = 600
COMMENT_EDIT_WINDOW = timedelta(minutes=5)


class Comment(models.Model):
    """A short plain-text remark (links allowed) on an answer or on a question."""

    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    question = models.ForeignKey(
        Question,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)
    body_html = models.TextField(editable=False)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PUBLISHED, editable=False
    )
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

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            # On exactly one thing: an answer or a question.
            models.CheckConstraint(
                condition=(Q(answer__isnull=False) & Q(question__isnull=True))
                | (Q(answer__isnull=True) & Q(question__isnull=False)),
                name="comment_on_answer_xor_question",
            ),
        ]
        indexes = [
            models.Index(fields=["answer", "created_at"], name="comment_answer_idx"),
            models.Index(
                fields=["question", "created_at"], name="comment_question_idx"
            ),
            models.Index(fields=["status", "created_at"], name="comment_status_idx"),
            models.Index(
                fields=["-deleted_at"],
                condition=Q(deleted_at__isnull=False),
                name="comment_deleted_idx",
            ),
        ]

    def __str__(self):
        return f"Comment {self.pk}"

    def save(self, *args, **kwargs):
        self.body_html = render_plain_text(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        target = (
            self.answer.get_absolute_url()
            if self.answer_id
            else self.question.get_absolute_url()
        )
        return target.split("#")[0] + f"#comment-{self.pk}"

    @property
    def is_deleted(self):
        return self.deleted_at is not None

    def is_editable_by(self, user, now=None):
        """Authors may edit for five minutes after posting; moderators always."""
        if not user.is_authenticated or self.is_deleted:
            return False
        if user.is_moderator:
            return True
        return (
            self.author_id == user.pk
            and (now or timezone.now()) - self.created_at <= COMMENT_EDIT_WINDOW
        )

    def is_restorable_by(self, user, now=None):
        """Its author brings it back within a day of deleting it (see author_may_restore)."""
        return author_may_restore(self, user, now)

    def is_deletable_by(self, user):
        return (
            user.is_authenticated
            and not self.is_deleted
            and (self.author_id == user.pk or user.is_moderator)
        )


class CommentRevision(Revision):
    """One saved version of a comment's text."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="revisions"
    )

    class Meta:
        ordering = ["comment", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "number"], name="commentrevision_unique_number"
            ),
            # One edit at a time waits for review; a new edit replaces its text.
            models.UniqueConstraint(
                fields=["comment"],
                condition=Q(status=Status.PENDING),
                name="commentrevision_one_pending",
            ),
        ]

    def __str__(self):
        return f"Revision {self.number} of comment {self.comment_id}"
