"""The database router: reads of a GET or HEAD request to a replica that is current enough,
everything else to the primary (`default`). See the package's docstring for the rules."""

from contextvars import ContextVar
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections

from caching.tokens import newest_token_read, rows_read_as_of

from . import health


@dataclass
class Reading:
    """What one request may read from a replica (set by replicas.middleware)."""

    since: float = 0.0  # reads must include every write committed before this moment
    primary: bool = False  # every read to the primary (a write request, or it wrote)
    alias: str | None = None  # the replica this request reads from

    def wrote(self) -> None:
        self.primary = True

    def watch(self, execute, sql, params, many, context):
        """An execute wrapper on the primary's connection: a statement that is not a plain
        SELECT, or that runs in a transaction, may have written (raw SQL, a SQL function)."""
        if not self.primary and (
            context["connection"].in_atomic_block
            or not isinstance(sql, str)
            or sql.lstrip()[:6].upper() != "SELECT"
        ):
            self.primary = True
        return execute(sql, params, many, context)


_reading: ContextVar[Reading | None] = ContextVar("mlqa_replica_reading", default=None)


def reading() -> Reading | None:
    return _reading.get()


def start(value: Reading):
    return _reading.set(value)


def stop(token) -> None:
    _reading.reset(token)


def _connected(alias) -> bool:
    """Open the replica's connection, or check the one kept from an earlier request (as
    CONN_HEALTH_CHECKS does for the primary's), once per request: a replica that refuses or
    has gone away is skipped until the next check finds it back."""
    connection = connections[alias]
    try:
        if connection.connection is not None and not connection.is_usable():
            connection.close()
        connection.ensure_connection()
        connection.health_check_done = (
            True  # checked: Django needn't again this request
        )
    except Exception as error:
        connection.close()
        health.mark_down(alias, error)
        return False
    return True


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        current = _reading.get()
        if current is None or current.primary:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        since = max(current.since, newest_token_read())
        replica = health.replica_for(since, prefer=current.alias)
        if replica is None:
            return DEFAULT_DB_ALIAS
        if replica.alias != current.alias:
            if not _connected(replica.alias):
                return DEFAULT_DB_ALIAS
            current.alias = replica.alias
        rows_read_as_of(replica.horizon - health.CLOCK_MARGIN_SECONDS)
        return replica.alias

    def db_for_write(self, model, **hints):
        current = _reading.get()
        if current is not None:
            current.wrote()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the primary's rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
