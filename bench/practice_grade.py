"""Grading one card and showing the next, in-process: the median and spread over many grades.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mlqa_<name> \\
        nice -n 10 .venv/bin/python bench/practice_grade.py --reviews 10000 --grades 300
    ... bench/practice_grade.py --against main --rounds 3 --grades 100

Migrates the database and loads the seed bank if needed, gives a fresh member a history of
`--reviews` reviews (scheduled by the real FSRS code, written in bulk), then through Django's test
client (the real views, middleware, caches and templates, as htmx calls them) reveals and grades
`--grades` cards one after the other, timing each grade POST: the service records the review,
chooses the next card and the view renders it. When nothing is left to practise (every due card
graded, the day's new questions taken), the clock moves on a day (time-machine) and a new session
starts. The target (issue 14): median under 15 ms on PostgreSQL. A benchmark, not a test:
nothing here fails a build.

Besides the wall time it reports, per grade, the CPU time of this process (Django's share of the
work: views, ORM, FSRS, templates; a loaded machine's waiting for a core is not in it) and the
queries sent with the time they took as seen from here, so that a run on a busy machine still
says where the time goes.

`--against <git ref>` compares this checkout with another commit on the same database: the other
commit is checked out (detached, in a temporary worktree) and the two run in turns, `--rounds`
rounds of `--grades` grades each (alternating which goes first), so that whatever load the
machine has falls on both alike.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(code_root):
    sys.path.insert(0, str(code_root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from questions.models import Question

    if not Question.objects.exists():
        call_command("import_seeds", verbosity=0)


def member_with_history(reviews):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from practice.selectors import practisable_questions
    from tests.practice_factories import bulk_history

    User = get_user_model()
    name = f"grade-bench-{time.time_ns()}"
    user = User.objects.create_user(username=name, email=f"{name}@example.com")
    # All but 60 of the bank's questions (the seed bank has about 300): the rest stay new.
    bank = list(practisable_questions().order_by("pk"))
    questions = bank[: max(1, len(bank) - 60)]
    bulk_history(
        user, questions, reviews=reviews, end=timezone.now() - timedelta(days=1)
    )
    return user


def measure(reviews, grades):
    """Per grade: wall ms, CPU ms, queries, ms the queries took (as seen from here)."""
    import time_machine
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    from practice.models import SessionItem
    from practice.services import NothingToPractise, session_start

    user = member_with_history(reviews)
    client = Client()
    client.force_login(user)
    figures = {"wall": [], "cpu": [], "queries": [], "sql_ms": []}
    session = None
    days = 0
    with time_machine.travel(timezone.now(), tick=True) as clock:
        while len(figures["wall"]) < grades:
            if session is None:
                try:
                    session = session_start(user=user, mode="due", size=50)
                except NothingToPractise:
                    if days > 30:
                        break
                    days += 1
                    clock.shift(timedelta(days=1))
                    continue
            item = (
                SessionItem.objects.filter(session=session, review__isnull=True)
                .order_by("-position")
                .first()
            )
            if item is None:
                session = None
                continue
            args = (session.pk, item.pk)
            client.post(
                reverse("practice:reveal", args=args),
                {"attempt": "an attempt"},
                HTTP_HX_REQUEST="true",
            )
            url = reverse("practice:grade", args=args)
            rating = "3" if len(figures["wall"]) % 5 else "1"
            with CaptureQueriesContext(connection) as captured:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.post(url, {"rating": rating}, HTTP_HX_REQUEST="true")
                wall = (time.perf_counter() - started) * 1000
                cpu = (time.process_time() - started_cpu) * 1000
            assert response.status_code == 200, response.status_code
            figures["wall"].append(wall)
            figures["cpu"].append(cpu)
            figures["queries"].append(len(captured))
            figures["sql_ms"].append(sum(float(q["time"]) for q in captured) * 1000)
    return figures


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(label, figures, vendor, reviews):
    wall, cpu = figures["wall"], figures["cpu"]
    return (
        f"{label}{vendor}, {reviews} reviews, {len(wall)} grades (grade POST, htmx, next card "
        f"rendered): wall median {statistics.median(wall):.1f} ms, p95 "
        f"{percentile(wall, 0.95):.1f} ms; CPU median {statistics.median(cpu):.1f} ms, p95 "
        f"{percentile(cpu, 0.95):.1f} ms; queries per grade: median "
        f"{statistics.median(figures['queries']):.0f}, max {max(figures['queries'])}, taking "
        f"median {statistics.median(figures['sql_ms']):.1f} ms"
    )


def load_average():
    load = os.getloadavg()
    return f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"


def git(*args, cwd=ROOT):
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def against(args):
    """Run this checkout and `args.against` in alternating rounds; print both summaries."""
    commit = git("rev-parse", "--short", args.against)
    mine = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no"):
        mine += " (with uncommitted changes)"
    other = Path(tempfile.gettempdir()) / f"practice-grade-{commit}"
    if not other.exists():
        git("worktree", "add", "--detach", str(other), commit)
    sides = {"this checkout": ROOT, f"{args.against} ({commit})": other}
    figures = {
        side: {"wall": [], "cpu": [], "queries": [], "sql_ms": []} for side in sides
    }
    loads = []
    try:
        for round_ in range(args.rounds):
            order = list(sides) if round_ % 2 == 0 else list(sides)[::-1]
            for side in order:
                result = subprocess.run(
                    [
                        sys.executable,
                        __file__,
                        "--worker",
                        str(sides[side]),
                        "--reviews",
                        str(args.reviews),
                        "--grades",
                        str(args.grades),
                    ],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                lines = result.stdout.strip().splitlines()
                for key, values in json.loads(lines[-1]).items():
                    figures[side][key] += values
                loads.append(os.getloadavg()[0])
                print(f"round {round_ + 1}: {side} done, {load_average()}", flush=True)
    finally:
        if not args.keep_worktree:
            git("worktree", "remove", "--force", str(other))
    vendor = (
        "postgresql"
        if os.environ.get("DATABASE_URL", "").startswith("post")
        else "sqlite"
    )
    print(f"this checkout: {mine}")
    for side in sides:
        print(summary(f"{side}: ", figures[side], vendor, args.reviews))
    print(
        f"{args.rounds} rounds alternating; 1-minute load average after each run: "
        + ", ".join(f"{load:.1f}" for load in loads)
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--grades", type=int, default=300)
    parser.add_argument("--against", help="a git ref to compare with, e.g. main")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep-worktree", action="store_true")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # a code root: print JSON
    args = parser.parse_args()
    if args.against:
        against(args)
        return
    setup(args.worker or ROOT)
    figures = measure(args.reviews, args.grades)
    if args.worker:
        print(json.dumps(figures))
        return
    from django.db import connection

    print(summary("", figures, connection.vendor, args.reviews) + f"; {load_average()}")


if __name__ == "__main__":
    main()
