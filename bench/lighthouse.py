"""Lighthouse's mobile performance score of the question page, served the production way.

Usage (from the checkout; see bench/README.md):

    .venv/bin/python bench/lighthouse.py --database mlqa_bench --runs 5 --write

Collects the static files into a temporary STATIC_ROOT and starts gunicorn (2 sync workers,
DEBUG off, fingerprinted static files through whitenoise, PostgreSQL and Redis), as bench/run
does; then runs Lighthouse from the npm registry (`npx --yes lighthouse@VERSION`: about 180 MB,
so it stays out of package.json) against the showcase question (20 answers, 50 comments, math in
its answers) with Lighthouse's default mobile settings (a Moto G Power's screen, 4x CPU slowdown,
simulated slow 4G), N times, as a visitor. Prints each run and the median of the performance
score, LCP, TBT, CLS, FCP and Speed Index, and with --write puts them, the load average and the
bytes on the wire in results/<date>-lighthouse-<commit>.md.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

# The checkout, not this folder, so that `bench` is the package (bench/settings.py).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from bench.bench import (  # noqa: E402
    PG,
    PYTHON,
    REDIS_DB,
    ROOT,
    Server,
    ensure_redis,
    fmt_table,
    loadavg,
    machine,
    server_env,
    sh,
)

LIGHTHOUSE = "13.5.0"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
AUDITS = {
    "LCP ms": "largest-contentful-paint",
    "TBT ms": "total-blocking-time",
    "CLS": "cumulative-layout-shift",
    "FCP ms": "first-contentful-paint",
    "SI ms": "speed-index",
}
SHOWCASE = (
    "from devtools.demo_data.community import SHOWCASE_DEDUP_KEY as K; "
    "from questions.models import Question; "
    "print(Question.objects.get(dedup_key=K).get_absolute_url())"
)


def lighthouse(url, out, chrome):
    env = {**os.environ, "CHROME_PATH": chrome}
    command = ["npx", "--yes", f"lighthouse@{LIGHTHOUSE}", url, "--output=json",
               f"--output-path={out}", "--only-categories=performance", "--quiet",
               f"--chrome-flags={CHROME_FLAGS}"]  # fmt: skip
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode or not Path(out).exists():
        sys.exit(f"lighthouse failed ({result.returncode}):\n{result.stderr[-3000:]}")
    report = json.loads(Path(out).read_text())
    audits = report["audits"]
    row = {"score": round(report["categories"]["performance"]["score"] * 100)}
    for name, audit in AUDITS.items():
        value = audits[audit]["numericValue"]
        row[name] = round(value, 3) if name == "CLS" else round(value)
    row["bytes"] = round(audits["total-byte-weight"]["numericValue"])
    row["requests"] = len(audits["network-requests"]["details"]["items"])
    blocking = audits.get("render-blocking-insight") or audits.get(
        "render-blocking-resources"
    )
    row["render-blocking"] = len(
        ((blocking or {}).get("details") or {}).get("items") or []
    )
    row["_resources"] = [
        (
            item["url"].rsplit("/", 1)[-1],
            item.get("transferSize", 0),
            item.get("resourceType"),
        )
        for item in audits["network-requests"]["details"]["items"]
    ]
    row["_load"] = loadavg()
    return row


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", default="mlqa_bench", help="a database with generate_demo_data"
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--path", help="the page (default: the showcase question)")
    parser.add_argument(
        "--chrome", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    )
    parser.add_argument(
        "--keep", help="copy each run's Lighthouse JSON report into this folder"
    )
    parser.add_argument(
        "--write",
        action="store_true",
        help="write results/<date>-lighthouse-<commit>.md",
    )
    args = parser.parse_args()
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="mlqa-lighthouse-"))
    ensure_redis()
    env = server_env(f"{PG}/{args.database}", REDIS_DB, "bench-only-", tmp / "static")
    sh("redis-cli", "-n", str(REDIS_DB), "flushdb", capture=True)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    path = args.path or sh(PYTHON, "manage.py", "shell", "-v0", "-c", SHOWCASE, env=env,
                           capture=True).stdout.strip().splitlines()[-1]  # fmt: skip
    info = machine()
    server = Server(env)
    rows = []
    try:
        url = server.base + path
        for run in range(1, args.runs + 1):
            row = lighthouse(url, tmp / f"run{run}.json", args.chrome)
            row["run"] = run
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(tmp / f"run{run}.json", Path(args.keep) / f"run{run}.json")
            rows.append(row)
            print(
                f"run {run}: score {row['score']}, LCP {row['LCP ms']} ms, TBT {row['TBT ms']} ms, "
                f"CLS {row['CLS']}, FCP {row['FCP ms']} ms, {row['bytes']} bytes, "
                f"load {row['_load']}",
                flush=True,
            )
    finally:
        server.stop()
    columns = ["run", "score", "FCP ms", "LCP ms", "TBT ms", "CLS", "SI ms", "bytes", "requests",
               "render-blocking"]  # fmt: skip
    median = {"run": "**median**"}
    for column in columns[1:]:
        median[column] = statistics.median(row[column] for row in rows)
    summary = (
        f"median of {len(rows)}: performance {median['score']}, LCP {median['LCP ms']} ms, "
        f"TBT {median['TBT ms']} ms, CLS {median['CLS']}, FCP {median['FCP ms']} ms"
    )
    print(summary)
    resources = [
        {"resource": name or "(page)", "type": kind, "bytes on the wire": size}
        for name, size, kind in rows[-1]["_resources"]
    ]
    text = "\n".join([
        f"# Lighthouse {LIGHTHOUSE}, mobile, performance: {path}",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}; commit {info['commit']}",
        f"- machine: {info['nproc']} cores ({info['cpu']}), {info['memory_gib']} GiB memory",
        f"- load average (1/5/15 min) before: {info['load']}; per run: "
        + "; ".join(row["_load"] for row in rows) + f"; after: {loadavg()}",
        f"- server: gunicorn, 2 sync workers, DEBUG off, manifest static files (whitenoise), "
        f"PostgreSQL database {args.database}, Redis; the page read as a visitor",
        f"- Lighthouse's default mobile settings (simulated throttling), Chromium {args.chrome}, "
        f"flags `{CHROME_FLAGS}`",
        "",
        summary,
        "",
        fmt_table(rows + [median], columns),
        "",
        "What the last run loaded:",
        "",
        fmt_table(resources, ["resource", "type", "bytes on the wire"]),
        "",
        f"Total time: {time.monotonic() - started:.0f} s",
        "",
    ])  # fmt: skip
    if args.write:
        date = datetime.now(UTC).strftime("%Y-%m-%d")
        out = ROOT / "bench" / "results" / f"{date}-lighthouse-{info['commit']}.md"
        out.write_text(text)
        print(f"written to {out.relative_to(ROOT)}")
    else:
        print(text)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
