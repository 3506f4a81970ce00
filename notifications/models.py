import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Frequency(models.TextChoices):
    OFF = "off", "Never"
    IMMEDIATE = "immediate", "At once"
    DAILY = "daily", "In a daily summary"
    WEEKLY = "weekly", "In a weekly summary"


# The notification kinds (questions.Notification.Kind) a member chooses a frequency for, with
# the field that holds it and what the settings page calls them.
KIND_FIELDS = {
    "answer": "answers",
    "comment": "comments",
    "canonical": "canonical",
    "moderation": "moderation",
}

WEEKLY_DAY = 0  # Monday: the weekly summary and the digest


def validate_time_zone(name):
    if name not in zoneinfo.available_timezones():
        raise ValidationError(f"“{name}” is not a time zone we know.")


class MailPreferences(models.Model):
    """What one member wants by mail. A member without a row gets the defaults (`for_user`):
    rare, personal news at once, the rest in a daily summary, no reminder and no digest until
    they ask for them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mail_preferences",
    )
    answers = models.CharField(
        "New answers on questions you follow",
        max_length=9,
        choices=Frequency.choices,
        default=Frequency.DAILY,
    )
    comments = models.CharField(
        "Comments on your questions and answers",
        max_length=9,
        choices=Frequency.choices,
        default=Frequency.DAILY,
    )
    canonical = models.CharField(
        "Your answer marked canonical",
        max_length=9,
        choices=Frequency.choices,
        default=Frequency.IMMEDIATE,
    )
    moderation = models.CharField(
        "Moderators' decisions on your posts",
        max_length=9,
        choices=Frequency.choices,
        default=Frequency.IMMEDIATE,
    )
    reminder = models.BooleanField("A reminder when reviews are due", default=False)
    digest = models.BooleanField("The weekly digest", default=False)
    hour = models.PositiveSmallIntegerField(
        "Hour of the day for reminders and summaries", default=8
    )
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone]
    )
    created_at = models.DateTimeField(default=timezone.now)
    # When each scheduled mail was last found due (sent, or nothing to say): never twice a slot.
    daily_done_at = models.DateTimeField(null=True, blank=True)
    weekly_done_at = models.DateTimeField(null=True, blank=True)
    reminder_done_at = models.DateTimeField(null=True, blank=True)
    digest_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "mail preferences"
        constraints = [
            models.CheckConstraint(
                condition=Q(hour__gte=0, hour__lte=23),
                name="mailpreferences_hour_valid",
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{field}__in": Frequency.values}),
                    name=f"mailpreferences_{field}_valid",
                )
                for field in KIND_FIELDS.values()
            ],
        ]

    def __str__(self):
        return f"mail preferences of {self.user_id}"

    @classmethod
    def for_user(cls, user) -> "MailPreferences":
        """The member's saved preferences, or unsaved defaults: reading never writes."""
        user_id = getattr(user, "pk", user)
        return cls.objects.filter(user_id=user_id).first() or cls(user_id=user_id)

    def frequency(self, kind: str) -> str:
        return getattr(self, KIND_FIELDS[kind])

    def kinds_at(self, frequency: str) -> list[str]:
        return [kind for kind in KIND_FIELDS if self.frequency(kind) == frequency]

    def latest_slot(self, now, *, weekly=False) -> datetime:
        """The last moment at or before `now` when a daily (or, weekly, Monday's) mail was due:
        `hour` o'clock in the member's time zone."""
        local = now.astimezone(zoneinfo.ZoneInfo(self.time_zone))
        slot = local.replace(hour=self.hour, minute=0, second=0, microsecond=0)
        if slot > local:
            slot -= timedelta(days=1)
        if weekly:
            slot -= timedelta(days=(slot.weekday() - WEEKLY_DAY) % 7)
        # Wall-clock arithmetic across a change of daylight saving time: normalised through UTC.
        return slot.astimezone(zoneinfo.ZoneInfo("UTC"))

    def is_due(self, done_field: str, now, *, weekly=False) -> bool:
        """Whether the slot before `now` came after this mail was last done (or, never done,
        after the member chose it)."""
        slot = self.latest_slot(now, weekly=weekly)
        done = getattr(self, done_field) or (self.created_at if self.pk else None)
        return done is None or done < slot


class MailCursor(models.Model):
    """How far the scheduler has read a stream of rows (the notifications it mailed at once)."""

    name = models.CharField(max_length=40, unique=True)
    last_id = models.BigIntegerField(default=0)

    def __str__(self):
        return f"{self.name} at {self.last_id}"
