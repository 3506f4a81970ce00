"""A real SMTP server inside the test process (aiosmtpd), and the real worker's run-once entry
point: tests send mail the way the site does (the outbox, the queue, the worker, SMTP) and read
what the server received."""

import email
import email.policy
import socket
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command


@dataclass
class Inbox:
    """What the SMTP server received. `refuse` > 0: that many next mails get a 451 ("try again
    later"), as a server that is overloaded answers."""

    received: list = field(default_factory=list)
    refuse: int = 0
    refused: int = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Try again later"
        self.received.append(envelope)
        return "250 OK"

    @property
    def messages(self):
        """Each received mail parsed (email.message.EmailMessage), in arrival order."""
        return [
            email.message_from_bytes(
                envelope.original_content, policy=email.policy.default
            )
            for envelope in self.received
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_inbox(settings):
    """An SMTP server on 127.0.0.1 that the site delivers to through its queue, as configured in
    production (jobs.mailer.QueuedMailer, then Django's SMTP mailer)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {"BACKEND": "jobs.mailer.QueuedMailer"},
        "delivery": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": "127.0.0.1",
                "port": port,
                "use_tls": False,
                "timeout": 10,
            },
        },
    }
    settings.JOBS_RETRY_SECONDS = 0  # retries are due at once, for the run-once worker
    yield inbox
    controller.stop()


def run_worker():
    """The worker (`manage.py db_worker`) until the queue is empty, as `make run` runs it."""
    call_command(
        "db_worker",
        batch=True,
        reload=False,
        startup_delay=False,
        interval=0,
        queue_name="*",
        verbosity=0,
    )
