"""Sessions whose key begins with the member's id ("42-k3j…"): Django's cached_db sessions
(read from the cache, written through to the database), with that one difference.

Why: a member's page needs their session before anything else, and the session says who they
are. With the id in the key, a page asks the cache for the session, the member's row and the
page's parts in one round trip instead of two or three (caching.cached_page). The id is
only a hint, read before the session is: the session's own data decides who is signed in, and a
hint that disagrees with it is ignored. The random part is as long as Django's, so a key is no
easier to guess.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore

SEPARATOR = "-"
# django_session.session_key is 40 characters: room for an id of up to 7 digits.
KEY_LENGTH = 40


class SessionStore(CachedDbStore):
    def _get_new_session_key(self):
        key = super()._get_new_session_key()
        user_id = getattr(self, "_session_cache", {}).get(SESSION_KEY)
        hinted = f"{user_id}{SEPARATOR}{key}"
        return hinted if user_id and len(hinted) <= KEY_LENGTH else key

    def preload(self, data) -> None:
        """Use `data`, read from the session cache by the caller, instead of reading it again."""
        self._session_cache = data


def member_hint(session_key) -> int | None:
    """The member id a session key begins with, if it has one (unchecked)."""
    head, separator, _ = (session_key or "").partition(SEPARATOR)
    return int(head) if separator and head.isascii() and head.isdigit() else None


def session_key_with_member_id(sender, request, user, **kwargs):
    """On sign-in: Django gives a session a new key before it records who signed in; a second new
    key, made now, carries the id. (A password change renews the key itself: it keeps the id.)"""
    session = getattr(request, "session", None)
    if isinstance(session, SessionStore):
        session.cycle_key()
