"""Pages rendered from scratch, in-process: the question page with 20 answers (a visitor and a
member) and two searches, through Django's test client with every page cache off.

    DATABASE_URL=postgres://... .venv/bin/python bench/render_pages.py               # this checkout
    DATABASE_URL=postgres://... .venv/bin/python bench/render_pages.py --against main --write
    DATABASE_URL=postgres://... .venv/bin/python bench/render_pages.py --profile "question (member)"

The database needs the demo data (`manage.py generate_demo_data`, any scale: the showcase question
with exactly 20 answers and 50 comments is in every one). Each page is requested `--requests`
times after 5 warm-up requests; the table gives the median and 95th percentile of wall time and
of CPU time (process time: on a shared machine another process's load shows in the wall time
only). `--against REF` measures REF's checkout (a throw-away git worktree, this checkout's
virtualenv) and this one in alternating rounds in the same minutes, against the same database,
so that both see the same load; `--write` puts the table in bench/results/. `--profile PAGE`
prints cProfile's top functions for one page instead.
"""

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PAGES = ("question (visitor)", "question (member)", "search", "search (rare)")


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(checkout, requests, profile=None):
    """{page: {"wall": [s...], "cpu": [s...], "bytes": n, "queries": n}} for one checkout."""
    sys.path.insert(0, str(checkout))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mlqa.settings")
    os.environ["MLQA_PAGE_CACHE_SECONDS"] = "0"  # every page and fragment rendered
    # Static files' plain names: no collectstatic (the manifest's names cost as much).
    os.environ.setdefault("MLQA_PLAIN_STATIC", "1")
    import django

    django.setup()
    import time

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from devtools.demo_data.community import SHOWCASE_DEDUP_KEY, USERNAME_PREFIX
    from questions.models import Question

    showcase = Question.objects.get(dedup_key=SHOWCASE_DEDUP_KEY)
    # A member who reads the page: neither its asker nor one of its answerers or commenters.
    involved = set(showcase.answers.values_list("author_id", flat=True))
    involved |= set(showcase.comments.values_list("author_id", flat=True))
    involved.add(showcase.author_id)
    member = (
        User.objects.filter(username__startswith=USERNAME_PREFIX, groups__isnull=True)
        .exclude(pk__in=[pk for pk in involved if pk])
        .order_by("pk")
        .first()
    )
    visitor, reader = Client(), Client()
    reader.force_login(member)
    pages = {
        "question (visitor)": (visitor, showcase.get_absolute_url()),
        "question (member)": (reader, showcase.get_absolute_url()),
        "search": (visitor, "/questions/?q=gradient+descent"),
        "search (rare)": (visitor, "/questions/?q=perplexity+quantization"),
    }
    if profile:
        import cProfile
        import pstats

        client, url = pages[profile]
        for _ in range(5):
            client.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            client.get(url)
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        return {}
    result = {}
    for name, (client, url) in pages.items():
        for _ in range(5):
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        queries = len(captured)  # now: the next request clears the connection's log
        wall, cpu = [], []
        for _ in range(requests):
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        result[name] = {
            "wall": wall,
            "cpu": cpu,
            "bytes": len(response.content),
            "queries": queries,
        }
    return result


def _run_checkout(checkout, requests):
    """measure() in a fresh process for `checkout` (its modules, this script)."""
    done = subprocess.run(
        [sys.executable, __file__, "--checkout", str(checkout), "--requests", str(requests), "--json"],
        capture_output=True, text=True, check=True, cwd=checkout,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _commit(checkout):
    def git(*args):
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=checkout
        ).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + (
        "-dirty" if git("status", "--porcelain") else ""
    )


def _merge(into, more):
    for name, row in more.items():
        if name in into:
            into[name]["wall"] += row["wall"]
            into[name]["cpu"] += row["cpu"]
        else:
            into[name] = row
    return into


def table(columns):
    """Markdown table: one row per page, one group of columns per (label, results)."""
    head = "| page |"
    rule = "| --- |"
    for label, _ in columns:
        head += f" {label}: median ms (CPU) | {label}: p95 ms | {label}: SQL | {label}: KB |"
        rule += " --- | --- | --- | --- |"
    lines = [head, rule]
    for page in PAGES:
        line = f"| {page} |"
        for _, results in columns:
            row = results.get(page)
            if row is None:
                line += " – | – | – | – |"
                continue
            line += (
                f" {statistics.median(row['wall']) * 1000:.1f} ({statistics.median(row['cpu']) * 1000:.1f})"
                f" | {_percentile(row['wall'], 0.95) * 1000:.1f} | {row['queries']} | {row['bytes'] / 1024:.1f} |"
            )
        lines.append(line)
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=60, help="per page and round")
    parser.add_argument("--rounds", type=int, default=3, help="with --against")
    parser.add_argument("--against", help="a git ref to measure in alternating rounds")
    parser.add_argument("--write", action="store_true", help="write bench/results/")
    parser.add_argument("--profile", choices=PAGES)
    parser.add_argument("--checkout", default=str(ROOT), help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.json or args.profile:
        result = measure(Path(args.checkout), args.requests, args.profile)
        if args.json:
            print(json.dumps(result))
        return 0
    loads = [os.getloadavg()]
    columns = []
    if args.against:
        with tempfile.TemporaryDirectory(prefix="mlqa-render-") as tmp:
            other = Path(tmp) / "checkout"
            subprocess.run(
                ["git", "worktree", "add", "--detach", str(other), args.against],
                check=True, capture_output=True, cwd=ROOT,
            )  # fmt: skip
            try:
                theirs, ours = {}, {}
                for _ in range(args.rounds):  # alternate: both see the same load
                    _merge(theirs, _run_checkout(other, args.requests))
                    _merge(ours, _run_checkout(ROOT, args.requests))
                    loads.append(os.getloadavg())
                columns = [
                    (f"{args.against} ({_commit(other)})", theirs),
                    (f"this ({_commit(ROOT)})", ours),
                ]
            finally:
                subprocess.run(
                    ["git", "worktree", "remove", "--force", str(other)],
                    capture_output=True, cwd=ROOT,
                )  # fmt: skip
    else:
        columns = [(f"this ({_commit(ROOT)})", _run_checkout(ROOT, args.requests))]
        loads.append(os.getloadavg())
    text = table(columns)
    load = ", ".join(f"{one[0]:.1f}" for one in loads)
    print(text)
    print(f"load average (1 min) at the start and after each round: {load}")
    if args.write:
        name = f"{datetime.date.today()}-render-pages-{_commit(ROOT)}.md"
        path = HERE / "results" / name
        path.write_text(
            "# Pages rendered from scratch, in-process (`bench/render_pages.py`)\n\n"
            f"Page caches off, Django's test client, {args.requests} requests per page and round"
            f"{f', {args.rounds} alternating rounds' if args.against else ''}; "
            f"{os.cpu_count()} CPUs, load average (1 min) {load}. Database: "
            f"`{os.environ.get('DATABASE_URL', 'sqlite')}`.\n\n{text}\n"
        )
        print(f"written: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
