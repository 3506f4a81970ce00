"""What a request pays for its database connection, per pooling choice (issue 21).

    .venv/bin/python bench/pool_overhead.py --database mlqa_replica_bench [--pgbouncer-port 55442]

Each configuration runs in its own process: rounds (the order rotated) of N request cycles as Django runs them (the
request_started and request_finished signals, which check, keep or return the connection) with
three small primary-key reads each, after 200 warm-up cycles, and reports the median wall time
and this process's CPU time per cycle. Configurations:
a persistent health-checked connection (CONN_MAX_AGE=60, the default), a new connection per
request (CONN_MAX_AGE=0), psycopg's pool (DATABASE_POOL_MAX=1), and PgBouncer in transaction
mode in front of the server (with a persistent connection to it).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import json, os, statistics, sys, time
import django
django.setup()
from django.core.signals import request_finished, request_started
from django.db import connection
from questions.models import Question

ids = list(Question.objects.values_list("pk", flat=True)[:50])
request_finished.send(sender=None)

def cycle(n):
    request_started.send(sender=None)
    for k in range(3):
        Question.objects.filter(pk=ids[(n + k) % len(ids)]).only("pk").first()
    request_finished.send(sender=None)

for n in range(200):
    cycle(n)
walls, cpus = [], []
for n in range(int(sys.argv[1])):
    w, c = time.perf_counter(), time.process_time()
    cycle(n)
    walls.append((time.perf_counter() - w) * 1000)
    cpus.append((time.process_time() - c) * 1000)
print(json.dumps({"wall": statistics.median(walls), "cpu": statistics.mean(cpus),
                  "p95": sorted(walls)[int(len(walls) * 0.95)]}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="mlqa_bench")
    parser.add_argument("--cycles", type=int, default=1000, help="per round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="each configuration once per round, the order rotated (load drifts)",
    )
    parser.add_argument("--pgbouncer-port", type=int, default=0)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    direct = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    configs = {
        "persistent (CONN_MAX_AGE=60, health checks)": {"DATABASE_URL": direct},
        "new connection per request (CONN_MAX_AGE=0)": {
            "DATABASE_URL": direct,
            "CONN_MAX_AGE": "0",
        },
        "psycopg pool (DATABASE_POOL_MAX=1)": {
            "DATABASE_URL": direct,
            "DATABASE_POOL_MAX": "1",
        },
    }
    if args.pgbouncer_port:
        configs["PgBouncer, transaction mode (persistent connection to it)"] = {
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:{args.pgbouncer_port}/{args.database}",
            "DATABASE_TRANSACTION_POOLING": "1",
        }
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "CONN_", "REDIS_URL"))
    }
    base["DJANGO_SETTINGS_MODULE"] = "mlqa.settings"
    load_before = os.getloadavg()
    results = {name: [] for name in configs}
    names = list(configs)
    for round_number in range(args.rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, str(args.cycles)],
                env={**base, **configs[name]},
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            )
            results[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    rows = []
    for name, found in results.items():
        wall = statistics.median(r["wall"] for r in found)
        p95 = statistics.median(r["p95"] for r in found)
        cpu = statistics.median(r["cpu"] for r in found)
        rows.append(f"| {name} | {wall:.2f} | {p95:.2f} | {cpu:.2f} |")
    lines = [
        f"# Connection cost per request: {args.rounds} rounds of {args.cycles} cycles of 3 "
        "primary-key reads (median of the rounds' figures)",
        "",
        f"- date: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}; load average before "
        f"{load_before[0]:.2f} {load_before[1]:.2f}, after {os.getloadavg()[0]:.2f} "
        f"{os.getloadavg()[1]:.2f} (2 cores shared with other work)",
        "",
        "| connection | median ms per request | p95 ms | CPU ms per request (this process) |",
        "| --- | --- | --- | --- |",
        *rows,
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        path = (
            ROOT
            / f"bench/results/{time.strftime('%Y-%m-%d')}-pool-overhead-{commit}.md"
        )
        path.write_text(text)
        print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
