"""The fuzzing pass (issue 15): every URL pattern of the project (ours, allauth's, the admin's)
gets hostile requests from a visitor and from a signed-in member, and none may answer 500.

The moderator (staff, superuser) reaches every view's own code; visitors and members get every
pattern of ours and a fifth of the admin's (which only sends them to log in). What is sent,
sampled per pattern by a seeded generator (`MLQA_FUZZ_SEED`, default 15, so a
failure replays; another seed tries other combinations):
- the pattern's own URL with hostile query parameters (control characters, a NUL, invalid UTF-8
  percent-escapes, 20,000-character values, a parameter repeated with different values);
- its URL with a hostile value in each string argument (username, slug, kind);
- a POST of hostile form values to the field names the site's forms use (single and repeated);
- a POST of a raw body: invalid UTF-8, UTF-16 and unknown charsets, broken multipart, JSON.
The CSRF check is off (Django's test client), so the POSTs reach the views' own code.

How long each request took is collected; with `MLQA_FUZZ_REPORT=path` the module writes the
count, the statuses and the slowest requests there (bench/results/, README *Security*). The
time bound is the benchmark's business (bench/render_worst_case.py for the renderer), not a
timed assertion here.
"""

import os
import random
import time
from collections import Counter
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from tests.factories import UserFactory
from tests.module_data import module_data
from tests.test_security_csrf import _make_objects, concrete_url
from tests.url_patterns import PATTERN_IDS, PATTERNS, pattern_arguments

pytestmark = pytest.mark.django_db

SEED = int(os.environ.get("MLQA_FUZZ_SEED", "15"))
TIMINGS = []  # (seconds, status, method, url)

HOSTILE_TEXT = [
    "\x00", "a\x00b", "\x01\x02\x1b[31m\x7f", "\u202e\u200b\ufeff", "\ufffe\uffff\U0010ffff",
    "x" * 20_000, "[" * 5_000, "\\(" * 3_000, "<script>alert(1)</script>", "' OR 1=1 --",
    "../../etc/passwd", "9" * 40, "-1", "1e309", "²", "٣", "", " ", "\r\n\r\n", "%00",
]  # fmt: skip
RAW_QUERY = [
    "q=%ff%fe",
    "q=%c0%af&page=%80",
    "page=%00",
    "q=a&q=b&q=%ff",
    "topic=&topic=x",
]
FIELDS = [
    "body", "title", "reason", "note", "value", "display_name", "bio", "mode", "size",
    "topics", "minutes", "action", "posts", "number", "canonical", "days", "attempt",
    "rating", "thought", "email", "login", "password", "username", "code", "q", "page",
]  # fmt: skip
RAW_BODIES = [
    (b"body=%ff%fe&value=%c0%af&reason=%00", "application/x-www-form-urlencoded"),
    (b"body=\xff\xfe\x00\x80&title=\xc3", "application/x-www-form-urlencoded"),
    ("body=hello&value=1".encode("utf-16"), "application/x-www-form-urlencoded; charset=utf-16"),
    (b"body=hello", "application/x-www-form-urlencoded; charset=no-such-charset"),
    (b"body=caf\xe9", "application/x-www-form-urlencoded; charset=latin-1"),
    (
        b'--b\r\nContent-Disposition: form-data; name="body"\r\n\r\n\x00\xff\xfe\r\n--b--\r\n',
        "multipart/form-data; boundary=b",
    ),
    (b"--b\r\nContent-Disposition: form-data; name=", "multipart/form-data; boundary=b"),
    (b"--b\r\n", "multipart/form-data"),  # no boundary
    (b'{"body": "x", "value": [1]}', "application/json"),
    (b"\x00" * 1000, "application/octet-stream"),
]  # fmt: skip
STRING_ARGUMENTS = {"username", "slug", "kind", "key", "app_label", "uidb36"}


@pytest.fixture(scope="module")
def objects(django_db_setup, django_db_blocker):
    with module_data(django_db_blocker):
        member, by_name, by_argument = _make_objects()
        plain = UserFactory(trusted=True, username="fuzz-plain")
        connection.check_constraints()
        yield member, plain, by_name, by_argument
    if report := os.environ.get("MLQA_FUZZ_REPORT"):
        _write_report(Path(report))


@pytest.fixture(scope="module")
def clients():
    # One client per role for the module: each new Client costs WhiteNoise a scan of every
    # static file.
    return {"visitor": Client(), "member": Client(), "moderator": Client()}


def _signed_in(clients, role, objects):
    """The role's client, signed in again only when a request signed it out (log-out, account
    deletion's form) or changed its session: a log-in per test would cost more than the test."""
    moderator, plain, _, _ = objects
    client = clients[role]
    user = {"moderator": moderator, "member": plain}.get(role)
    if user is None:
        client.cookies.clear()
    elif client.session.get("_auth_user_id") != str(user.pk):
        client.cookies.clear()
        client.force_login(user)
    return client


def _send(client, method, url, *args, **kwargs):
    cache.clear()  # rate limits: each request is a fresh attempt
    started = time.perf_counter()
    if method == "generic":
        response = client.generic(args[0], url, *args[1:], **kwargs)
    else:
        response = getattr(client, method)(url, *args, **kwargs)
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    TIMINGS.append((time.perf_counter() - started, response.status_code, method, url))
    assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, (
        f"{method.upper()} {url[:200]} answered {response.status_code}"
    )
    return response


def _hostile_query(rng):
    if rng.random() < 0.3:
        return rng.choice(RAW_QUERY)
    names = rng.sample(["q", "page", "topic", "sort", "answers", "next", "rating"], 3)
    pairs = [(name, rng.choice(HOSTILE_TEXT)) for name in names]
    pairs.append((names[0], rng.choice(HOSTILE_TEXT)))  # repeated
    return "&".join(f"{quote(n)}={quote(v, safe='')}" for n, v in pairs)


def _hostile_form(rng):
    form = {}
    for name in rng.sample(FIELDS, 6):
        value = rng.choice(HOSTILE_TEXT)
        form[name] = [value, rng.choice(HOSTILE_TEXT)] if rng.random() < 0.3 else value
    return form


def _hostile_path(url, pattern, by_argument, rng):
    """The URL with one string argument replaced by a hostile value (or None)."""
    names = sorted(pattern_arguments(pattern) & STRING_ARGUMENTS)
    if not names:
        return None
    value = str(by_argument.get(names[0], ""))
    if not value or value not in url:
        return None
    hostile = rng.choice(
        ["%00", "%ff%fe", "x" * 300, "%E2%80%AE", "..", "%2F", "a%20b", "²"]
    )
    return url.replace(value, hostile, 1)


@pytest.mark.parametrize("role", ["visitor", "member", "moderator"])
@pytest.mark.parametrize(("name", "text", "pattern"), PATTERNS, ids=PATTERN_IDS)
def test_hostile_requests_never_get_a_500(objects, clients, name, text, pattern, role):
    moderator, plain, by_name, by_argument = objects
    rng = random.Random(f"{SEED}:{name or text}:{role}")
    if role != "moderator" and text.startswith("admin/") and rng.random() < 0.8:
        pytest.skip("sampled: the admin sends visitors and members to log in")
    url = concrete_url(name, text, pattern, by_name, by_argument)
    client = _signed_in(clients, role, objects)
    _send(client, "get", f"{url}?{_hostile_query(rng)}")
    if hostile := _hostile_path(url, pattern, by_argument, rng):
        _send(client, "get", hostile)
    if rng.random() < 0.5:
        _send(client, "post", url, data=_hostile_form(rng))
    else:
        body, content_type = rng.choice(RAW_BODIES)
        # generic(): the bytes as they are (post() would encode the body itself).
        _send(client, "generic", url, "POST", body, content_type=content_type)


def _write_report(path):
    if not TIMINGS:
        return
    statuses = Counter(status for _, status, _, _ in TIMINGS)
    slowest = sorted(TIMINGS, reverse=True)[:8]
    total = sum(seconds for seconds, *_ in TIMINGS)
    lines = [
        "# Fuzzing pass (tests/test_security_fuzz.py)",
        "",
        f"Seed {SEED}: {len(TIMINGS):,} requests to {len(PATTERNS)} URL patterns as a "
        f"visitor, a member and a moderator, in {total:.1f} s (test client, SQLite or the "
        f"test database; load average {' / '.join(f'{v:.2f}' for v in os.getloadavg())}).",
        "",
        "| status | requests |",
        "| --- | --- |",
        *(f"| {status} | {count:,} |" for status, count in sorted(statuses.items())),
        "",
        "Slowest:",
        "",
        "| ms | status | request |",
        "| --- | --- | --- |",
        *(
            f"| {seconds * 1000:.0f} | {status} | {method.upper()} `{url[:90]}` |"
            for seconds, status, method, url in slowest
        ),
        "",
    ]
    path.write_text("\n".join(lines))
