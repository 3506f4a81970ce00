"""The authentication middleware that reads a GET request's member from the cache (caching.members)."""

from django.contrib.auth import middleware as auth_middleware
from django.utils.functional import SimpleLazyObject

from .members import READING_METHODS, member_for_reading


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, except that GET and HEAD requests read the member through
    `member_for_reading`."""

    def process_request(self, request):
        super().process_request(request)
        if request.method in READING_METHODS:
            request.user = SimpleLazyObject(lambda: _cached_member(request))


def _cached_member(request):
    # As django.contrib.auth.middleware.get_user: once per request.
    if not hasattr(request, "_cached_user"):
        copy = getattr(request, "_member_copy", None)
        request._cached_user = copy.user() if copy else member_for_reading(request)
    return request._cached_user
