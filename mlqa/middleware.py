"""Requests that no view can answer sensibly are refused with a 400 before any view, form or
middleware reads them (issue 15: each of these was a 500)."""

import codecs

from django.http import HttpResponseBadRequest
from django.template import loader

# Forms are sent as UTF-8 (every page is); a body in another charset (UTF-16 made Django's CSRF
# check decode it and fail with a 500) is refused.
ACCEPTED_CHARSETS = {"utf-8", "ascii"}


def _refusal(message):
    response = HttpResponseBadRequest(
        loader.get_template("errors/400.html").render({"reason": message})
    )
    return response


def _charset_refused(request) -> bool:
    charset = request.content_params.get("charset") if request.content_type else None
    if not charset:
        return False
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return True
    return name not in ACCEPTED_CHARSETS


def _has_nul(request) -> bool:
    # PostgreSQL refuses a NUL in any string: a path with one can't be looked up (a username,
    # a slug). Query parameters go through forms, whose fields refuse a NUL, or are cleaned
    # where they are read (the search box).
    return "\x00" in request.path


class RequestShapeMiddleware:
    """A NUL in the path, or a body in a charset other than UTF-8: 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _has_nul(request):
            return _refusal("The address contains a NUL character.")
        if request.method not in ("GET", "HEAD", "OPTIONS") and _charset_refused(
            request
        ):
            return _refusal("Send forms as UTF-8.")
        return self.get_response(request)
