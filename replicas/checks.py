from django.conf import settings
from django.core import checks

from .health import CLOCK_MARGIN_SECONDS, replica_aliases


def replica_settings(app_configs=None, **kwargs):
    """The read-your-writes window must outlast the worst staleness a used replica can have."""
    if not replica_aliases():
        return []
    worst = (
        settings.DATABASE_REPLICA_MAX_LAG
        + settings.DATABASE_REPLICA_CHECK_SECONDS
        + CLOCK_MARGIN_SECONDS
    )
    errors = []
    if worst > settings.DATABASE_READ_YOUR_WRITES_SECONDS:
        errors.append(
            checks.Error(
                f"DATABASE_READ_YOUR_WRITES_SECONDS ({settings.DATABASE_READ_YOUR_WRITES_SECONDS}) "
                f"is shorter than DATABASE_REPLICA_MAX_LAG + DATABASE_REPLICA_CHECK_SECONDS + "
                f"{CLOCK_MARGIN_SECONDS} ({worst}): a member could read a replica without their "
                "own write after the window.",
                id="replicas.E001",
            )
        )
    if "replicas.router.ReplicaRouter" not in settings.DATABASE_ROUTERS:
        errors.append(
            checks.Error(
                "Replica databases are configured but replicas.router.ReplicaRouter is not in "
                "DATABASE_ROUTERS.",
                id="replicas.E002",
            )
        )
    return errors
