"""Background work: mail leaves through the outbox and the real worker (a real SMTP server
receives it), failures are retried without losing or doubling anything, and `make run`'s
one command runs the server and the worker together."""

import signal
import subprocess
import sys
import time
from http import HTTPStatus

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from jobs.models import OutgoingMail
from jobs.tasks import deliver_mail, retrying_task
from tests.factories import UserFactory
from tests.mail_server import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://mlqa.example.org"


def test_an_account_mail_waits_for_the_worker_then_arrives_by_smtp(
    client, smtp_inbox, settings
):
    settings.SITE_URL = SITE
    user = UserFactory(verified=True)
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == HTTPStatus.FOUND
    # The request only wrote the mail down: nothing reached the server yet.
    assert smtp_inbox.received == []
    [queued] = OutgoingMail.objects.all()
    assert queued.status == OutgoingMail.Status.PENDING
    assert queued.recipients == [user.email]

    run_worker()

    [envelope] = smtp_inbox.received
    assert envelope.rcpt_tos == [user.email]
    [message] = smtp_inbox.messages
    assert message["Subject"].startswith("[MLQA] ")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert f"{SITE}/accounts/password/reset/key/" in body
    queued.refresh_from_db()
    assert queued.status == OutgoingMail.Status.SENT
    assert queued.sent_at is not None and queued.attempts == 1


def test_a_server_that_refuses_twice_gets_the_mail_on_the_third_attempt(
    smtp_inbox,
):
    smtp_inbox.refuse = 2
    mail.send_mail("Hello", "Body text", None, ["ada@example.com"])

    run_worker()

    assert smtp_inbox.refused == 2
    [message] = smtp_inbox.messages  # delivered, once
    assert message["Subject"] == "Hello"
    [sent] = OutgoingMail.objects.all()
    assert sent.status == OutgoingMail.Status.SENT
    assert sent.attempts == 3
    assert "451" in sent.last_error  # the last refusal, kept for the admin
    # Each attempt was its own job on the queue: two failed, one succeeded.
    statuses = sorted(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == ["FAILED", "FAILED", "SUCCESSFUL"]


def test_a_mail_the_server_always_refuses_is_kept_as_failed_and_can_be_resent(
    smtp_inbox, settings, admin_client
):
    settings.MAIL_DELIVERY_ATTEMPTS = 3
    smtp_inbox.refuse = 100
    mail.send_mail("Kept", "Body", None, ["ada@example.com"])

    run_worker()

    assert smtp_inbox.refused == 3 and smtp_inbox.received == []
    [failed] = OutgoingMail.objects.all()
    assert failed.status == OutgoingMail.Status.FAILED
    assert failed.attempts == 3

    # The server is back: the admin's action sends it again.
    smtp_inbox.refuse = 0
    response = admin_client.post(
        reverse("admin:jobs_outgoingmail_changelist"),
        {"action": "resend", "_selected_action": [failed.pk]},
    )
    assert response.status_code == HTTPStatus.FOUND
    run_worker()
    [message] = smtp_inbox.messages
    assert message["Subject"] == "Kept"
    failed.refresh_from_db()
    assert failed.status == OutgoingMail.Status.SENT


def test_a_mail_queued_twice_is_sent_once(smtp_inbox):
    mail.send_mail("Once", "Body", None, ["ada@example.com"])
    [queued] = OutgoingMail.objects.all()
    deliver_mail.enqueue(queued.pk)  # a duplicate job, as a requeue could make

    run_worker()

    assert len(smtp_inbox.received) == 1
    assert sorted(DBTaskResult.objects.values_list("return_value", flat=True)) == [
        "not pending",
        "sent",
    ]


def test_a_mail_a_killed_worker_left_sending_is_sent_by_the_scheduler(smtp_inbox):
    from datetime import timedelta

    from django.utils import timezone

    mail.send_mail("Stalled", "Body", None, ["ada@example.com"])
    DBTaskResult.objects.all().delete()  # its job was lost with the worker
    OutgoingMail.objects.update(
        status=OutgoingMail.Status.SENDING,
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    call_command("send_scheduled_mail", verbosity=0)
    run_worker()
    [message] = smtp_inbox.messages
    assert message["Subject"] == "Stalled"


def test_html_and_text_parts_and_headers_arrive_as_sent(smtp_inbox):
    message = mail.EmailMultiAlternatives(
        "Ünïcode", "plain café", None, ["ada@example.com"], headers={"X-Mlqa": "1"}
    )
    message.attach_alternative("<p>html café</p>", "text/html")
    message.send()
    run_worker()
    [received] = smtp_inbox.messages
    assert received["Subject"] == "Ünïcode"
    assert received["X-Mlqa"] == "1"
    assert received.get_body(("plain",)).get_content().strip() == "plain café"
    assert received.get_body(("html",)).get_content().strip() == "<p>html café</p>"


ATTEMPTS_SEEN = []


@retrying_task(attempts=3)
def flaky_job(name, fail_times):
    ATTEMPTS_SEEN.append(name)
    if ATTEMPTS_SEEN.count(name) <= fail_times:
        raise RuntimeError(f"{name} failed")
    return f"{name} done"


def test_a_retrying_job_runs_again_until_it_succeeds(settings):
    settings.JOBS_RETRY_SECONDS = 0
    ATTEMPTS_SEEN.clear()
    flaky_job.enqueue("fit", fail_times=1)
    run_worker()
    assert ATTEMPTS_SEEN == ["fit", "fit"]
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == [
        "FAILED",
        "SUCCESSFUL",
    ]


def test_a_retrying_job_gives_up_after_its_attempts(settings):
    settings.JOBS_RETRY_SECONDS = 0
    ATTEMPTS_SEEN.clear()
    flaky_job.enqueue("import", fail_times=10)
    run_worker()
    assert ATTEMPTS_SEEN == ["import"] * 3
    assert DBTaskResult.objects.failed().count() == 3


def test_a_retry_waits_its_delay(settings):
    settings.JOBS_RETRY_SECONDS = 3600
    ATTEMPTS_SEEN.clear()
    flaky_job.enqueue("later", fail_times=1)
    run_worker()
    assert ATTEMPTS_SEEN == ["later"]  # the retry is queued an hour ahead
    assert DBTaskResult.objects.ready().count() == 0
    assert DBTaskResult.objects.filter(status="READY").count() == 1


@pytest.mark.django_db(transaction=False)
def test_make_run_stops_every_process_on_ctrl_c(tmp_path):
    child = tmp_path / "child.py"
    child.write_text(
        "import pathlib, signal, sys, time\n"
        "def stop(*args):\n"
        f"    pathlib.Path({str(tmp_path)!r}, 'stopped' + sys.argv[1]).touch()\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGTERM, stop)\n"
        "signal.signal(signal.SIGINT, stop)\n"
        "time.sleep(60)\n"
    )
    together = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools.together",
            f"{sys.executable} {child} 1",
            f"{sys.executable} {child} 2",
        ]
    )
    time.sleep(1.5)
    together.send_signal(signal.SIGINT)
    assert together.wait(timeout=15) == 0
    assert (tmp_path / "stopped1").exists() and (tmp_path / "stopped2").exists()


@pytest.mark.django_db(transaction=False)
def test_make_run_stops_the_worker_when_the_server_cannot_start(tmp_path):
    started = time.monotonic()
    together = subprocess.run(
        [
            sys.executable,
            "-m",
            "devtools.together",
            f"{sys.executable} -c 'import sys; sys.exit(3)'",
            f"{sys.executable} -c 'import time; time.sleep(60)'",
        ],
        timeout=30,
    )
    assert together.returncode == 3
    assert time.monotonic() - started < 20
