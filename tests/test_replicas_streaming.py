"""Reads from a real PostgreSQL streaming replica of the test database's server
(devtools/pg_replica: `pg_basebackup -R` into a throw-away cluster), through the real views:
read-your-writes, a replica that lags (its replay paused) and one stopped mid-run.

Needs MLQA_TEST_REPLICA_URL (postgres://postgres@127.0.0.1:PORT) and MLQA_TEST_REPLICA_DIR (the
cluster's directory, to stop and start it); .ci/run makes the replica and sets both, and sets
MLQA_REQUIRE_REPLICA=1 so that a missing replica fails instead of skipping. The tests take a
lock, so two test processes (xdist) never stop or pause the replica under each other.
"""

import fcntl
import os
import subprocess
import time
from http import HTTPStatus
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse

from replicas import health
from replicas.middleware import COOKIE
from tests import replica_helpers
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
ALIAS = replica_helpers.ALIAS
URL = os.environ.get("MLQA_TEST_REPLICA_URL", "")
DIR = os.environ.get("MLQA_TEST_REPLICA_DIR", "")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, databases=["default", ALIAS]),
]


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    if not (URL and DIR):
        if os.environ.get("MLQA_REQUIRE_REPLICA") == "1":
            pytest.fail(
                "MLQA_REQUIRE_REPLICA=1 but no MLQA_TEST_REPLICA_URL/_DIR given"
            )
        pytest.skip(
            "no streaming replica: set MLQA_TEST_REPLICA_URL and MLQA_TEST_REPLICA_DIR "
            "(devtools/pg_replica create DIR PORT; .ci/run does)"
        )
    with open("/tmp/mlqa-replica-tests.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield replica_helpers.add_replica(URL)
        replica_helpers.remove_replica()


@pytest.fixture
def routed(replica, settings):
    replica_helpers.use_replicas(settings, max_lag=1, check_seconds=3600, window=10)
    health.forget()
    _caught_up()
    yield replica
    health.forget()


def _replica_sql(sql):
    with connections[ALIAS].cursor() as cursor:
        cursor.execute(sql)


def _caught_up(timeout=20.0):
    """Check until the replica is usable and has everything committed before now."""
    wanted = time.time() + health.CLOCK_MARGIN_SECONDS
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.05)
        health.check(wait=True)
        found = health.replica_for(wanted)
        if found is not None:
            return found
    raise AssertionError(f"the replica did not catch up: {health.state(ALIAS)}")


def _pg_replica(command):
    subprocess.run(
        [str(ROOT / "devtools/pg_replica"), command, DIR], check=True, timeout=90
    )


def test_a_member_reads_their_answer_at_once_and_visitors_once_the_replica_has_it(
    routed, client
):
    member = UserFactory(trusted=True)
    question = QuestionFactory()
    client.force_login(member)
    _caught_up()
    body = "Streaming replica answer: normalise the inputs before the first epoch."

    with replica_helpers.queries_by_server() as used:
        response = client.post(
            reverse("questions:answer-create", args=[question.pk]), {"body": body}
        )
        page = client.get(response["Location"])  # read their own write at once
    assert response.status_code == HTTPStatus.FOUND and COOKIE in response.cookies
    assert body in page.content.decode()
    assert used[ALIAS] == []

    _caught_up()  # the replica has replayed the answer: now it serves the member too
    with replica_helpers.queries_by_server() as used:
        page = client.get(question.get_absolute_url() + "?answers=old")
    assert body in page.content.decode()
    assert used[ALIAS] and not any("questions_answer" in sql for sql in used["default"])

    visitor = client.__class__()
    with replica_helpers.queries_by_server() as used:
        page = visitor.get(question.get_absolute_url() + "?answers=new")
    assert body in page.content.decode()
    assert used[ALIAS] and used["default"] == []


def test_a_lagging_replica_is_skipped_until_it_catches_up(routed, client, settings):
    question = QuestionFactory()
    AnswerFactory(question=question, body="An answer written before the lag began.")
    client.get(question.get_absolute_url())
    _caught_up()
    _replica_sql("SELECT pg_wal_replay_pause()")
    try:
        # A write the replica doesn't replay, then more than DATABASE_REPLICA_MAX_LAG (1 s).
        late = AnswerFactory(body="Written while the replica is paused: not there yet.")
        time.sleep(1.3)
        health.check(wait=True)
        state = health.state(ALIAS)
        assert state.up and state.lag > settings.DATABASE_REPLICA_MAX_LAG
        assert health.replica_for(0) is None
        with replica_helpers.queries_by_server() as used:
            page = client.get(late.question.get_absolute_url())
        assert "not there yet" in page.content.decode()
        assert used[ALIAS] == [] and used["default"]
    finally:
        _replica_sql("SELECT pg_wal_replay_resume()")
    _caught_up()
    with replica_helpers.queries_by_server() as used:
        page = client.get(late.question.get_absolute_url() + "?answers=old")
    assert "not there yet" in page.content.decode()
    assert used[ALIAS] and used["default"] == []


def test_reads_keep_working_while_the_replica_is_stopped_and_return_to_it(
    routed, client, settings
):
    questions = [
        QuestionFactory(title=f"Stopped replica question {n}") for n in range(3)
    ]
    for question in questions:
        client.get(question.get_absolute_url())
    _caught_up()
    served_by = []

    def read_all(tag):
        for n, question in enumerate(questions):
            with replica_helpers.queries_by_server() as used:
                page = client.get(question.get_absolute_url() + f"?page={tag}{n}")
            assert page.status_code == HTTPStatus.OK
            assert f"Stopped replica question {n}" in page.content.decode()
            served_by.append((tag, bool(used[ALIAS]), bool(used["default"])))

    read_all("before")
    _pg_replica("stop")
    try:
        read_all("down")  # the kept connection fails its health check: the primary
        settings.DATABASE_REPLICA_CHECK_SECONDS = 0  # a check on every read: still down
        read_all("checked")
        assert health.state(ALIAS).up is False
    finally:
        _pg_replica("start")
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600
    _caught_up(timeout=60)
    read_all("after")
    assert served_by == (
        [("before", True, False)] * 3
        + [("down", False, True)] * 3
        + [("checked", False, True)] * 3
        + [("after", True, False)] * 3
    )
