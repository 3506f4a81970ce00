import email
import email.policy

from django.core.mail import EmailMessage
from django.db import models
from django.db.models import Q


class OutgoingMailQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=OutgoingMail.Status.PENDING)


class OutgoingMail(models.Model):
    """One mail on its way: written in the transaction that sent it (so a rolled-back request
    sends nothing), delivered by the worker (jobs.tasks.deliver_mail), kept after a failure so
    that no mail is lost. The message is stored as sent, MIME bytes and envelope."""

    class Status(models.TextChoices):
        PENDING = "pending", "waiting to be delivered"
        SENDING = "sending", "being handed to the mail server"
        SENT = "sent", "delivered to the mail server"
        FAILED = "failed", "given up after every attempt"

    created_at = models.DateTimeField(auto_now_add=True)
    from_email = models.CharField(max_length=320)
    recipients = models.JSONField()
    subject = models.CharField(max_length=998, blank=True)
    message = models.BinaryField()
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False)
                | (~Q(status="sent") & Q(sent_at__isnull=True)),
                name="outgoingmail_sent_iff_sent_at",
            )
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.recipients)} ({self.status})"

    def as_email(self) -> "StoredEmail":
        return StoredEmail(self.from_email, self.recipients, bytes(self.message))


class StoredEmail(EmailMessage):
    """A Django mail rebuilt from the stored MIME bytes, for any mailer (SMTP, console, locmem):
    they read `recipients()`, `from_email` and `message()`."""

    def __init__(self, from_email, recipients, raw: bytes):
        self.raw = raw
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        text = parsed.get_body(preferencelist=("plain",))
        super().__init__(
            subject=str(parsed.get("Subject", "")),
            body=text.get_content() if text is not None else "",
            from_email=from_email,
            to=list(recipients),
        )

    def recipients(self):
        return list(self.to)

    def message(self, *, policy=email.policy.default):
        return email.message_from_bytes(self.raw, policy=policy)
