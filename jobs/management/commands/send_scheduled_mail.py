"""The clock of background work: runs the SCHEDULED_JOBS (settings) now, or every N seconds.

Each scheduled job is cheap and idempotent (it finds what is due and queues it for the worker),
so running it twice, or late after a stop, sends nothing twice and forgets nothing. `make run`
and `make serve` run it with `--every 60`; a cron line running it without `--every` does as
well (README, *Background work*)."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Queue the reminders, digests and retries that are due (once, or --every N seconds)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="Run again every this many seconds until stopped (default: once).",
        )

    def handle(self, *, every, **options):
        while True:
            close_old_connections()
            for path in settings.SCHEDULED_JOBS:
                done = import_string(path)()
                if done:
                    self.stdout.write(f"{path}: {done}")
            if not every:
                return
            try:
                time.sleep(every)
            except KeyboardInterrupt:
                return
