"""The jobs that build and send members' mails, run by the worker. Each checks again, when it
runs, that the member still wants the mail and still has something to read: a preference
changed or a notification read since the job was queued wins."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from jobs.tasks import retrying_task
from questions.models import Notification

from .mails import digest_mail, due_count, notifications_mail, reminder_mail
from .models import KIND_FIELDS, Frequency, MailPreferences


def _member(user_id):
    """The member if mail can reach them: active, not deleted, with an address."""
    return (
        get_user_model()
        .objects.filter(pk=user_id, is_active=True, deleted_at__isnull=True)
        .exclude(email="")
        .first()
    )


@retrying_task(attempts=3)
def mail_notifications(
    user_id: int, notification_ids: list[int], mail_list: str
) -> str:
    """Notifications by mail: at once (`mail_list` is their kind) or a daily/weekly summary."""
    member = _member(user_id)
    if member is None:
        return "no address"
    preferences = MailPreferences.for_user(member)
    if mail_list in KIND_FIELDS:
        if preferences.frequency(mail_list) != Frequency.IMMEDIATE:
            return "turned off"
        kinds = [mail_list]
    else:
        kinds = preferences.kinds_at(mail_list)
    notifications = list(
        Notification.objects.filter(
            pk__in=notification_ids, recipient=member, kind__in=kinds
        )
        .unread()
        .order_by("created_at", "pk")
    )
    if not notifications:
        return "nothing unread"
    notifications_mail(member, notifications, mail_list=mail_list).send()
    return f"{len(notifications)} notification(s)"


@retrying_task(attempts=3)
def mail_reminder(user_id: int) -> str:
    member = _member(user_id)
    if member is None or not MailPreferences.for_user(member).reminder:
        return "turned off"
    due = due_count(member, now=timezone.now())
    if not due:
        return "nothing due"
    reminder_mail(member, due=due).send()
    return f"{due} due"


@retrying_task(attempts=3)
def mail_digest(user_id: int) -> str:
    member = _member(user_id)
    if member is None or not MailPreferences.for_user(member).digest:
        return "turned off"
    digest_mail(member, now=timezone.now()).send()
    return "sent"
