"""Grading one card and showing the next, in-process: the median and spread over many grades.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mlqa_<name> \\
        .venv/bin/python bench/practice_grade.py --reviews 10000 --grades 300

Migrates the database and loads the seed bank if needed, gives a fresh member a history of
`--reviews` reviews (scheduled by the real FSRS code, written in bulk), then through Django's test
client (the real views, middleware, caches and templates, as htmx calls them) reveals and grades
`--grades` cards one after the other, timing each grade POST: the service records the review,
chooses the next card and the view renders it. The target (issue 14): median under 15 ms on
PostgreSQL. A benchmark, not a test: nothing here fails a build.

Besides the wall time it reports, per grade, the CPU time of this process (Django's share of the
work: views, ORM, FSRS, templates; a loaded machine's waiting for a core is not in it) and the
queries sent with the time they took as seen from here, so that a run on a busy machine still
says where the time goes.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup():
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
    name = f"grade-bench-{int(time.time())}"
    user = User.objects.create_user(username=name, email=f"{name}@example.com")
    # All but 60 of the bank's questions (the seed bank has about 300): the rest stay new.
    bank = list(practisable_questions().order_by("pk"))
    questions = bank[: max(1, len(bank) - 60)]
    bulk_history(
        user, questions, reviews=reviews, end=timezone.now() - timedelta(days=1)
    )
    return user


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--grades", type=int, default=300)
    args = parser.parse_args()
    setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from practice.models import SessionItem
    from practice.services import NothingToPractise, session_start

    user = member_with_history(args.reviews)
    client = Client()
    client.force_login(user)
    times = []
    cpu = []
    queries = []
    sql_ms = []
    session = None
    while len(times) < args.grades:
        if session is None:
            try:
                session = session_start(user=user, mode="due", size=50)
            except NothingToPractise:
                break  # every due card graded and the day's new questions taken
        item = (
            SessionItem.objects.filter(session=session, review__isnull=True)
            .order_by("-position")
            .first()
        )
        if item is None:
            session = None
            continue
        args_ = (session.pk, item.pk)
        client.post(
            reverse("practice:reveal", args=args_),
            {"attempt": "an attempt"},
            HTTP_HX_REQUEST="true",
        )
        url = reverse("practice:grade", args=args_)
        with CaptureQueriesContext(connection) as captured:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.post(
                url, {"rating": "3" if len(times) % 5 else "1"}, HTTP_HX_REQUEST="true"
            )
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries.append(len(captured))
        sql_ms.append(sum(float(q["time"]) for q in captured) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    load = os.getloadavg()
    print(
        f"{connection.vendor}, {args.reviews} reviews, {len(times)} grades (grade POST, "
        f"htmx, next card rendered): median {statistics.median(times):.1f} ms, "
        f"p90 {times[int(0.9 * len(times))]:.1f} ms, max {times[-1]:.1f} ms; "
        f"this process's CPU per grade: median {statistics.median(cpu):.1f} ms; "
        f"queries per grade: median {statistics.median(queries):.0f}, max {max(queries)}, "
        f"taking median {statistics.median(sql_ms):.1f} ms; "
        f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
    )


if __name__ == "__main__":
    main()
