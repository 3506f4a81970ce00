"""Read your writes: a request that wrote tells its reader's browser when (a signed cookie), and
that reader's next requests read only from a replica that has every write before then."""

import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from . import router

COOKIE = "mlqa_wrote"
_SALT = "replicas.wrote"
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class ReadYourWritesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reading = router.Reading(
            since=_written_at(request),
            primary=request.method not in READING_METHODS,
        )
        token = router.start(reading)
        try:
            with connections[DEFAULT_DB_ALIAS].execute_wrapper(reading.watch):
                response = self.get_response(request)
        finally:
            router.stop(token)
        if reading.primary:
            response.set_signed_cookie(
                COOKIE,
                f"{time.time():.3f}",
                salt=_SALT,
                max_age=settings.DATABASE_READ_YOUR_WRITES_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


def _written_at(request) -> float:
    """When this reader last wrote, if within the window (epoch seconds; 0: not recently)."""
    if COOKIE not in request.COOKIES:
        return 0.0
    value = request.get_signed_cookie(
        COOKIE,
        default=None,
        salt=_SALT,
        max_age=settings.DATABASE_READ_YOUR_WRITES_SECONDS,
    )
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
