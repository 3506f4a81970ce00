"""Per-member rate limits for writes, counted in the cache (Redis in production, so every app
server shares the counts). Fixed windows: simple, and a burst at a window edge is bounded by 2x."""

import time
from functools import wraps

from django.core.cache import cache

from accounts.permissions import refuse

# action: (how many, per how many seconds, what the member is told)
LIMITS = {
    "answer": (20, 3600, "You can post at most 20 answers an hour."),
    "comment": (30, 3600, "You can post at most 30 comments an hour."),
    "vote": (120, 3600, "You are voting very fast: at most 120 votes an hour."),
    "flag": (20, 3600, "You can flag at most 20 posts an hour."),
    "proposal": (10, 86400, "You can propose at most 10 questions a day."),
    # Reads through the API (api/), per member with a token, else per address.
    "api": (1000, 3600, "At most 1,000 API requests an hour."),
    # The live preview asks as the member types (400 ms after they stop): a minute's worth of
    # bursts, not a renderer for scripts.
    "preview": (60, 60, "You are previewing very fast: at most 60 previews a minute."),
    # Every saved edit keeps a revision of the whole text.
    "edit": (30, 3600, "You can save at most 30 edits an hour."),
    "profile": (10, 3600, "You can change your profile at most 10 times an hour."),
    "follow": (60, 3600, "You can follow or unfollow at most 60 questions an hour."),
    "bookmark": (
        200,
        3600,
        "You can change your lists and notes at most 200 times an hour.",
    ),
    "deck_import": (20, 3600, "You can import at most 20 files an hour."),
    "plan": (60, 3600, "You can change study plans at most 60 times an hour."),
    # Interview marks, useful votes and difficulty ratings of questions, together.
    "feedback": (
        120,
        3600,
        "You can mark, vote or rate questions at most 120 times an hour.",
    ),
    "practice_start": (
        30,
        3600,
        "You can start at most 30 practice sessions an hour.",
    ),
}


def rate_limit_exceeded(action, user_id) -> bool:
    """Count one more `action` for this member; True when it goes over the limit."""
    limit, period, _ = LIMITS[action]
    window = int(time.time() // period)
    key = f"ratelimit:{action}:{user_id}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        count = 1
    return count > limit


def limit_message(action) -> str:
    """What a member over the action's limit is told."""
    return LIMITS[action][2] + " Please wait a while."


def rate_limited(action):
    """Refuse a POST with 429 and a message once the member is over the action's limit."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if (
                request.method == "POST"
                and request.user.is_authenticated
                and rate_limit_exceeded(action, request.user.pk)
            ):
                return refuse(request, limit_message(action), status=429)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
