"""How fast the proposal form lists similar questions on a bank above REBUILD_ON_SAVE_LIMIT (where
no index is built in a request: the copy the last rebuild stored is read, SimilaritySnapshot).

    .venv/bin/python bench/similar_questions.py                    # 5,000 demo questions, SQLite
    .venv/bin/python bench/similar_questions.py --questions 20000

A fresh SQLite database in a temporary directory: the seed bank imported, the demo-data
generator's questions and answers added (devtools/demo_data), one rebuild of the related lists
(which stores the index), then the htmx request a member's typing makes
(GET /questions/similar/?title=...) through the real view, timed: the first (this process reads
and unpickles the stored index), then the median and worst of the rest, with their queries.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TITLES = [
    "How can I fix vanishing gradients in a deep network?",
    "What is the bias variance trade-off?",
    "L1 versus L2 regularization",
    "How does k-fold cross-validation work?",
    "Why does dropout reduce overfitting?",
    "What is the difference between bagging and boosting?",
    "Explain precision and recall",
    "How do you choose the learning rate?",
    "What does batch normalization do?",
    "How do attention heads work in a transformer?",
]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=5_000)
    parser.add_argument(
        "--rounds", type=int, default=5, help="each title this many times"
    )
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")
    directory = tempfile.mkdtemp(prefix="mlqa-similar-")
    os.environ["DATABASE_URL"] = f"sqlite:///{directory}/bank.sqlite3"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import User
    from devtools.demo_data import Counts, generate_demo_data
    from questions.importer import import_seeds
    from questions.models import Question, SimilaritySnapshot
    from questions.services import related

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    import_seeds()
    n = args.questions
    generate_demo_data(
        Counts(users=100, questions=n, answers=3 * n, votes=0, comments=0, reviews=0),
        write=lambda message: None,
    )
    bank = Question.objects.published().count()
    started = time.perf_counter()
    related.related_questions_rebuild()
    rebuild = time.perf_counter() - started
    snapshot = SimilaritySnapshot.objects.get()
    member = User.objects.create_user("bench-proposer", "bench@example.com", "x" * 20)
    member.emailaddress_set.create(email=member.email, verified=True, primary=True)
    client = Client()
    client.force_login(member)
    url = reverse("questions:similar")
    timings, queries, listed = [], [], 0
    for _ in range(args.rounds):
        for title in TITLES:
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url, {"title": title}, HTTP_HX_REQUEST="true")
                timings.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries.append(len(captured.captured_queries))
            listed += response.content.decode().count("<li>")
    first, rest = timings[0], sorted(timings[1:])
    load = os.getloadavg()[0]
    print(
        f"{bank:,} published questions (limit {related.REBUILD_ON_SAVE_LIMIT:,}); rebuild "
        f"{rebuild:.1f} s; stored index {len(snapshot.data) / 2**20:.1f} MiB compressed. "
        f"Similar questions while typing: first request {first * 1000:.0f} ms (reads the "
        f"stored index), then median {statistics.median(rest) * 1000:.1f} ms, worst "
        f"{rest[-1] * 1000:.1f} ms over {len(rest)} requests, {max(queries[1:])} queries at "
        f"most; {listed / len(timings):.1f} questions listed a request. Load average {load:.1f}."
    )


if __name__ == "__main__":
    main()
