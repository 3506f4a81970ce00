"""The authentication middleware that reads a GET request's member from the cache (caching.members)."""

from django.conf import settings
from django.contrib.auth import middleware as auth_middleware
from django.utils.cache import patch_cache_control
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


class PrivatePagesMiddleware:
    """`Cache-Control: private` on every response to a request with a session (a member's
    pages, messages) and on every response that sets a cookie: a shared cache between the site
    and the reader (a proxy, a CDN) must never keep them for someone else. Responses that say
    `public` (static files) keep what they say."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES or response.cookies
        ) and "public" not in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True)
        return response
