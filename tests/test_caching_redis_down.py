"""Redis can fail: with the cache's Redis stopped the site keeps answering from the database
(pages rendered, members still signed in from their database sessions, no 500), rate limits fail
open, and once Redis is back nothing stored before the outage that a write should have replaced
is served. A private redis-server on a free port is stopped and started here (bench/soak
--restart-redis does the same under load)."""

import shutil
import socket
import subprocess
import time
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.ratelimit import rate_limit_exceeded
from caching.pages import HIT_HEADER
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    def __init__(self):
        self.port = _free_port()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def redis_server(settings):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server (.ci/run installs it)")
    server = RedisServer()
    server.start()
    settings.CACHES = {
        "default": {
            "BACKEND": "caching.redis.ReusingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            "KEY_PREFIX": "redis-down-test",
        }
    }
    settings.REDIS_RETRY_SECONDS = 0.2
    yield server
    server.stop()


@pytest.fixture
def answer():
    return AnswerFactory(
        question=QuestionFactory(
            title="Why does batch normalisation speed up training?"
        ),
        body="It keeps each layer's inputs in a steady range.",
    )


def test_pages_and_signed_in_members_survive_a_stopped_redis(redis_server, answer):
    url = answer.question.get_absolute_url()
    visitor, member = Client(), Client()
    member.force_login(UserFactory(trusted=True, display_name="Grace Member"))
    for client in (visitor, member):
        client.get(url)
        assert client.get(url)[HIT_HEADER] == "hit"
    redis_server.stop()
    for _ in range(3):
        for client in (visitor, member):
            response = client.get(url)
            assert response.status_code == HTTPStatus.OK
            assert "steady range" in response.content.decode()
        listed = member.get(reverse("questions:list"))
        assert listed.status_code == HTTPStatus.OK
        assert "Grace Member" in listed.content.decode()  # still signed in
    # A write during the outage: its tokens can't be replaced in Redis.
    member.post(
        reverse("questions:answer-comment", args=[answer.pk]),
        {"body": "Marker: written while Redis was down."},
    )
    assert rate_limit_exceeded("comment", 1) is False  # limits fail open
    redis_server.start()  # a Redis that kept nothing (no persistence), as bench/soak runs it
    time.sleep(0.3)  # past REDIS_RETRY_SECONDS
    for client in (visitor, member):
        page = client.get(url)
        assert page.status_code == HTTPStatus.OK
        assert "Marker: written while Redis was down." in page.content.decode()
    assert visitor.get(url)[HIT_HEADER] == "hit"  # caching again


def test_entries_from_before_an_outage_are_dropped_once_redis_is_back(redis_server):
    """A Redis that kept its data (a network cut, not a restart) could still hold a token a
    write during the outage failed to replace: the first process to reach it again empties it."""
    import redis

    cache.set("token", 1, timeout=None)
    redis_server.stop()
    cache.set("token", 2, timeout=None)  # a write dropped during the outage
    assert cache.get("token") is None  # a miss, not an error
    redis_server.start()
    # The new server is empty: put back what a server that kept its data would still hold.
    redis.Redis(port=redis_server.port).set(cache.make_key("token"), 1)
    time.sleep(0.3)  # past REDIS_RETRY_SECONDS
    assert cache.get("anything") is None  # the first call that reaches Redis again
    assert (
        cache.get("token") is None
    )  # the stale token was dropped with everything else


def test_the_redis_cache_answers_as_empty_when_nothing_listens(settings):
    from caching.redis import ReusingRedisCache

    dead = ReusingRedisCache(f"redis://127.0.0.1:{_free_port()}/0", {})
    assert dead.get("a", "default") == "default"
    assert dead.get_many(["a", "b"]) == {}
    assert dead.add("a", 1) is False
    dead.set("a", 1)
    dead.set_many({"a": 1})
    dead.delete("a")
    with pytest.raises(ValueError):
        dead.incr("a")
