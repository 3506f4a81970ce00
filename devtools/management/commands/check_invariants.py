import json
import sys
import time

from django.core.management.base import BaseCommand

from devtools.invariants import check_invariants

SHOWN_IDS = 10


class Command(BaseCommand):
    help = (
        "Check the data invariants (scores, canonical answers, reputation, counters, practice "
        "cards); prints JSON and exits 1 when any is broken. Only reads."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--replay-cards",
            action="store_true",
            help="Also replay every practice card's review log with FSRS (slow on big data).",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        violations = check_invariants(replay_cards=options["replay_cards"])
        counts = {name: len(ids) for name, ids in violations.items()}
        report = {
            "ok": not any(counts.values()),
            "violations": {name: ids[:SHOWN_IDS] for name, ids in violations.items()},
            "counts": counts,
            "seconds": round(time.monotonic() - started, 3),
        }
        self.stdout.write(json.dumps(report))
        if not report["ok"]:
            sys.exit(1)
