"""The mailer every part of the site sends through (MAILERS["default"]): it only writes the mail
to the outbox and queues its delivery, so no request waits on a mail server and a mail server
that is down loses nothing. allauth's account mails, notifications and digests all come here."""

from django.core.mail.backends.base import BaseEmailBackend


class QueuedMailer(BaseEmailBackend):
    def send_messages(self, email_messages):
        from .models import OutgoingMail
        from .tasks import deliver_mail

        queued = 0
        for message in email_messages:
            recipients = message.recipients()
            if not recipients:
                continue
            mail = OutgoingMail.objects.create(
                from_email=message.from_email,
                recipients=recipients,
                subject=str(message.subject)[:998],
                message=message.message().as_bytes(),
            )
            # In the sender's transaction: a request that rolls back queues nothing, and the
            # worker sees the job only once the mail row is committed with it.
            deliver_mail.enqueue(mail.pk)
            queued += 1
        return queued
