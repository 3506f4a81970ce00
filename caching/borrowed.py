"""Everything the layer borrows from Django's private code, in one place, with the checks that
fail when a Django upgrade changes it (`check_borrowed`, run as system check caching.E001 at
start-up and by tests/test_caching_contract.py).

1. CSRF masking (django.middleware.csrf): `reader_csrf_token` masks the reader's secret as
   `_mask_cipher_secret` does (the same alphabet, lengths and cipher), reading the mask's
   randomness at once instead of a character at a time. Django must still unmask it to the same
   secret (`_unmask_cipher_token`), and the META keys it sets (CSRF_COOKIE, CSRF_COOKIE_NEEDS_UPDATE,
   CSRF_COOKIE_USED) must keep their meaning.
2. Django's Redis cache client (django.core.cache.backends.redis): `ReusingClient` keeps one
   redis-py client per connection pool by overriding `get_client` with the private
   `_get_connection_pool_index`, `_get_connection_pool` and `_client`, and RedisCache makes it
   from `_class`; `Serializer` (the public `serializer` option) reads pickles as
   `RedisSerializer` writes them (integers as they are).

Tested with the Django versions in TESTED_DJANGO; another version gets a warning (caching.W001)
until someone reads this module against it and adds it.
"""

import pickle
import secrets

import django
from django.conf import settings
from django.core.cache.backends.redis import (
    RedisCache,
    RedisCacheClient,
    RedisSerializer,
)
from django.middleware import csrf as django_csrf
from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CSRF_TOKEN_LENGTH,
    get_token,
)

TESTED_DJANGO = {(6, 1)}

_CSRF_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
# Random bytes below this (4 × 62) map evenly onto the token's 62 characters.
_EVEN_BYTES = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def mask_secret(secret, mask) -> str:
    """Django's `_mask_cipher_secret` with a given mask."""
    count = len(CSRF_ALLOWED_CHARS)
    cipher = [
        CSRF_ALLOWED_CHARS[(_CSRF_INDEX[s] + _CSRF_INDEX[m]) % count]
        for s, m in zip(secret, mask, strict=True)
    ]
    return mask + "".join(cipher)


def _random_mask() -> str:
    count = len(CSRF_ALLOWED_CHARS)
    mask = []
    while len(mask) < CSRF_SECRET_LENGTH:
        mask += [
            CSRF_ALLOWED_CHARS[byte % count]
            for byte in secrets.token_bytes(2 * CSRF_SECRET_LENGTH)
            if byte < _EVEN_BYTES
        ]
    return "".join(mask[:CSRF_SECRET_LENGTH])


def reader_csrf_token(request) -> str:
    """The token for this response's forms: what django.middleware.csrf.get_token returns (the
    reader's CSRF secret under a new random mask, so no two responses carry the same bytes),
    with the mask's randomness read from the system at once rather than a character at a time,
    and without sending the cookie again when the reader has it.

    Why: those were a fifth of a member's page served from the cache. Django makes a new or
    changed secret (and sends its cookie) itself."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or request.COOKIES.get(settings.CSRF_COOKIE_NAME) != secret:
        return get_token(request)
    return mask_secret(secret, _random_mask())


class Serializer(RedisSerializer):
    def loads(self, data):
        # Django's tries int() first and catches the ValueError of every pickle; a pickle starts
        # with the protocol opcode, and everything else stored is an integer (see dumps).
        return pickle.loads(data) if data[:1] == pickle.PROTO else int(data)


class ReusingClient(RedisCacheClient):
    """Django builds a new `redis.Redis` for every cache operation, and each copies redis-py's
    table of several hundred response callbacks: about a quarter of a millisecond, several
    times per request. A client is safe to share: it holds no connection, only the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}  # connection pool index -> client

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        if index not in self._clients:
            pool = self._get_connection_pool(write)
            self._clients[index] = self._client(connection_pool=pool)
        return self._clients[index]


def check_borrowed() -> list[str]:
    """What no longer holds of the above (empty when all does)."""
    problems = []
    # 1. CSRF: Django unmasks our token to the secret; its lengths and names are as we use them.
    unmask = getattr(django_csrf, "_unmask_cipher_token", None)
    if unmask is None or not hasattr(django_csrf, "_mask_cipher_secret"):
        problems.append("django.middleware.csrf no longer has _mask/_unmask_cipher_*")
    else:
        secret = django_csrf._get_new_csrf_string()
        token = mask_secret(secret, _random_mask())
        if len(token) != CSRF_TOKEN_LENGTH or unmask(token) != secret:
            problems.append("Django no longer unmasks reader_csrf_token's tokens")
        if unmask(django_csrf._mask_cipher_secret(secret)) != secret:
            problems.append("Django's own CSRF masking changed")
    if CSRF_TOKEN_LENGTH != 2 * CSRF_SECRET_LENGTH:
        problems.append(
            "CSRF tokens are no longer a mask and a cipher of the secret's length"
        )
    # 2. The Redis cache's private names (a client is made without connecting).
    cache = RedisCache("redis://127.0.0.1:6379", {})
    if getattr(cache, "_class", None) is not RedisCacheClient:
        problems.append("RedisCache no longer makes its client from self._class")
    client = RedisCacheClient(["redis://127.0.0.1:6379"])
    for name in ("_get_connection_pool_index", "_get_connection_pool", "_client"):
        if not hasattr(client, name):
            problems.append(f"RedisCacheClient has no {name}")
    serializer = RedisSerializer()
    if serializer.dumps(7) != 7 or serializer.loads(serializer.dumps("x")) != "x":
        problems.append("RedisSerializer no longer stores integers as they are")
    elif Serializer().loads(serializer.dumps({"a": 1})) != {"a": 1}:
        problems.append("Serializer no longer reads RedisSerializer's pickles")
    return problems


def django_is_tested() -> bool:
    return django.VERSION[:2] in TESTED_DJANGO
