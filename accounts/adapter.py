"""allauth's adapter, with the client address taken the way this deployment needs it.

Behind the load balancer (README, *Deployment shape*) every request comes from the balancer's
address; the visitor's is in `X-Forwarded-For`, which anyone can also send directly. So the
header is believed only when the request comes from a configured proxy (`TRUSTED_PROXIES`,
environment `MLQA_TRUSTED_PROXIES`), and then only up to the first address that is not one of
ours, counting from the right: whatever a client wrote further left is its own claim. allauth's
per-address limits (log-in failures, sign-ups, password resets) count that address."""

import ipaddress
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sites.shortcuts import get_current_site
from django.http import Http404

from .site import site_url


def _networks():
    return [
        ipaddress.ip_network(entry.strip(), strict=False)
        for entry in settings.TRUSTED_PROXIES
        if entry.strip()
    ]


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_ip(request) -> str:
    """The address of the client that sent this request, past our own proxies only."""
    remote = request.META.get("REMOTE_ADDR", "")
    networks = _networks()

    def trusted(address):
        return address is not None and any(address in net for net in networks)

    if not networks or not trusted(_address(remote)):
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for entry in reversed(forwarded.split(",")):
        address = _address(entry)
        if address is None:
            break  # a malformed entry: nothing left of it can be believed
        if not trusted(address):
            return str(address)
    return remote


def on_public_site(url: str) -> str:
    """`url` moved onto SITE_URL when it is set (a mail is read away from the request that sent
    it: behind a proxy the request's host is not the public one)."""
    if not settings.SITE_URL:
        return url
    bits = urlsplit(url)
    return settings.SITE_URL + urlunsplit(
        ("", "", bits.path, bits.query, bits.fragment)
    )


def public_site():
    """What mails call the site ("Thank you for using MLQA! mlqa.example.org"): SITE_URL's
    host, else the request's, else the sites framework's row (a mail sent outside a request)."""
    request = allauth_context.request
    if not settings.SITE_URL and request is None:
        return get_current_site(None)
    return SimpleNamespace(
        name=settings.SITE_NAME, domain=urlsplit(site_url(request)).netloc
    )


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        return client_ip(request)

    def send_mail(self, template_prefix, email, context):
        super().send_mail(
            template_prefix, email, {"current_site": public_site(), **context}
        )

    def get_email_confirmation_url(self, request, emailconfirmation):
        return on_public_site(
            super().get_email_confirmation_url(request, emailconfirmation)
        )

    def get_reset_password_from_key_url(self, key):
        return on_public_site(super().get_reset_password_from_key_url(key))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        """Connecting a provider saves the member, on the provider's GET callback: a GET's
        member is the cached copy, which must not be written back (accounts.models.User.save);
        the row is read afresh for it."""
        if getattr(request.user, "read_from_cache", False):
            request.user = get_user_model().objects.get(pk=request.user.pk)
        super().pre_social_login(request, sociallogin)

    def get_app(self, request, provider, client_id=None):
        """A provider without credentials (GITHUB_CLIENT_ID... unset) is off: its sign-in URLs
        are a 404, not allauth's error for a missing app."""
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise Http404("Signing in with this provider is not set up here.") from None
