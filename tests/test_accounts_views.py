import re
from http import HTTPStatus

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD, AnswerFactory, UserFactory

pytestmark = pytest.mark.django_db


def sign_up(client, username="ada", email="ada@example.com"):
    return client.post(
        reverse("account_signup"),
        {
            "username": username,
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )


def test_sign_up_verify_email_then_log_in(client):
    response = sign_up(client)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="ada")
    assert not EmailAddress.objects.get(user=user).verified

    # Mandatory verification: logging in before confirming only re-sends the mail.
    assert len(mail.outbox) == 1
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "ada", "password": PASSWORD}
    )
    assert response["Location"] == reverse("account_email_verification_sent")

    confirm_url = re.search(
        r"https?://[^/]+(/accounts/confirm-email/[^\s]+/)", mail.outbox[0].body
    ).group(1)
    assert client.get(confirm_url).status_code == HTTPStatus.OK
    response = client.post(confirm_url)
    assert response.status_code == HTTPStatus.FOUND
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    for login in ("ada", "ada@example.com"):  # by username or by e-mail
        response = client.post(
            reverse("account_login"), {"login": login, "password": PASSWORD}
        )
        assert response.status_code == HTTPStatus.FOUND
        assert response["Location"] == reverse("home")
        assert client.get(reverse("home")).context["user"] == user
        client.post(reverse("account_logout"))
        assert not client.get(reverse("home")).context["user"].is_authenticated


def test_sign_up_with_a_taken_email_creates_nothing_and_tells_the_owner(client):
    # allauth does not reveal which addresses have accounts: the owner is mailed instead.
    UserFactory(username="first", email="taken@example.com")
    response = sign_up(client, username="second", email="taken@example.com")
    assert response.status_code == HTTPStatus.FOUND
    assert not User.objects.filter(username="second").exists()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["taken@example.com"]


def test_sign_up_rejects_bad_input_and_keeps_it(client):
    response = client.post(
        reverse("account_signup"),
        {
            "username": "second",
            "email": "second@example.com",
            "password1": PASSWORD,
            "password2": "different",
        },
    )
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "same password" in html
    assert 'value="second"' in html and 'value="second@example.com"' in html
    assert not User.objects.filter(username="second").exists()


def test_password_reset_sends_a_mail(client, user):
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == HTTPStatus.FOUND
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_login_failures_are_rate_limited(client, user):
    for _ in range(5):
        client.post(
            reverse("account_login"), {"login": user.username, "password": "wrong"}
        )
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": PASSWORD}
    )
    assert response.status_code in {HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS}
    assert "_auth_user_id" not in client.session


def test_profile_is_public_and_never_shows_the_email(client, user):
    user.display_name = "Ada L."
    user.bio = "Likes gradient descent."
    user.reputation = 42
    user.save()
    answer = AnswerFactory(author=user)
    response = client.get(reverse("accounts:profile", args=[user.username]))
    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "Ada L." in html and "Likes gradient descent." in html and "42" in html
    assert answer.question.title in html
    assert user.email not in html


def test_profile_of_unknown_user_is_404(client, db):
    assert (
        client.get(reverse("accounts:profile", args=["nobody"])).status_code
        == HTTPStatus.NOT_FOUND
    )


def test_settings_needs_login(client):
    response = client.get(reverse("accounts:settings"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


def test_settings_saves_display_name_and_bio(user_client, user):
    response = user_client.post(
        reverse("accounts:settings"),
        {"display_name": "  Grace   H ", "bio": "Compilers."},
    )
    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert (user.display_name, user.bio) == ("Grace H", "Compilers.")


def test_settings_rejects_bad_input_and_keeps_it(user_client, user):
    response = user_client.post(
        reverse("accounts:settings"), {"display_name": "x" * 60, "bio": "kept text"}
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    html = response.content.decode()
    assert "at most 50 characters" in html
    assert "kept text" in html


def test_delete_account_removes_personal_data_and_keeps_answers(client, user):
    answer = AnswerFactory(author=user)
    user.display_name, user.bio = "Ada", "bio"
    user.save()
    client.force_login(user)

    response = client.post(reverse("accounts:delete"), {"confirm_username": "wrong"})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "not your username" in response.content.decode()

    response = client.post(
        reverse("accounts:delete"), {"confirm_username": user.username}
    )
    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.is_deleted and not user.is_active
    assert (user.email, user.display_name, user.bio) == ("", "", "")
    assert user.username == f"deleted-{user.pk}"
    assert not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert "_auth_user_id" not in client.session

    html = client.get(answer.question.get_absolute_url()).content.decode()
    assert answer.body[:40] in html
    assert "deleted user" in html
    # The old account can no longer sign in, and its profile is gone.
    assert (
        client.get(reverse("accounts:profile", args=[user.username])).status_code
        == HTTPStatus.NOT_FOUND
    )


def test_moderator_command_grants_and_revokes(user):
    call_command("moderator", "add", user.username)
    assert User.objects.get(pk=user.pk).is_moderator
    call_command("moderator", "remove", user.username)
    assert not User.objects.get(pk=user.pk).is_moderator
    with pytest.raises(CommandError, match="No user named"):
        call_command("moderator", "add", "ghost")


def test_demo_accounts_are_created_once(capsys):
    call_command("create_demo_accounts")
    call_command("create_demo_accounts")
    out = capsys.readouterr().out
    assert "demo-moderator / mlqa-moderator" in out
    assert User.objects.filter(username__startswith="demo-").count() == 2
    assert User.objects.get(username="demo-moderator").is_moderator
    assert EmailAddress.objects.get(user__username="demo-user").verified


def test_demo_accounts_refused_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("create_demo_accounts")
