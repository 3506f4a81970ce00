"""This process's own copies of the entries of the shared cache that are read on every request of
a page: whole pages, members' page parts and layouts, and the copy of a member GET requests read (the "L1" in front of Redis, as Stack Overflow's web servers keep one in
front of theirs).

Why: a cached page is tens of kilobytes that Redis sends, the client parses and pickle copies on
every request; its version tokens are a few bytes. With a copy here, a lookup reads only the
tokens from Redis and takes the page from memory when they match (caching.tokens.lookup). The
copies are the stored entries themselves, with the same tokens and the same expiry, so they are
current exactly when the shared entry would be. They are never changed after they are stored
(pages, parts and layouts are strings, tuples and dicts of strings that readers only read; a
member copy is a frozen dataclass).

Bounded by NEAR_CACHE_BYTES per process (the least recently used go first).
"""

import threading
import time
from collections import OrderedDict

from django.conf import settings

# The kinds of pagecache entries kept here: big, read-only, read on every request of a page.
# (Not answer cards: a page whose parts are cached reads none, and a page that is rendered
# reads twenty, which would push out the pages.)
KEY_PREFIXES = (
    "pagecache:page:",
    "pagecache:shell:",
    "pagecache:member:",  # caching.members.MemberCopy
)


def holds(key) -> bool:
    return key.startswith(KEY_PREFIXES)


def _size(value, depth=4) -> int:
    """About how many bytes `value` holds: its strings and bytes, in the dicts, lists and tuples
    a stored page is made of (parts: a dict of tuples of bytes and lists of bytes)."""
    if isinstance(value, str | bytes):
        return len(value)
    if isinstance(value, dict):
        value = list(value.values())
    if depth and isinstance(value, list | tuple):
        return sum(_size(item, depth - 1) for item in value)
    return 1024  # anything else (a member copy): about a kilobyte


class NearCache:
    def __init__(self):
        self._entries = OrderedDict()  # key -> (tokens, value, expires_at, size)
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        """(tokens, value) of the copy at `key` while it has not expired, else None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[2] is not None and entry[2] <= time.monotonic():
                self._remove(key)
                return None
            self._entries.move_to_end(key)
            return entry[0], entry[1]

    def put(self, key, tokens, value, expires_at) -> None:
        """Keep a copy until `expires_at` (time.time() seconds; None: no expiry)."""
        size = _size(value) + 100
        budget = settings.NEAR_CACHE_BYTES
        if size > budget // 4:
            return
        if expires_at is not None:
            # From the shared cache's clock to this process's monotonic one.
            expires_at = time.monotonic() + (expires_at - time.time())
        with self._lock:
            if key in self._entries:
                self._remove(key)
            self._entries[key] = (tokens, value, expires_at, size)
            self._bytes += size
            while self._bytes > budget:
                self._remove(next(iter(self._entries)))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _remove(self, key):
        self._bytes -= self._entries.pop(key)[3]


near = NearCache()
