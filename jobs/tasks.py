"""The jobs every app can queue, and the retry policy they share.

The database queue (django-tasks-db) hands each enqueued job to exactly one worker: a worker
claims its row under a lock (`SELECT ... FOR UPDATE SKIP LOCKED`, an exclusive transaction on
SQLite) before running it, so two workers never run the same job. A job that raises is retried
by enqueueing it again, later, with its attempt number: `retrying_task`.
"""

import functools
import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import mailers
from django.db.models import F
from django.tasks import task
from django.utils import timezone

from .models import OutgoingMail

log = logging.getLogger(__name__)

# The mailer that really sends (MAILERS in settings): "default" is the queue itself.
DELIVERY_MAILER = "delivery"


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after the `attempt`th failure: JOBS_RETRY_SECONDS, then four times
    longer each time (30 s, 2 min, 8 min, 32 min, 2 h 8 min, ... by default)."""
    return timedelta(seconds=settings.JOBS_RETRY_SECONDS * 4 ** (attempt - 1))


def retrying_task(*, attempts=5, **task_options):
    """`@task` whose job, when it raises, is enqueued again after `retry_delay` until it has been
    tried `attempts` times. The failed run stays on record (the queue's result row, with its
    traceback); the job must tolerate being run again after a failure (not after a success: a
    job that succeeded is never run again).

        @retrying_task(attempts=3)
        def fit_parameters(member_id): ...

        fit_parameters.enqueue(member.pk)
    """

    def decorate(function):
        @functools.wraps(function)
        def run(*args, _attempt=1, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception:
                if _attempt < attempts:
                    queued.using(
                        run_after=timezone.now() + retry_delay(_attempt)
                    ).enqueue(*args, _attempt=_attempt + 1, **kwargs)
                    log.warning(
                        "%s failed (attempt %d of %d), retrying",
                        function.__name__,
                        _attempt,
                        attempts,
                    )
                else:
                    log.error(
                        "%s failed %d times, giving up", function.__name__, attempts
                    )
                raise

        queued = task(**task_options)(run)
        return queued

    return decorate


@task()
def deliver_mail(mail_id: int) -> str:
    """Hand one stored mail to the delivery mailer (SMTP in production). A mail is claimed before
    it is sent (pending → sending, one UPDATE), so it is sent once even if its job were queued
    twice; a failure puts it back to pending and queues it again later, until
    MAIL_DELIVERY_ATTEMPTS; then it stays, failed, in the outbox (admin) to be resent."""
    claimed = OutgoingMail.objects.filter(
        pk=mail_id, status=OutgoingMail.Status.PENDING
    ).update(
        status=OutgoingMail.Status.SENDING,
        attempts=F("attempts") + 1,
        claimed_at=timezone.now(),
    )
    if not claimed:
        return "not pending"
    mail = OutgoingMail.objects.get(pk=mail_id)
    try:
        mailers[DELIVERY_MAILER].send_messages([mail.as_email()])
    except Exception as error:
        mail.last_error = f"{type(error).__name__}: {error}"[:2000]
        if mail.attempts < settings.MAIL_DELIVERY_ATTEMPTS:
            mail.status = OutgoingMail.Status.PENDING
            deliver_mail.using(
                run_after=timezone.now() + retry_delay(mail.attempts)
            ).enqueue(mail_id)
        else:
            mail.status = OutgoingMail.Status.FAILED
        mail.save(update_fields=["status", "last_error"])
        raise
    mail.status = OutgoingMail.Status.SENT
    mail.sent_at = timezone.now()
    mail.save(update_fields=["status", "sent_at"])
    return "sent"


def requeue_stalled_mail(older_than=timedelta(minutes=30)) -> int:
    """Mails a worker claimed and never finished (it was killed while sending): back to pending
    and on the queue. Handing a mail to a server takes seconds, never half an hour. Run by
    `manage.py send_scheduled_mail` (README, *Background work*)."""
    stalled = list(
        OutgoingMail.objects.filter(
            status=OutgoingMail.Status.SENDING,
            claimed_at__lt=timezone.now() - older_than,
        ).values_list("pk", flat=True)
    )
    OutgoingMail.objects.filter(
        pk__in=stalled, status=OutgoingMail.Status.SENDING
    ).update(status=OutgoingMail.Status.PENDING)
    for pk in stalled:
        deliver_mail.enqueue(pk)
    return len(stalled)
