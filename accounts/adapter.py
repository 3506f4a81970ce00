"""allauth's adapter, with the client address taken the way this deployment needs it.

Behind the load balancer (README, *Deployment shape*) every request comes from the balancer's
address; the visitor's is in `X-Forwarded-For`, which anyone can also send directly. So the
header is believed only when the request comes from a configured proxy (`TRUSTED_PROXIES`,
environment `MLQA_TRUSTED_PROXIES`), and then only up to the first address that is not one of
ours, counting from the right: whatever a client wrote further left is its own claim. allauth's
per-address limits (log-in failures, sign-ups, password resets) count that address."""

import ipaddress

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


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


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request):
        return client_ip(request)
