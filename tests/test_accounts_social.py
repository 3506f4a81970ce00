"""Sign in with GitHub or Google (django-allauth's social accounts): off until configured, the
OAuth2 flow through allauth's real views with the providers' servers mocked by allauth's own
helpers (no network), and a member connecting and disconnecting a provider from settings."""

import json
import time
from http import HTTPStatus

import jwt
import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.services import user_delete
from tests.allauth_mocking import MockedResponse, oauth2_login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GITHUB_USER = {
    "type": "User",
    "id": 201022,
    "login": "octocat",
    "name": "The Octocat",
    "email": None,
    "html_url": "https://github.com/octocat",
}
GITHUB_EMAILS = [
    {"email": "octo@example.com", "verified": True, "primary": True},
    {"email": "unverified@example.com", "verified": False, "primary": False},
]


@pytest.fixture
def providers(settings):
    """Both providers configured, as GITHUB_CLIENT_ID... in the environment would."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "github": {
            "APP": {"client_id": "app123id", "secret": "dummy"},
            "SCOPE": ["user:email"],
        },
        "google": {
            "APP": {"client_id": "app123id", "secret": "dummy"},
            "SCOPE": ["profile", "email"],
            "OAUTH_PKCE_ENABLED": True,
        },
    }


def github_sign_in(client, process="login", user=GITHUB_USER, emails=GITHUB_EMAILS):
    return oauth2_login(
        client,
        "github",
        json.dumps({"access_token": "testac", "token_type": "bearer"}),
        MockedResponse(HTTPStatus.OK, json.dumps(user)),
        MockedResponse(HTTPStatus.OK, json.dumps(emails)),
        process=process,
    )


def google_token(email, **claims):
    now = int(time.time())
    payload = {
        "iss": "https://accounts.google.com",
        "azp": "app123id",
        "aud": "app123id",
        "sub": "108204268033311374519",
        "email": email,
        "email_verified": True,
        "name": "Grace Hopper",
        "given_name": "Grace",
        "family_name": "Hopper",
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return json.dumps(
        {
            "access_token": "testac",
            "expires_in": 3600,
            "token_type": "Bearer",
            "id_token": jwt.encode(payload, "secret"),
        }
    )


def signed_in_member(client):
    return (
        get_user_model().objects.filter(pk=client.session.get("_auth_user_id")).first()
    )


def test_off_until_configured_no_button_and_its_urls_are_404(client):
    page = client.get(reverse("account_login")).content.decode()
    assert "GitHub" not in page and "Google" not in page
    assert client.get(reverse("github_login")).status_code == HTTPStatus.NOT_FOUND
    assert client.post(reverse("google_login")).status_code == HTTPStatus.NOT_FOUND
    assert client.get(reverse("github_callback")).status_code == HTTPStatus.NOT_FOUND


def test_the_sign_in_page_offers_configured_providers(client, providers):
    page = client.get(reverse("account_login")).content.decode()
    assert reverse("github_login") in page and reverse("google_login") in page
    # Without JavaScript: the link opens allauth's page whose button POSTs (with CSRF).
    confirm = client.get(reverse("github_login")).content.decode()
    assert 'method="post"' in confirm and "csrfmiddlewaretoken" in confirm


def test_a_new_member_signs_up_with_github(client, providers):
    query, response = github_sign_in(client)
    assert query["client_id"] == ["app123id"]
    assert query["scope"] == ["user:email"]
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("home")
    member = signed_in_member(client)
    assert member is not None and member.username == "octocat"
    assert not member.has_usable_password()
    # GitHub's verified primary address: no confirmation mail needed.
    assert (
        EmailAddress.objects.get(user=member, primary=True).email == "octo@example.com"
    )
    assert EmailAddress.objects.get(user=member, primary=True).verified
    account = SocialAccount.objects.get(user=member)
    assert (account.provider, account.uid) == ("github", "201022")

    # Signing in again with GitHub finds the same member.
    client.logout()
    github_sign_in(client)
    assert signed_in_member(client) == member
    assert get_user_model().objects.filter(username__startswith="octocat").count() == 1


def test_a_new_member_signs_up_with_google(client, providers):
    query, response = oauth2_login(client, "google", google_token("grace@example.com"))
    assert query["code_challenge_method"] == ["S256"]  # PKCE
    assert response.status_code == HTTPStatus.FOUND
    member = signed_in_member(client)
    assert member.email == "grace@example.com"
    assert EmailAddress.objects.get(user=member).verified


def test_a_forged_google_token_signs_nobody_in(client, providers):
    _, response = oauth2_login(
        client, "google", google_token("grace@example.com", aud="another-app")
    )
    assert signed_in_member(client) is None
    assert "error" in response.content.decode().lower()


def test_a_provider_address_of_an_existing_member_does_not_take_their_account(
    client, providers
):
    existing = UserFactory(email="octo@example.com")
    github_sign_in(client)
    assert signed_in_member(client) != existing
    assert not SocialAccount.objects.filter(user=existing).exists()


def test_a_member_connects_then_disconnects_github_from_settings(client, providers):
    member = UserFactory(trusted=True)
    client.force_login(member)
    settings_page = client.get(reverse("accounts:settings")).content.decode()
    assert reverse("socialaccount_connections") in settings_page
    connections = client.get(reverse("socialaccount_connections"))
    assert connections.status_code == HTTPStatus.OK
    assert reverse("github_login") in connections.content.decode()

    github_sign_in(client, process="connect")
    account = SocialAccount.objects.get(user=member)
    assert account.provider == "github"
    assert signed_in_member(client) == member

    page = client.get(reverse("socialaccount_connections")).content.decode()
    assert "octocat" in page
    response = client.post(
        reverse("socialaccount_connections"), {"account": account.pk}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert not SocialAccount.objects.filter(user=member).exists()
    # The member still signs in with their password.
    client.logout()
    assert client.login(username=member.username, password=PASSWORD)


def test_a_member_without_password_cannot_remove_their_only_sign_in(client, providers):
    github_sign_in(client)
    member = signed_in_member(client)
    account = SocialAccount.objects.get(user=member)
    response = client.post(
        reverse("socialaccount_connections"), {"account": account.pk}
    )
    assert SocialAccount.objects.filter(pk=account.pk).exists()
    assert response.status_code == HTTPStatus.OK
    assert "password" in response.content.decode().lower()


def test_deleting_the_account_removes_the_provider_link(client, providers):
    github_sign_in(client)
    member = signed_in_member(client)
    user_delete(user=member)
    assert not SocialAccount.objects.filter(user=member).exists()


def test_connections_page_is_for_members_only(client, providers):
    response = client.get(reverse("socialaccount_connections"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db(transaction=False)
def test_providers_and_their_form_action_come_from_the_environment():
    from tests.test_mlqa_settings import run_manage

    show = (
        "from django.conf import settings; "
        "print(sorted(settings.SOCIALACCOUNT_PROVIDERS), "
        "[str(source) for source in settings.SECURE_CSP['form-action']])"
    )
    off = run_manage("shell", "--no-imports", "-c", show)
    assert off.stdout.strip() == "[] [\"'self'\"]", off.stderr
    on = run_manage(
        "shell",
        "--no-imports",
        "-c",
        show,
        GITHUB_CLIENT_ID="id",
        GITHUB_CLIENT_SECRET="secret",
        GOOGLE_CLIENT_ID="id",
    )
    # Google without its secret stays off; GitHub's sign-in may leave for github.com.
    assert on.stdout.strip() == "['github'] [\"'self'\", 'https://github.com']", (
        on.stderr
    )
