"""Two app servers sharing PostgreSQL and Redis: the deployment shape of the README.

Two gunicorn processes (one worker each, DEBUG off) on different loopback ports serve the test
database, with Redis (database 14, flushed first) as cache and session store. A member signs in
through the real log-in form on server A; the same session cookie is signed in on server B; a vote
cast through A shows on B's question page.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection

from tests.factories import PASSWORD, AnswerFactory, UserFactory

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = "redis://127.0.0.1:6379/14"  # this test's own Redis database


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError as error:
        pytest.skip(
            f"Redis is not reachable at 127.0.0.1:6379 ({error}); .ci/run starts it"
        )


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url():
    db = connection.settings_dict
    user = urllib.parse.quote(db["USER"] or "")
    password = ":" + urllib.parse.quote(db["PASSWORD"]) if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def servers(transactional_db):
    """Two gunicorn servers on the (committed) test database; yields their base URLs."""
    _redis_or_skip()
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "MLQA_PRODUCTION")}
    env.update({
        "DATABASE_URL": _database_url(),
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "two-servers-test-" + "k" * 40,  # the same on every app server
        "DJANGO_SETTINGS_MODULE": "mlqa.settings",
        "MLQA_PLAIN_STATIC": "1",  # no collectstatic needed for the test
        "ALLOWED_HOSTS": "127.0.0.1",
        "MLQA_BENCH_PAGES": "1",  # /_bench/trivial/ tells when a server is up
    })  # fmt: skip
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    processes, bases = [], []
    for _ in range(2):
        port = _free_port()
        processes.append(subprocess.Popen(
            [gunicorn, "mlqa.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True,
        ))  # fmt: skip
        bases.append(f"http://127.0.0.1:{port}")
    try:
        for base, process in zip(bases, processes, strict=True):
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(base + "/_bench/trivial/", timeout=2).read()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        pytest.fail(f"gunicorn at {base} did not start")
                    time.sleep(0.1)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(base, path, cookie):
    """(status, body) without following redirects, with a Cookie header."""
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    try:
        with opener.open(request, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _score(html, answer):
    found = re.search(
        rf'id="vote-box-{answer.pk}".*?Score: </span>(-?\d+)</span>', html, re.S
    )
    assert found, f"no vote box for answer {answer.pk}"
    return int(found.group(1))


def test_session_and_vote_shared_by_two_app_servers(servers):
    server_a, server_b = servers
    # The servers use Django's default hashers (the suite's fast MD5 one is not among them).
    member = UserFactory(trusted=True)
    member.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    member.save(update_fields=["password"])
    answer = AnswerFactory()
    question_path = answer.question.get_absolute_url()

    # Sign in through the real allauth form on server A.
    jar = http.cookiejar.CookieJar()
    opener_a = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener_a.open(server_a + "/accounts/login/", timeout=20).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = {
        "login": member.username,
        "password": PASSWORD,
        "csrfmiddlewaretoken": token,
    }
    opener_a.open(
        urllib.request.Request(
            server_a + "/accounts/login/",
            data=urllib.parse.urlencode(form).encode(),
            headers={"Referer": server_a + "/accounts/login/"},
        ),
        timeout=20,
    ).read()
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "signing in on server A failed"
    cookie = f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}"

    # The same session cookie is signed in on server B (sessions live in Redis and PostgreSQL).
    status, body = _get(server_b, "/settings/", cookie)
    assert status == 200, f"server B did not know the session: {status}"
    assert member.username in body
    status, _ = _get(server_b, "/settings/", "")
    assert status == 302  # and without it, B asks to sign in

    # B shows the score before the vote, to the member and to a visitor (whose page B may cache
    # in the shared Redis: the vote through A must invalidate it there).
    for who in (cookie, ""):
        status, body = _get(server_b, question_path, who)
        assert status == 200 and _score(body, answer) == 0

    # Vote through server A (htmx, CSRF token in the header) ...
    response = opener_a.open(
        urllib.request.Request(
            f"{server_a}/questions/answers/{answer.pk}/vote/",
            data=b"value=1",
            headers={"X-CSRFToken": cookies["csrftoken"], "HX-Request": "true"},
        ),
        timeout=20,
    )
    assert response.status == 200 and _score(response.read().decode(), answer) == 1

    # ... and server B's question page shows the new score, for the voter and for anyone.
    for who in (cookie, ""):
        status, body = _get(server_b, question_path, who)
        assert status == 200 and _score(body, answer) == 1
