"""Which replicas may serve a read, checked at most every DATABASE_REPLICA_CHECK_SECONDS per
process.

A replica's *horizon* is a moment before which it has every write the primary committed. A
check reads the primary's WAL position, then the replica's replayed position: if the replica has
replayed up to it, the horizon is the moment the primary's position was read; otherwise it is
the commit time of the last transaction the replica replayed (the primary's clock), and its lag
is how long ago that was. A replica whose lag is over DATABASE_REPLICA_MAX_LAG, or that refuses
a connection, is skipped until a later check finds it back.
"""

import logging
import random
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

log = logging.getLogger(__name__)

# Allowance for the clocks of app servers and database servers (kept in step by NTP).
CLOCK_MARGIN_SECONDS = 0.5
PREFIX = "replica"


@dataclass
class Replica:
    alias: str
    checked_at: float = -1e18  # time.monotonic() of the last check
    up: bool = False
    horizon: float = (
        0.0  # every write committed before this moment (epoch seconds) is there
    )
    lag: float = float("inf")  # seconds behind the primary at the last check
    error: str = ""

    def usable(self) -> bool:
        return self.up and self.lag <= settings.DATABASE_REPLICA_MAX_LAG


_replicas: dict[str, Replica] = {}
_lock = threading.Lock()


def replica_aliases() -> list[str]:
    """The configured replicas' aliases (`replica1`, `replica2`, ... in DATABASES)."""
    return [alias for alias in connections.settings if alias.startswith(PREFIX)]


def state(alias) -> Replica:
    replica = _replicas.get(alias)
    if replica is None:
        replica = _replicas.setdefault(alias, Replica(alias))
    return replica


def replica_for(since: float, prefer: str | None = None) -> Replica | None:
    """A usable replica that has every write committed before `since` (epoch seconds), the
    preferred one if it does; None: read from the primary."""
    aliases = replica_aliases()
    if not aliases:
        return None
    if any(
        time.monotonic() - state(alias).checked_at
        >= settings.DATABASE_REPLICA_CHECK_SECONDS
        for alias in aliases
    ):
        check(aliases)
    fresh = [
        state(alias)
        for alias in aliases
        if state(alias).usable()
        and state(alias).horizon - CLOCK_MARGIN_SECONDS >= since
    ]
    if not fresh:
        return None
    for replica in fresh:
        if replica.alias == prefer:
            return replica
    return random.choice(fresh)


def mark_down(alias, error) -> None:
    """A replica that failed outside a check: skipped until the next check finds it back."""
    replica = state(alias)
    replica.up = False
    replica.error = str(error)
    replica.checked_at = time.monotonic()
    log.warning("Replica %s is down (%s): reading from the primary.", alias, error)


def check(aliases=None, *, wait=False) -> None:
    """Check the replicas now (one thread at a time; the others keep the last results)."""
    if not _lock.acquire(blocking=wait):
        return
    try:
        aliases = aliases or replica_aliases()
        started = time.time()
        try:
            primary_lsn = _primary_position()
        except Exception as error:  # the primary is down: nothing to compare with
            log.warning("Replica check: the primary did not answer (%s).", error)
            for alias in aliases:
                state(alias).checked_at = time.monotonic()
            return
        for alias in aliases:
            _check_one(state(alias), primary_lsn, started)
    finally:
        _lock.release()


def _raw(alias):
    """The alias's open psycopg connection (a check is the layer's own business: it is neither
    routed nor counted among a page's queries)."""
    connection = connections[alias]
    connection.ensure_connection()
    return connection.connection


def _primary_position():
    if connections[DEFAULT_DB_ALIAS].vendor != "postgresql":
        return None
    with _raw(DEFAULT_DB_ALIAS).cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
            " ELSE pg_current_wal_lsn() END"
        )
        return cursor.fetchone()[0]


def _check_one(replica, primary_lsn, started) -> None:
    was_usable = replica.usable()
    replica.checked_at = time.monotonic()
    try:
        if primary_lsn is None:  # SQLite in tests: the "replica" is the same database
            replica.up, replica.horizon, replica.lag, replica.error = (
                True,
                started,
                0.0,
                "",
            )
            return
        connections[replica.alias].close_if_health_check_failed()
        with _raw(replica.alias).cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() >= %s::pg_lsn,"
                " extract(epoch from pg_last_xact_replay_timestamp())::float8",
                [str(primary_lsn)],
            )
            in_recovery, caught_up, replayed_at = cursor.fetchone()
    except Exception as error:
        connections[replica.alias].close()
        replica.up, replica.error = False, str(error).strip()
        if was_usable:
            log.warning(
                "Replica %s is down (%s): reading from the primary.",
                replica.alias,
                replica.error,
            )
        return
    # Not replaying (the primary itself), or it has everything the primary had at `started`;
    # else the commit time of the last transaction it replayed.
    current = not in_recovery or caught_up
    replica.up, replica.error = True, ""
    replica.horizon = started if current else (replayed_at or 0.0)
    replica.lag = max(0.0, time.time() - replica.horizon)
    if was_usable and not replica.usable():
        log.warning(
            "Replica %s is %.1f s behind the primary: reading from the primary.",
            replica.alias,
            replica.lag,
        )


def forget() -> None:
    """Drop what this process knows of the replicas (tests; a changed configuration)."""
    _replicas.clear()
