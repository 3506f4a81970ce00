"""Account mails (sent through the real sign-up and password-reset views) link to the site's
public address: SITE_URL when it is set, else the address the request came to; never the
sites framework's "localhost:8000"."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SITE = "https://mlqa.example.org"
LINK = re.compile(r"https?://[^\s]+")


def sign_up(client):
    client.post(
        reverse("account_signup"),
        {
            "username": "ada",
            "email": "ada@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    [message] = mail.outbox
    return message.body


def test_confirmation_mail_uses_site_url(client, settings):
    settings.SITE_URL = SITE
    body = sign_up(client)
    links = LINK.findall(body)
    assert links and all(link.startswith(SITE + "/") for link in links), links
    assert "/accounts/confirm-email/" in body
    assert "localhost" not in body and "testserver" not in body
    assert "mlqa.example.org" in body  # the footer names the site too


def test_password_reset_mail_uses_site_url(client, settings):
    settings.SITE_URL = SITE
    member = UserFactory()
    client.post(reverse("account_reset_password"), {"email": member.email})
    [message] = mail.outbox
    links = LINK.findall(message.body)
    assert any("/accounts/password/reset/key/" in link for link in links)
    assert all(link.startswith(SITE + "/") for link in links), links
    assert "localhost" not in message.body


def test_without_site_url_mails_use_the_request_address(client, settings):
    settings.SITE_URL = ""
    body = sign_up(client)
    assert all(link.startswith("http://testserver/") for link in LINK.findall(body))
    assert "localhost:8000" not in body
