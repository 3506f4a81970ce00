"""`make run`'s terminal: mails printed so their links can be copied, refusals on one line."""

import io
import logging
import re
from http import HTTPStatus

import pytest
from django.core import mail
from django.urls import reverse

from devtools.mail import readable_text
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def terminal(settings):
    """The development mailer (mlqa/settings.py without EMAIL_HOST), printing into a buffer."""
    stream = io.StringIO()
    settings.MAILERS = {
        "default": {
            "BACKEND": "devtools.mail.ReadableConsoleBackend",
            "OPTIONS": {"stream": stream},
        }
    }
    return stream


def test_the_confirmation_link_printed_in_the_terminal_opens_the_confirm_page(
    client, terminal
):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "ada-lovelace-with-a-long-name",
            "email": "ada.lovelace.with.a.long.address@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    printed = terminal.getvalue()
    # Quoted-printable would split the long link with a trailing "=" and write "=" as "=3D".
    assert "=\n" not in printed
    assert "=3D" not in printed
    assert "Content-Transfer-Encoding" not in printed
    assert "Subject: [MLQA] " in printed
    # The whole link on one line, as printed.
    link = re.search(r"(https?://\S+/accounts/confirm-email/\S+)$", printed, re.M)
    assert link, printed
    path = re.sub(r"^https?://[^/]+", "", link.group(1))
    page = client.get(path)
    assert page.status_code == HTTPStatus.OK
    assert b'method="post"' in page.content
    assert client.post(path).status_code == HTTPStatus.FOUND  # the address is confirmed


def test_a_password_reset_link_prints_whole(client, user, terminal):
    client.post(reverse("account_reset_password"), {"email": user.email})
    printed = terminal.getvalue()
    link = re.search(r"(https?://\S+/accounts/password/reset/key/\S+)", printed)
    assert link, printed
    path = re.sub(r"^https?://[^/]+", "", link.group(1))
    # The key's page redirects to itself without the key in the address, then shows the form.
    assert client.get(path, follow=True).status_code == HTTPStatus.OK
    assert b'name="password1"' in client.get(path, follow=True).content


def test_readable_text_decodes_every_text_part():
    message = mail.EmailMultiAlternatives(
        subject="Ünïcode subject",
        body="Plain: https://example.org/" + "x" * 120 + "\nnaïve café",
        to=["a@example.com"],
    )
    message.attach_alternative("<p>HTML café</p>", "text/html")
    text = readable_text(message)
    assert "Subject: Ünïcode subject" in text
    assert "https://example.org/" + "x" * 120 + "\n" in text
    assert "naïve café" in text
    assert "[text/html]" in text and "<p>HTML café</p>" in text


def test_a_403_is_logged_as_one_line_without_a_traceback(user_client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = user_client.get(reverse("moderation:queue"))
    assert response.status_code == HTTPStatus.FORBIDDEN
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None
    line = logging.Formatter().format(record)
    assert "\n" not in line
    assert line.startswith("Forbidden (Permission denied): /moderation/")
    assert "Only moderators can do this." in line


def test_each_django_warning_is_printed_once():
    """Django's own console handler (DEBUG) printed every warning again after the root's."""

    def printing(logger):  # pytest adds capturing handlers of its own
        return [h for h in logger.handlers if type(h) is logging.StreamHandler]

    assert printing(logging.getLogger("django")) == []
    assert logging.getLogger("django").propagate
    # runserver's request lines keep their own handler and format, printed once.
    server = logging.getLogger("django.server")
    assert len(printing(server)) == 1 and not server.propagate
