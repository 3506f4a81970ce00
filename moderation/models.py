from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from questions.models import Answer, Comment

FLAGS_PER_DAY = 10
FLAGS_TO_HIDE = 3


class Flag(models.Model):
    """A member's report that an answer or comment breaks the rules; one per member per post."""

    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        RUDE = "rude", "Rude or abusive"
        WRONG = "wrong", "Wrong or low quality"
        OTHER = "other", "Other (explain in a note)"

    class Outcome(models.TextChoices):
        OPEN = "open", "Open"
        HELPFUL = "helpful", "Helpful"
        DECLINED = "declined", "Declined"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags"
    )
    answer = models.ForeignKey(
        Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(
        max_length=10, choices=Outcome.choices, default=Outcome.OPEN, editable=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(answer__isnull=False) & Q(comment__isnull=True))
                | (Q(answer__isnull=True) & Q(comment__isnull=False)),
                name="flag_on_answer_xor_comment",
            ),
            models.UniqueConstraint(
                fields=["user", "answer"],
                condition=Q(answer__isnull=False),
                name="flag_once_per_answer",
            ),
            models.UniqueConstraint(
                fields=["user", "comment"],
                condition=Q(comment__isnull=False),
                name="flag_once_per_comment",
            ),
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(note=""), name="flag_other_needs_note"
            ),
        ]
        indexes = [
            models.Index(fields=["outcome", "created_at"], name="flag_open_idx"),
            models.Index(fields=["user", "-created_at"], name="flag_user_recent_idx"),
        ]

    def __str__(self):
        return f"{self.get_reason_display()} flag by {self.user_id}"

    @property
    def post(self):
        return self.answer or self.comment


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("The audit log is append-only.")

    def delete(self):
        raise TypeError("The audit log is append-only.")


class AuditLogEntry(models.Model):
    """One moderation action: who, what, on which object, why, when. Never changed or removed."""

    class Action(models.TextChoices):
        APPROVE = "approve", "Approved"
        REJECT = "reject", "Rejected"
        HIDE = "hide", "Hid"
        RESTORE = "restore", "Restored"
        DELETE = "delete", "Deleted"
        EDIT = "edit", "Edited"
        ROLLBACK = "rollback", "Rolled back"
        CANONICAL_MARK = "canonical_mark", "Marked canonical"
        CANONICAL_UNMARK = "canonical_unmark", "Unmarked canonical"
        FLAG_HELPFUL = "flag_helpful", "Resolved flag as helpful"
        FLAG_DECLINED = "flag_declined", "Declined flag"
        SUSPEND = "suspend", "Suspended"
        UNSUSPEND = "unsuspend", "Lifted suspension"
        PURGE = "purge", "Purged spammer"
        ROLE_GRANT = "role_grant", "Made moderator"
        ROLE_REVOKE = "role_revoke", "Removed moderator"
        CLOSE = "close", "Closed"
        REOPEN = "reopen", "Reopened"
        MERGE = "merge", "Merged"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    target_type = models.CharField(
        max_length=20
    )  # "answer", "comment", "question", "user", "flag"
    target_id = models.BigIntegerField()
    target_label = models.CharField(
        max_length=200
    )  # a readable snapshot: the object may change later
    target_url = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit log entries"
        indexes = [
            models.Index(fields=["action", "-created_at"], name="audit_action_idx"),
            models.Index(fields=["target_type", "target_id"], name="audit_target_idx"),
        ]

    def __str__(self):
        return f"{self.actor} {self.get_action_display()} {self.target_type} {self.target_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("The audit log is append-only.")
