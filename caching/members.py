"""The signed-in member, read from the cache on GET and HEAD requests (the member copy).

Why: Django reads the member's row from the database on every request, and the header of every
page asks for their permission set and unread-notification count. On a page whose parts come
from the cache that was most of a member's request. Here a GET reads all three from the cache in
one round trip (`MemberCopy`), under the version tokens of what it holds:
- `member:<pk>`, which every write to a member's row replaces (a save, by the signals; an
  UPDATE, by `rows_changed`);
- the permissions token (caching.permissions);
- the tokens of the values apps add to the copy (`member_value`: the unread-notification count).
A page for members (caching.cached_page) reads it in the same round trip as the session and its
own parts, when the session key names the member (caching.sessions).

POST requests (and the rest) read the row from the database as Django does: writes act on
current rows. A copy read from the cache refuses to be saved (it carries `read_from_cache`: see
accounts.models.User.save), so a GET view can't write stale values back by mistake.
"""

import pickle
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    get_user_model,
)
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare

from .sessions import SessionStore, member_hint
from .tokens import PERMISSIONS, cached_value, lookup, member_token, store

READING_METHODS = ("GET", "HEAD")

# name -> (compute(user id), depends_on(user id) -> token names): see `member_value`.
_MEMBER_VALUES = {}


def member_value(name, *, depends_on):
    """Declare a value every page a member reads shows in its header (the unread-notification
    count): `compute(user id)`, cached in the member's copy under `depends_on(user id)`'s
    tokens, and set on a copy's user as the attribute `name`.

    Used as a decorator of `compute` in an app's caching.py."""

    def register(compute):
        _MEMBER_VALUES[name] = (compute, depends_on)
        return compute

    return register


def member_values_depends_on(user_id) -> list:
    return [name for _, depends in _MEMBER_VALUES.values() for name in depends(user_id)]


def member_value_for(user_id, name):
    """One declared member value, cached on its own (for requests that don't read the copy)."""
    compute, depends_on = _MEMBER_VALUES[name]
    return cached_value(
        f"member-value:{name}:{user_id}",
        depends_on(user_id),
        lambda: compute(user_id),
        timeout=settings.PAGE_CACHE_SECONDS or 60,
    )


@dataclass(frozen=True)
class MemberCopy:
    """What a GET request needs of a member, as the cache keeps it: their row (pickled: it is
    only unpickled when a view asks for the member), the session hash it verifies, its
    suspension, their permission set and unread-notification count. Read-only, so each process
    keeps one in memory (caching.nearcache) while its tokens are current."""

    pk: int
    row: bytes
    session_auth_hash: str
    suspended_until: datetime | None
    permissions: frozenset
    values: dict

    @property
    def is_suspended(self):
        # The user model's own rule (accounts.models.suspension_in_force).
        return get_user_model().suspension_in_force(self.suspended_until)

    def user(self):
        user = pickle.loads(self.row)
        user.read_from_cache = True
        user._perm_cache = set(self.permissions)
        for name, value in self.values.items():
            setattr(user, name, value)
        return user


def _copy_key(user_id):
    return f"pagecache:member:{user_id}"


def _copy_depends_on(user_id):
    """The tokens of what a member copy holds: their row, permissions and member values."""
    return [member_token(user_id), PERMISSIONS, *member_values_depends_on(user_id)]


def _member_copy(session, user_id, found=None) -> MemberCopy | None:
    """The member's copy from the cache (`found`: what a lookup that included its key found),
    or read from the database and stored; None if they can't sign in (deactivated, gone)."""
    key = _copy_key(user_id)
    current, tokens = found or lookup({key: _copy_depends_on(user_id)})
    if key in current:
        return current[key]
    # As Django's get_user: by the backend that signed them in.
    user = auth.load_backend(session[BACKEND_SESSION_KEY]).get_user(user_id)
    copy = None
    if user is not None:
        copy = MemberCopy(
            pk=user.pk,
            row=pickle.dumps(user),
            session_auth_hash=user.get_session_auth_hash(),
            suspended_until=getattr(user, "suspended_until", None),
            permissions=frozenset(_permissions(user)),
            values={
                name: compute(user_id) for name, (compute, _) in _MEMBER_VALUES.items()
            },
        )
    store(key, tokens[key], copy, settings.PAGE_CACHE_SECONDS or 60)
    return copy


def _signed_in_user_id(session):
    """The session's member id, when its backend is still one of ours; else None."""
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
    except (KeyError, ValidationError):
        return None
    if session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    return user_id


def _verified(request, copy) -> MemberCopy | None:
    """`copy` if the session's hash still verifies it; None when Django must decide (signed
    out, deactivated, or a password changed since)."""
    session_hash = request.session.get(HASH_SESSION_KEY)
    if (
        copy is None
        or not session_hash
        or not constant_time_compare(session_hash, copy.session_auth_hash)
    ):
        return None
    return copy


def member_for_reading(request):
    """The request's member (or AnonymousUser) as Django's `auth.get_user` finds them, with the
    row, permission set and unread count from the cache (see the module's note)."""
    user_id = _signed_in_user_id(request.session)
    if user_id is None:
        return auth.get_user(request)
    copy = _verified(request, _member_copy(request.session, user_id))
    return copy.user() if copy else auth.get_user(request)


def hinted_member_id(request):
    """The member id the request's session key names (caching.sessions), while the member is
    still unread; else None."""
    session = getattr(request, "session", None)
    if not isinstance(session, SessionStore) or hasattr(request, "_cached_user"):
        return None  # read already, or sessions without the id
    return member_hint(session.session_key)


def lookup_with_member(request, user_id, depends_on):
    """(member copy, current, tokens): `lookup(depends_on)` and the session and member
    `user_id` (from `hinted_member_id`) in one round trip, the member becoming the request's
    (unpickled only if something asks for `request.user`). None when the session is not in the
    cache, names someone else, or no longer verifies them: the caller reads as usual."""
    session = request.session
    found = lookup(
        {_copy_key(user_id): _copy_depends_on(user_id), **depends_on},
        raw_keys=[session.cache_key],
    )
    data = found[0].get(session.cache_key)
    if data is None:
        return None  # not in the cache: the session reads the database
    session.preload(data)
    if _signed_in_user_id(session) != user_id:
        return None
    copy = _verified(request, _member_copy(session, user_id, found))
    if copy is None:
        return None
    request._member_copy = copy  # request.user, when asked for (_cached_member)
    return copy, *found


def _permissions(user):
    # Imported here: django.contrib.auth.backends needs the app registry (this module doesn't).
    from django.contrib.auth.backends import ModelBackend

    return ModelBackend().get_all_permissions(user)
