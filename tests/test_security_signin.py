"""Issue 15, sign-in abuse: the admin's log-in had no limit, behind the load balancer every
visitor shared one address (so the per-address limit would lock everyone out), and five wrong
passwords locked an account for five minutes even for its owner."""

import re
from http import HTTPStatus

import pytest
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.adapter import client_ip
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def wrong_password(client, login, **extra):
    return client.post(
        reverse("account_login"), {"login": login, "password": "wrong guess"}, **extra
    )


# The admin


def test_the_admin_log_in_is_the_sites(client):
    staff = UserFactory(is_staff=True, is_superuser=True, trusted=True)
    response = client.get("/admin/login/?next=/admin/questions/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=%2Fadmin%2Fquestions%2F" in response["Location"]
    # Posting a password to the admin's address does not sign anyone in.
    client.post("/admin/login/", {"username": staff.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    client.force_login(staff)
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/admin/"
    assert client.get("/admin/").status_code == HTTPStatus.OK


def test_the_admin_log_in_is_behind_the_sites_limits(client):
    staff = UserFactory(is_staff=True, is_superuser=True, trusted=True)
    for _ in range(5):
        wrong_password(client, staff.username)
    response = client.post(
        reverse("account_login"), {"login": staff.username, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session  # slowed down: try again in a minute
    assert response.status_code in (HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS)


def test_a_member_who_is_not_staff_gets_403_not_a_loop(user_client):
    assert user_client.get("/admin/login/").status_code == HTTPStatus.FORBIDDEN


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "9" * 40]
)
def test_the_next_address_stays_on_the_site(client, next_url):
    response = client.get("/admin/login/", {"next": next_url})
    assert response["Location"] == reverse("account_login") + "?next=%2Fadmin%2F"
    staff = UserFactory(is_staff=True, trusted=True)
    client.force_login(staff)
    response = client.get("/admin/login/", {"next": next_url})  # was a 500 for "999…"
    assert response["Location"] == "/admin/"


# The client's address


@pytest.mark.parametrize(
    "remote, forwarded, proxies, expected",
    [
        ("203.0.113.9", "", [], "203.0.113.9"),
        # Not from a proxy of ours: the header is the client's own claim.
        ("203.0.113.9", "198.51.100.1", [], "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", ["10.0.0.0/8"], "203.0.113.9"),
        # From the balancer: the address it saw.
        ("10.0.0.5", "198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        # A forged entry on the left is not believed; the balancer's own is.
        ("10.0.0.5", "1.2.3.4, 198.51.100.1", ["10.0.0.0/8"], "198.51.100.1"),
        # Two proxies of ours in a row.
        ("10.0.0.5", "198.51.100.1, 10.0.0.7", ["10.0.0.0/8"], "198.51.100.1"),
        ("10.0.0.5", "garbage", ["10.0.0.0/8"], "10.0.0.5"),
        ("10.0.0.5", "", ["10.0.0.0/8"], "10.0.0.5"),
    ],
)
def test_x_forwarded_for_is_believed_only_from_our_proxies(
    settings, remote, forwarded, proxies, expected
):
    settings.TRUSTED_PROXIES = proxies
    request = RequestFactory().get(
        "/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded
    )
    assert client_ip(request) == expected


def test_behind_the_balancer_one_visitors_failures_dont_lock_out_another(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    balancer = {"REMOTE_ADDR": "10.0.0.5"}
    guesser = Client(**balancer, HTTP_X_FORWARDED_FOR="198.51.100.1")
    for number in range(12):
        wrong_password(guesser, f"nobody{number}")
    owner = UserFactory(trusted=True)
    member = Client(**balancer, HTTP_X_FORWARDED_FOR="198.51.100.2")
    member.post(
        reverse("account_login"), {"login": owner.username, "password": PASSWORD}
    )
    assert member.session.get("_auth_user_id") == str(owner.pk)


# The owner of an account someone is guessing at


def test_the_owner_signs_in_by_a_code_sent_by_mail_while_the_password_is_slowed(client):
    owner = UserFactory(trusted=True, email="owner@example.com")
    attacker = Client()
    for _ in range(25):
        wrong_password(attacker, owner.username)
    blocked = client.post(
        reverse("account_login"), {"login": owner.username, "password": PASSWORD}
    )
    assert "_auth_user_id" not in client.session
    assert blocked.status_code in (HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS)
    mail.outbox.clear()
    response = client.post(
        reverse("account_request_login_code"), {"email": "owner@example.com"}
    )
    assert response.status_code == HTTPStatus.FOUND
    (message,) = mail.outbox
    code = re.search(
        r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE
    ).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == HTTPStatus.FOUND
    assert client.session.get("_auth_user_id") == str(owner.pk)
