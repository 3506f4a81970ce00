"""The replica router on a mirror of the test database (`replica1` reads the same database
through its own connection), on SQLite and PostgreSQL: which reads go where, read-your-writes
through the real views, the invariants (transactions, row locks, writes, migrations), and a
replica that refuses connections. tests/test_replicas_streaming.py does it on a real streaming
replica."""

import json
import os
import subprocess
import sys
import time
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core import checks
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from caching import cached_value
from caching.tokens import rows_read_as_of, start_reading
from questions.models import Answer, Question
from replicas import health, router
from replicas.middleware import COOKIE
from tests import replica_helpers
from tests.factories import AnswerFactory, QuestionFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
ALIAS = replica_helpers.ALIAS
REPLICA_DB = pytest.mark.django_db(transaction=True, databases=["default", ALIAS])


@pytest.fixture(scope="module")
def replica(django_db_setup, django_db_blocker):
    yield replica_helpers.add_replica()
    replica_helpers.remove_replica()


@pytest.fixture
def routed(replica, settings, monkeypatch):
    replica_helpers.use_replicas(settings)
    monkeypatch.setattr(health, "CLOCK_MARGIN_SECONDS", 0.0)
    health.forget()
    yield replica
    health.forget()


def settings_with(env) -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'databases': sorted(s.DATABASES), 'routers': s.DATABASE_ROUTERS,"
        "'middleware': s.MIDDLEWARE, 'replica': s.DATABASES.get('replica2'),"
        "'all': s.DATABASES}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "mlqa.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_without_replica_urls_nothing_changes_and_with_them_router_and_middleware_come():
    plain = settings_with({})
    assert plain["databases"] == ["default"]
    assert plain["routers"] == []
    assert "replicas.middleware.ReadYourWritesMiddleware" not in plain["middleware"]

    urls = "postgres://u@db1:5432/mlqa, postgres://u@db2:6432/mlqa?connect_timeout=5"
    wired = settings_with(
        {"DATABASE_URL": "postgres://u@db0/mlqa", "DATABASE_REPLICA_URLS": urls}
    )
    assert wired["databases"] == ["default", "replica1", "replica2"]
    assert wired["routers"] == ["replicas.router.ReplicaRouter"]
    middleware = wired["middleware"]
    at = middleware.index("replicas.middleware.ReadYourWritesMiddleware")
    assert middleware[at - 1] == "caching.middleware.PrivatePagesMiddleware"
    assert at < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")
    assert wired["replica"]["HOST"] == "db2" and wired["replica"]["PORT"] == 6432
    assert wired["replica"]["OPTIONS"]["connect_timeout"] == 5
    assert wired["replica"]["TEST"]["MIRROR"] == "default"
    assert wired["replica"]["CONN_MAX_AGE"] == 60


def test_a_connection_pool_replaces_persistent_connections_when_asked_for():
    pooled = settings_with(
        {
            "DATABASE_URL": "postgres://u@db0/mlqa",
            "DATABASE_REPLICA_URLS": "postgres://u@db2/mlqa",
            "DATABASE_POOL_MAX": "4",
            "DATABASE_TRANSACTION_POOLING": "1",
        }
    )
    for alias, timeout in (("default", 10), ("replica1", 2)):
        database = pooled["all"][alias]
        assert database["OPTIONS"]["pool"] == {
            "min_size": 1,
            "max_size": 4,
            "timeout": timeout,
        }
        assert database["CONN_MAX_AGE"] == 0
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
    plain = settings_with({"DATABASE_URL": "postgres://u@db0/mlqa"})
    assert "pool" not in plain["all"]["default"].get("OPTIONS", {})
    assert plain["all"]["default"]["DISABLE_SERVER_SIDE_CURSORS"] is False


@REPLICA_DB
def test_a_visitors_page_is_read_from_the_replica_once_it_is_known_to_be_current(
    routed, client
):
    health.check(wait=True)
    question = QuestionFactory()
    AnswerFactory(question=question, body="A replica answer about momentum.")

    # The page's tokens are newer than what the replica is known to have: the primary.
    with replica_helpers.queries_by_server() as reads:
        response = client.get(question.get_absolute_url() + "?answers=new")
    assert response.status_code == HTTPStatus.OK
    assert reads[ALIAS] == [] and reads["default"]

    time.sleep(0.01)
    health.check(wait=True)  # the replica has everything written before now
    with replica_helpers.queries_by_server() as reads:
        response = client.get(question.get_absolute_url() + "?answers=old")
    assert response.status_code == HTTPStatus.OK
    assert "replica answer about momentum" in response.content.decode()
    assert reads["default"] == [] and reads[ALIAS]
    assert COOKIE not in response.cookies


@REPLICA_DB
def test_a_member_reads_their_own_answer_from_the_primary_until_a_replica_has_it(
    routed, client
):
    member = UserFactory(trusted=True)
    question = QuestionFactory()
    client.force_login(member)
    client.get(question.get_absolute_url())
    health.check(wait=True)

    with replica_helpers.queries_by_server() as writes:
        response = client.post(
            reverse("questions:answer-create", args=[question.pk]),
            {"body": "My own answer: scale the features before the gradient step."},
        )
    assert response.status_code == HTTPStatus.FOUND
    assert writes[ALIAS] == []  # a POST reads and writes the primary only
    assert COOKIE in response.cookies
    assert response.cookies[COOKIE]["max-age"] == 10
    assert response.cookies[COOKIE]["httponly"]

    with replica_helpers.queries_by_server() as reads:
        page = client.get(response["Location"])
    assert "scale the features" in page.content.decode()
    assert reads[ALIAS] == [] and reads["default"]  # the replica isn't known to have it

    time.sleep(0.01)
    health.check(wait=True)  # now it is
    with replica_helpers.queries_by_server() as reads:
        page = client.get(question.get_absolute_url() + "?answers=new")
    assert "scale the features" in page.content.decode()
    assert reads[ALIAS]

    # A forged or expired cookie counts for nothing.
    client.cookies[COOKIE] = "9999999999.000:forged"
    with replica_helpers.queries_by_server() as reads:
        client.get(question.get_absolute_url() + "?answers=old")
    assert reads[ALIAS]


@REPLICA_DB
def test_transactions_row_locks_and_reads_after_a_write_go_to_the_primary(routed):
    QuestionFactory()
    health.check(wait=True)
    token = router.start(router.Reading())
    try:
        with connection.execute_wrapper(router.reading().watch):
            assert Question.objects.all().db == ALIAS
            assert Question.objects.select_for_update().db == "default"
            with transaction.atomic():
                assert Question.objects.all().db == "default"
                Question.objects.filter(pk__lt=0).update(title="none")  # a write
            assert Question.objects.all().db == "default"  # it wrote
    finally:
        router.stop(token)

    token = router.start(router.Reading())
    try:
        with connection.execute_wrapper(router.reading().watch):
            assert Question.objects.all().db == ALIAS
            with connection.cursor() as cursor:  # raw SQL that writes
                cursor.execute("UPDATE questions_question SET id = id WHERE id < 0")
            assert Question.objects.all().db == "default"
    finally:
        router.stop(token)

    # Outside a request (jobs, commands, the shell): the primary.
    assert Question.objects.all().db == "default"
    rules = router.ReplicaRouter()
    assert rules.allow_migrate("default", "questions") is True
    assert rules.allow_migrate(ALIAS, "questions") is False
    assert rules.db_for_write(Answer) == "default"


@REPLICA_DB
def test_a_replica_that_refuses_connections_is_skipped_and_the_page_still_served(
    routed, client, settings
):
    question = QuestionFactory()
    client.get(question.get_absolute_url())
    health.check(wait=True)
    saved = connections.settings[ALIAS]
    connections[ALIAS].close()
    connections.settings[ALIAS] = {
        **saved,
        "ENGINE": "django.db.backends.postgresql",
        "HOST": "127.0.0.1",
        "PORT": 1,  # nothing listens there
        "NAME": "mlqa",
        "OPTIONS": {"connect_timeout": 1},
    }
    del connections[ALIAS]
    try:
        # Found up and current by the last check: the request's own connection fails.
        replica = health.state(ALIAS)
        replica.up, replica.lag, replica.horizon = True, 0.0, time.time() + 60
        replica.checked_at = time.monotonic()
        response = client.get(question.get_absolute_url() + "?answers=new")
        assert response.status_code == HTTPStatus.OK
        assert replica.up is False  # skipped until a check finds it back
        assert health.replica_for(0) is None
    finally:
        connections[ALIAS].close()
        connections.settings[ALIAS] = saved
        del connections[ALIAS]


def test_an_entry_rendered_from_rows_older_than_its_tokens_is_not_stored():
    computed = []

    def compute():
        computed.append(1)
        return len(computed)

    start_reading()
    rows_read_as_of(time.time() - 60)  # a replica a minute behind
    assert cached_value("replica-guard", ["lists"], compute) == 1
    assert cached_value("replica-guard", ["lists"], compute) == 2  # not stored
    start_reading()  # a new request, rows from the primary
    assert cached_value("replica-guard", ["lists"], compute) == 3
    assert cached_value("replica-guard", ["lists"], compute) == 3  # stored


def test_the_window_must_outlast_the_lag_the_checks_allow(replica, settings):
    from replicas.checks import replica_settings

    replica_helpers.use_replicas(settings, max_lag=5, check_seconds=2, window=10)
    assert replica_settings() == []
    settings.DATABASE_READ_YOUR_WRITES_SECONDS = 7
    assert [error.id for error in replica_settings()] == ["replicas.E001"]
    settings.DATABASE_ROUTERS = []
    assert "replicas.E002" in [error.id for error in replica_settings()]
    assert all(isinstance(error, checks.Error) for error in replica_settings())


def test_no_queries_are_counted_for_the_checks(replica, settings, db):
    replica_helpers.use_replicas(settings)
    with CaptureQueriesContext(connection) as primary:
        health.check(wait=True)
    assert primary.captured_queries == []
