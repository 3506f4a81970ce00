"""A replica alias for the tests: `replica1`, added to the connections after the test databases
exist (a mirror of `default`: reads the test database, is never created nor flushed), with the
router and the read-your-writes middleware switched on for the test."""

import copy
import urllib.parse
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections

from replicas import health

ALIAS = "replica1"
MIDDLEWARE = "replicas.middleware.ReadYourWritesMiddleware"


def add_replica(url=None) -> str:
    """`replica1`: the test database on the server at `url` (host and port used), or the
    primary's own server when None."""
    config = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    if url:
        parsed = urllib.parse.urlsplit(url)
        config["HOST"], config["PORT"] = parsed.hostname, parsed.port or 5432
        config.setdefault("OPTIONS", {})["connect_timeout"] = 2
    config["TEST"] = {**config.get("TEST", {}), "MIRROR": DEFAULT_DB_ALIAS}
    connections.settings[ALIAS] = config
    health.forget()
    return ALIAS


def remove_replica() -> None:
    connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]
    health.forget()


def use_replicas(settings, *, max_lag=5, check_seconds=3600, window=10) -> None:
    """The router and middleware on, as mlqa/settings.py wires them; checks only when a test
    asks (`health.check(wait=True)`) unless `check_seconds` says otherwise."""
    settings.DATABASE_ROUTERS = ["replicas.router.ReplicaRouter"]
    middleware = list(settings.MIDDLEWARE)
    middleware.insert(
        middleware.index("caching.middleware.PrivatePagesMiddleware") + 1, MIDDLEWARE
    )
    settings.MIDDLEWARE = middleware
    settings.DATABASE_REPLICA_MAX_LAG = max_lag
    settings.DATABASE_REPLICA_CHECK_SECONDS = check_seconds
    settings.DATABASE_READ_YOUR_WRITES_SECONDS = window


@contextmanager
def queries_by_server():
    """{alias: [sql, ...]} of the queries sent to the primary and the replica meanwhile (seen by
    execute wrappers, which, unlike CaptureQueriesContext, don't connect: the replica may be
    down)."""
    found = {DEFAULT_DB_ALIAS: [], ALIAS: []}

    def recorder(alias):
        def record(execute, sql, params, many, context):
            found[alias].append(sql)
            return execute(sql, params, many, context)

        return record

    with (
        connections[DEFAULT_DB_ALIAS].execute_wrapper(recorder(DEFAULT_DB_ALIAS)),
        connections[ALIAS].execute_wrapper(recorder(ALIAS)),
    ):
        yield found
