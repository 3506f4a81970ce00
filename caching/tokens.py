"""Version tokens: every cached entry is stored with the tokens of what it shows, and served only
while they are all current.

A token is a random integer stored under `pagecache:t:<name>`. Writes replace the tokens of the
rows they touched (caching.declarations, from each app's `caching.py`) *now and again after their
transaction commits* (`transaction.on_commit`), so:
- a reader who read the old token before the commit may store an entry rendered from old rows,
  but with the old token, which no longer matches;
- a reader who reads the new token renders from committed rows.
Tokens are random (not counters), so a token evicted from the cache and made again can never
match an old entry. Each also carries the moment it was made (`token_made_at`): with read
replicas (replicas/), rows read after a token must be at least as new as it. This context
remembers the newest token it read (`newest_token_read`, from the start of each request), so a
replica that may not have that moment's rows yet is not read from; and an entry whose rows came
from a server that may be older than one of its tokens (`rows_read_as_of`) is not stored. Entries and tokens are read in one round trip (`lookup`); big entries that
this process keeps a copy of (caching.nearcache) cost only their tokens.

The layer's own tokens (the rest are named by the apps' `caching.py`):
- `site`: what every page shows (topics' names; a token every page depends on);
- `lists`, `bank`: question lists and counts (named here because several apps read them);
- `member:<pk>`: one member's own row and what their own pages show of them;
- `permissions`: who holds which permission.
"""

import hashlib
import math
import secrets
import time
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction

from . import nearcache
from .nearcache import near

SITE = "site"
LISTS = "lists"
BANK = "bank"
PERMISSIONS = "permissions"


def member_token(user_id) -> str:
    """One member's own state as their pages show it (their row, what they follow, their posts
    awaiting review): replaced by every write to their row and by the apps' declarations."""
    return f"member:{int(user_id)}"


def _version_key(name):
    return f"pagecache:t:{name}"


# A token: the milliseconds since the epoch when it was made (42 bits, until the year 2109),
# then 21 random bits. An integer: Django's Redis cache stores those as they are, unpickled.
_RANDOM_BITS = 21


def _new_token():
    return (int(time.time() * 1000) << _RANDOM_BITS) | secrets.randbits(_RANDOM_BITS)


def token_made_at(token) -> float:
    """When a token was made (seconds since the epoch)."""
    return (token >> _RANDOM_BITS) / 1000


# Per request (reset when one starts, caching.apps): the moment the newest token read was made,
# and how new the rows read may be at worst (a replica's horizon; inf: only the primary's).
_newest_read = ContextVar("mlqa_newest_token_read", default=0.0)
_rows_as_of = ContextVar("mlqa_rows_read_as_of", default=math.inf)


def newest_token_read() -> float:
    """The moment the newest version token this request read was made (0: none yet): rows read
    from now on must be at least that new for what is rendered from them to be stored."""
    return _newest_read.get()


def rows_read_as_of(moment) -> None:
    """Said by a reader of a server that has every write committed before `moment` but perhaps
    not later ones (a replica): entries under tokens newer than that are not stored."""
    if moment < _rows_as_of.get():
        _rows_as_of.set(moment)


def start_reading(**kwargs) -> None:
    """A new request: nothing read yet (connected to `request_started`)."""
    _newest_read.set(0.0)
    _rows_as_of.set(math.inf)


def _note_read(tokens) -> None:
    newest = max(tokens, default=0) >> _RANDOM_BITS
    if newest / 1000 > _newest_read.get():
        _newest_read.set(newest / 1000)


def replace_tokens(*names) -> None:
    """Replace these version tokens now, and again once the current transaction commits.

    Now: the writer itself (and a test inside one transaction) sees the change at once. Again on
    commit: a reader who took the first new token before the commit rendered old rows under it.
    Private to the layer: apps declare what feeds a token (caching.feeds) or call `rows_changed`.
    """
    keys = list(dict.fromkeys(_version_key(name) for name in names))
    if not keys:
        return

    def replace():
        cache.set_many({key: _new_token() for key in keys}, timeout=None)

    replace()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(replace)


def lookup(depends_on, raw_keys=()):
    """({key: value}, {key: tokens}): of the entries at the keys of `depends_on` (key -> the
    names of its version tokens), those stored under the current tokens of their names, and
    those tokens (made when missing), in one round trip; with them, the values at `raw_keys`
    as they are stored, when found (another cache user's, such as a session).

    Entries this process has a copy of (caching.nearcache) are not read from the cache, only
    their tokens: a second round trip reads those whose tokens changed since.
    """
    version_keys = {
        name: _version_key(name) for names in depends_on.values() for name in names
    }
    copies = {key: near.get(key) for key in depends_on if nearcache.holds(key)}
    copies = {key: copy for key, copy in copies.items() if copy is not None}
    found = cache.get_many(
        [
            *(key for key in depends_on if key not in copies),
            *version_keys.values(),
            *raw_keys,
        ]
    )
    _make_missing_tokens(found, version_keys.values())
    current = {key: found[key] for key in raw_keys if key in found}
    tokens = {
        key: [found[version_keys[name]] for name in names]
        for key, names in depends_on.items()
    }
    _note_read(found[vk] for vk in version_keys.values())
    stale = []
    for key, (copy_tokens, value) in copies.items():
        if copy_tokens == tokens[key]:
            current[key] = value
        else:
            stale.append(key)
    if stale:
        found.update(cache.get_many(stale))
    for key in depends_on:
        stored = found.get(key)
        if stored is not None and stored[0] == tokens[key]:
            current[key] = stored[1]
            if nearcache.holds(key):
                near.put(key, *stored)
    return current, tokens


def _make_missing_tokens(found, version_keys):
    missing = {vk: _new_token() for vk in version_keys if vk not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)


def current_tokens(names) -> list:
    version_keys = [_version_key(name) for name in names]
    found = cache.get_many(version_keys)
    _make_missing_tokens(found, version_keys)
    tokens = [found[vk] for vk in version_keys]
    _note_read(tokens)
    return tokens


def store(key, tokens, value, timeout):
    """Store `value` computed under `tokens` for `timeout` seconds (None: until evicted); not if
    this request read rows from a server that may miss a write a token it read follows (one
    found while rendering, `page_depends_on`, included)."""
    newest = max(_newest_read.get(), token_made_at(max(tokens, default=0)))
    if newest > _rows_as_of.get():
        return
    expires_at = None if timeout is None else time.time() + timeout
    cache.set(key, (tokens, value, expires_at), timeout)
    if nearcache.holds(key):
        near.put(key, tokens, value, expires_at)


def hashed_key(kind, *parts):
    raw = "\n".join(str(part) for part in parts)
    return f"pagecache:{kind}:" + hashlib.sha256(raw.encode()).hexdigest()


def cached_value(name, depends_on, compute, timeout=None):
    """`compute()`, cached until one of the `depends_on` tokens is replaced (e.g. counts under
    `bank`), or for `timeout` seconds (a day when None)."""
    # Short names (a topic's count) as they are; long ones (a count's SQL) hashed.
    key = f"pagecache:value:{name}" if len(name) <= 64 else hashed_key("value", name)
    current, tokens = lookup({key: depends_on})
    if key in current:
        return current[key]
    value = compute()
    store(key, tokens[key], value, timeout if timeout is not None else 24 * 3600)
    return value


def forget_everything() -> None:
    """Drop every entry of the cache (and this process's copies): for tools that rewrite the
    database behind the site's back in bulk (the demo-data generator's reset). Sessions stay in
    the database; rate-limit counts start again."""
    cache.clear()
    near.clear()
