"""What the scheduler (`manage.py send_scheduled_mail`, settings.SCHEDULED_JOBS) finds due and
queues for the worker: notifications members want at once, daily and weekly summaries, review
reminders and weekly digests.

Each mail is claimed before it is queued, in the same transaction: a member's `*_done_at` moves
to the slot's time with an UPDATE that only succeeds if nobody moved it first, so two schedulers
running at once, or one run twice, queue it once. A scheduler that was stopped sends, when it
comes back, the latest slot's mail only."""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from questions.models import Notification

from .models import KIND_FIELDS, Frequency, MailCursor, MailPreferences
from .tasks import mail_digest, mail_notifications, mail_reminder

# A notification is mailed at once when it is this old: the transaction that wrote it has
# committed by then, so no lower id can still appear behind the cursor.
SETTLE = timedelta(seconds=5)
# On the very first run only the last hour's notifications are mailed, not the site's history.
FIRST_RUN_WINDOW = timedelta(hours=1)
# A reminder found due this late (the scheduler was stopped) is skipped: nobody wants "reviews
# are due" in the middle of their night.
REMINDER_LATENESS = timedelta(hours=3)
BATCH = 1000


def queue_due_mail(now=None) -> str:
    now = now or timezone.now()
    counts = {
        "at once": queue_immediate(now),
        "summaries": queue_summaries(now),
        "reminders": queue_reminders(now),
        "digests": queue_digests(now),
    }
    return ", ".join(f"{n} {what}" for what, n in counts.items() if n)


def _preferences(user_ids) -> dict:
    saved = {p.user_id: p for p in MailPreferences.objects.filter(user_id__in=user_ids)}
    return {uid: saved.get(uid) or MailPreferences(user_id=uid) for uid in user_ids}


@transaction.atomic
def queue_immediate(now) -> int:
    cursor, created = MailCursor.objects.select_for_update().get_or_create(
        name="immediate"
    )
    if created:
        older = Notification.objects.filter(created_at__lt=now - FIRST_RUN_WINDOW)
        cursor.last_id = older.aggregate(last=Max("pk"))["last"] or 0
    rows = []
    for row in (
        Notification.objects.filter(pk__gt=cursor.last_id)
        .order_by("pk")
        .values("pk", "recipient_id", "kind", "created_at")[:BATCH]
    ):
        if row["created_at"] > now - SETTLE:
            break  # maybe not all committed below it yet: the next run goes on from here
        rows.append(row)
    if rows:
        cursor.last_id = rows[-1]["pk"]
    cursor.save()
    groups = defaultdict(list)
    for row in rows:
        groups[(row["recipient_id"], row["kind"])].append(row["pk"])
    preferences = _preferences({user_id for user_id, _ in groups})
    queued = 0
    for (user_id, kind), ids in groups.items():
        if kind in KIND_FIELDS and (
            preferences[user_id].frequency(kind) == Frequency.IMMEDIATE
        ):
            mail_notifications.enqueue(user_id, ids, kind)
            queued += 1
    return queued


def _claim(preferences, done_field, now) -> bool:
    """Mark this scheduled mail done now, if nobody else did since we read the row."""
    if preferences.pk is None:
        preferences, created = MailPreferences.objects.get_or_create(
            user_id=preferences.user_id
        )
        if not created:
            return False  # saved meanwhile: the next run reads it
    claimed = MailPreferences.objects.filter(
        pk=preferences.pk, **{done_field: getattr(preferences, done_field)}
    ).update(**{done_field: now})
    return bool(claimed)


def queue_summaries(now) -> int:
    """Daily and weekly summaries of unread notifications, for members who have some."""
    recent = Notification.objects.filter(
        created_at__gte=now - timedelta(days=8), read_at__isnull=True
    )
    user_ids = set(recent.values_list("recipient_id", flat=True).distinct())
    queued = 0
    for user_id, preferences in _preferences(user_ids).items():
        for mail_list, weekly, period in (
            ("daily", False, timedelta(days=1)),
            ("weekly", True, timedelta(days=7)),
        ):
            kinds = preferences.kinds_at(mail_list)
            done_field = f"{mail_list}_done_at"
            if not kinds or not preferences.is_due(done_field, now, weekly=weekly):
                continue
            since = getattr(preferences, done_field) or now - period
            with transaction.atomic():
                if not _claim(preferences, done_field, now):
                    continue
                ids = list(
                    recent.filter(
                        recipient_id=user_id, kind__in=kinds, created_at__gt=since
                    ).values_list("pk", flat=True)
                )
                if ids:
                    mail_notifications.enqueue(user_id, ids, mail_list)
                    queued += 1
    return queued


def queue_reminders(now) -> int:
    queued = 0
    for preferences in MailPreferences.objects.filter(reminder=True):
        if not preferences.is_due("reminder_done_at", now):
            continue
        with transaction.atomic():
            if not _claim(preferences, "reminder_done_at", now):
                continue
            if now - preferences.latest_slot(now) <= REMINDER_LATENESS:
                mail_reminder.enqueue(preferences.user_id)
                queued += 1
    return queued


def queue_digests(now) -> int:
    queued = 0
    for preferences in MailPreferences.objects.filter(digest=True):
        if not preferences.is_due("digest_done_at", now, weekly=True):
            continue
        with transaction.atomic():
            if _claim(preferences, "digest_done_at", now):
                mail_digest.enqueue(preferences.user_id)
                queued += 1
    return queued
