"""MLQA soak: mixed traffic against the production-way server, then the data invariants.

Usage (from the checkout):

    bench/soak                                   # 60 s at 32 connections, medium data
    bench/soak --duration 15 --skip-generate     # a short run on the data of the last one
    bench/soak --restart-db --restart-db-at 20 --outage 5
    bench/soak --restart-redis --restart-redis-at 20 --redis-outage 10

Serves the site with gunicorn (2 sync workers, DEBUG off, manifest static files) on PostgreSQL with
Redis as cache and session store (cached_db), and drives wrk (bench/lua/soak.lua) with reading,
searching, answering, voting, commenting and practising by signed-in generated members, spread so
that the per-member rate limits are not reached. Then runs `manage.py check_invariants`, prints
requests, requests/s, answers by status code and socket errors, and writes
bench/results/<date>-soak-<commit>.md. Exits 1 on any 5xx (outside the fault window), any 500,
or any invariant violation.

The database is the soak's own (`mlqa_soak`) in its own throw-away PostgreSQL cluster
(/tmp/mlqa-soak-pg, 127.0.0.1:55433, started and stopped here) so that --restart-db never touches
the machine's server on 5432. Redis: database 13, flushed at the start.

--restart-db stops that cluster (pg_ctl stop -m fast) --restart-db-at seconds into the run and
starts it again --outage seconds later. A probe thread polls /questions/ every 100 ms meanwhile
(signed in: anonymous pages may come from the page cache without the database);
the report gives when the database went down and came back, the 503s (the friendly page with
Retry-After?), the time from the database back to the first 200, any 500, whether a member signed
in through the log-in form before the outage is still signed in after it, and the invariants.

--restart-redis runs the cache on a Redis of the soak's own (127.0.0.1:56379, no persistence,
started here) and stops it --restart-redis-at seconds into the run for --redis-outage seconds
(10 by default). The site must keep answering throughout: pages rendered from the database,
members signed in from their database sessions; any 5xx fails the run. The report gives the
answers per second around the outage, the page-cache hits before, during and after it, and
whether the member signed in before is still signed in.
"""

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

# bench/bench.py (this folder is sys.path[0] when run as bench/soak.py): the benchmark's helpers.
import bench as harness
from bench import BENCH, PYTHON, ROOT, log, server_env, sh

REDIS_DB = 13  # the soak's own Redis database: flushed at the start of every run
OWN_REDIS_PORT = (
    56379  # --restart-redis: a Redis of the soak's own, stopped and started
)
MIX = "read=30,question=25,search=10,vote=12,answer=4,comment=7,practice=12"
INVARIANTS_COMMAND = ROOT / "devtools/management/commands/check_invariants.py"
RECOVERY_TARGET = (
    5.0  # seconds from the database accepting connections to the first 200
)


class Cluster:
    """A throw-away PostgreSQL cluster of the soak's own (initdb as postgres, trust, loopback)."""

    def __init__(self, directory, port):
        self.dir = Path(directory)
        self.data = self.dir / "data"
        self.port = port
        self.bin = sorted(
            glob.glob("/usr/lib/postgresql/*/bin"),
            key=lambda p: int(p.split("/")[-2].split(".")[0]),
        )[-1]
        self.url = f"postgres://postgres@127.0.0.1:{port}"

    def pg_ctl(self, *args, check=True):
        return sh("runuser", "-u", "postgres", "--", f"{self.bin}/pg_ctl", "-D", str(self.data),
                  *args, capture=True, check=check)  # fmt: skip

    def running(self):
        return self.pg_ctl("status", check=False).returncode == 0

    def ensure(self):
        if not (self.data / "PG_VERSION").exists():
            log(f"initdb {self.data} (PostgreSQL {self.bin.split('/')[-2]})")
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            shutil.chown(self.dir, "postgres", "postgres")
            sh("runuser", "-u", "postgres", "--", f"{self.bin}/initdb", "-D", str(self.data),
               "-A", "trust", "-U", "postgres", capture=True)  # fmt: skip
        if not self.running():
            log(f"starting the soak's PostgreSQL on 127.0.0.1:{self.port}")
            self.start()

    def start(self):
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
                   " -c max_connections=50")  # fmt: skip
        self.pg_ctl(
            "-l", str(self.dir / "log"), "-w", "-t", "60", "start", "-o", options
        )

    def stop(self):
        self.pg_ctl("-m", "fast", "-w", "-t", "60", "stop")


class Probe(threading.Thread):
    """Polls a page every 100 ms: (start, end, status, Retry-After, friendly 503 page?) per request.

    Signed in (with `cookie`), so that the page needs the database: anonymous visitors' pages may
    come from the page cache in Redis, which would hide the outage and the recovery.
    """

    def __init__(self, base, cookie, path="/questions/"):
        super().__init__(daemon=True)
        self.request = urllib.request.Request(base + path, headers={"Cookie": cookie})
        self.results = []
        self.samples = {}
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set():
            started = time.time()
            retry_after, body = None, b""
            try:
                with urllib.request.urlopen(self.request, timeout=15) as response:
                    status, body = response.status, response.read()
            except urllib.error.HTTPError as error:
                status, retry_after, body = (
                    error.code,
                    error.headers.get("Retry-After"),
                    error.read(),
                )
            except OSError:
                status = 0
            text = body.decode(errors="replace")
            if status >= 500 and status not in self.samples:
                self.samples[status] = text[:3000]
            self.results.append({
                "start": started, "end": time.time(), "status": status, "retry_after": retry_after,
                "friendly": "back in a moment" in text, "traceback": "Traceback" in text,
            })  # fmt: skip
            self.halt.wait(0.1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def signed_in(base, cookie, path="/settings/"):
    """Status of a signed-in-only page with this session cookie: 200 means still signed in."""
    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(base + path, headers={"Cookie": cookie})
    try:
        with opener.open(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


class Fault(threading.Thread):
    """Restart the soak's PostgreSQL: stop at `at` seconds into the run, start `outage` s later."""

    def __init__(self, cluster, at, outage, started, probe, base, cookie):
        super().__init__(daemon=True)
        self.cluster, self.at, self.outage, self.started = cluster, at, outage, started
        self.probe, self.base, self.cookie = probe, base, cookie
        self.marks = {}
        self.error = None

    def run(self):
        try:
            time.sleep(max(0, self.started + self.at - time.time()))
            self.marks["stop issued"] = time.time()
            self.cluster.stop()
            self.marks["down"] = time.time()
            time.sleep(max(0, self.marks["stop issued"] + self.outage - time.time()))
            self.marks["start issued"] = time.time()
            self.cluster.start()
            self.marks["up"] = time.time()
            deadline = time.time() + 30
            while (
                time.time() < deadline
            ):  # the first 200 the probe gets after the database is up
                first = next((r for r in self.probe.results if r["status"] == 200
                              and r["end"] >= self.marks["up"]), None)  # fmt: skip
                if first:
                    self.marks["first 200"] = first["end"]
                    break
                time.sleep(0.05)
            self.marks["signed in after"] = signed_in(self.base, self.cookie)
        except Exception as error:  # noqa: BLE001 - reported, and the run fails
            self.error = repr(error)


class OwnRedis:
    """A redis-server of the soak's own on a private port (no persistence, as .ci/run runs
    Redis), so that stopping it touches nobody else's cache."""

    def __init__(self, port):
        self.port = port
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            if harness.redis_up(port=self.port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on {self.port}")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


class RedisFault(threading.Thread):
    """Stop the soak's own Redis at `at` seconds into the run, start it `outage` s later."""

    def __init__(self, redis, at, outage, started, base, cookie):
        super().__init__(daemon=True)
        self.redis, self.at, self.outage, self.started = redis, at, outage, started
        self.base, self.cookie = base, cookie
        self.marks = {}
        self.error = None

    def run(self):
        try:
            time.sleep(max(0, self.started + self.at - time.time()))
            self.marks["stop issued"] = time.time()
            self.redis.stop()
            self.marks["down"] = time.time()
            time.sleep(max(0, 3 - (time.time() - self.marks["down"])))
            self.marks["signed in during"] = signed_in(self.base, self.cookie)
            time.sleep(max(0, self.marks["stop issued"] + self.outage - time.time()))
            self.marks["start issued"] = time.time()
            self.redis.start()
            self.marks["up"] = time.time()
            time.sleep(2)
            self.marks["signed in after"] = signed_in(self.base, self.cookie)
        except Exception as error:  # noqa: BLE001 - reported, and the run fails
            self.error = repr(error)


def analyse_redis(result, probe, fault):
    """Failures and facts of a run with a Redis outage: nothing but 2xx-4xx is acceptable."""
    failures, facts = [], {}
    timeline = {}
    for key, n in result["timeline"].items():
        second, code = key.split(":")
        timeline.setdefault(int(second), {})[code] = n
    facts["timeline"] = timeline
    marks = fault.marks
    if fault.error:
        failures.append(f"Redis restart failed: {fault.error}")
    fives = {c: n for c, n in result["status"].items() if c.startswith("5")}
    if fives:
        failures.append(f"5xx answers: {fives}")
    bad = [r for r in probe.results if r["status"] != 200]
    if bad:
        failures.append(f"probe got {len(bad)} answers other than 200")
    for name in ("signed in during", "signed in after"):
        if marks.get(name) != 200:
            failures.append(
                f"signed-in probe {name.split()[-1]} the outage: {marks.get(name)}"
            )
    if "down" in marks and "up" in marks:
        down, up = int(marks["down"]), int(marks["up"])
        phases = {"before": [], "during": [], "after": []}
        for second, codes in timeline.items():
            phase = "before" if second < down else "during" if second <= up else "after"
            phases[phase].append(codes)
        facts["phases"] = {
            phase: {
                "seconds": len(rows),
                "answers/s": round(sum(sum(c.values()) for c in rows) / max(1, len(rows)), 1),
                "from the page cache/s": round(
                    sum(n for c in rows for k, n in c.items() if k.endswith("c"))
                    / max(1, len(rows)), 1),
            }
            for phase, rows in phases.items()
        }  # fmt: skip
        served = sum(sum(c.values()) for c in phases["during"])
        if not served:
            failures.append("nothing was served while Redis was down")
        facts["window"] = (down - 3, up + 5)
    return failures, facts


def lua_value(value):
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(
                f"[{lua_value(str(k))}] = {lua_value(v)}" for k, v in value.items()
            )
            + "}"
        )
    if isinstance(value, list):
        return "{\n" + ",\n".join(lua_value(v) for v in value) + "\n}"
    if isinstance(value, int):
        return str(value)
    if not str(
        value
    ).isascii():  # LuaJIT has no \u escapes; the data is paths, cookies, urlencoded
        raise ValueError(f"not ASCII: {value!r}")
    return json.dumps(str(value))


def run_wrk(base, args, data_file):
    env = {**os.environ, "SOAK_DATA": str(data_file), "SOAK_THREADS": str(args.threads),
           "SOAK_MIX": args.mix}  # fmt: skip
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout",
               "10s", "-s", str(BENCH / "lua" / "soak.lua"), base + "/"]  # fmt: skip
    result = subprocess.run(command, capture_output=True, env=env, check=False)
    output = result.stdout.decode(errors="replace")
    line = next((x for x in output.splitlines() if x.startswith("SOAK ")), None)
    if result.returncode or not line:
        sys.exit(
            f"wrk failed ({result.returncode}):\n{output}\n{result.stderr.decode(errors='replace')}"
        )
    return json.loads(line[5:])


def check_invariants(env, wait):
    """`manage.py check_invariants` (JSON {ok, violations, counts}); waits for the command to exist."""
    deadline = time.time() + wait
    while not INVARIANTS_COMMAND.exists():
        if time.time() > deadline:
            return {
                "ok": None,
                "error": f"{INVARIANTS_COMMAND.relative_to(ROOT)} does not exist",
            }
        log(f"waiting for {INVARIANTS_COMMAND.relative_to(ROOT)} (being written)")
        time.sleep(30)
    result = sh(
        PYTHON, "manage.py", "check_invariants", env=env, capture=True, check=False
    )
    output = result.stdout
    try:
        data = json.loads(output[output.index("{") :])
    except ValueError:
        return {
            "ok": None,
            "error": f"exit {result.returncode}: {output[-2000:]}{result.stderr[-2000:]}",
        }
    data["exit_status"] = result.returncode
    return data


def by_class(status):
    """{'2xx': n, ...} and the codes within each class."""
    classes = {}
    for code, n in sorted(status.items()):
        classes.setdefault(f"{code[0]}xx", {})[code] = n
    return classes


def fault_window(marks):
    """Unix seconds in which a 503 is expected: stop issued - 1 s .. first 200 (or up + 5 s) + 2 s."""
    end = (
        marks.get("first 200")
        or marks.get("up", marks["stop issued"]) + RECOVERY_TARGET
    )
    return int(marks["stop issued"]) - 1, int(end) + 2


def analyse(args, result, probe, fault, invariants, signed_before, signed_end):
    """The verdict: a list of failures (empty: pass) and the facts the report prints."""
    failures = []
    facts = {}
    timeline = {}
    for key, n in result["timeline"].items():
        second, code = key.split(":")
        timeline.setdefault(int(second), {})[code] = n
    facts["timeline"] = timeline
    window = (
        fault_window(fault.marks) if fault and "stop issued" in fault.marks else None
    )
    facts["window"] = window
    outside = {}
    for second, codes in timeline.items():
        for code, n in codes.items():
            inside = window and window[0] <= second <= window[1]
            if code.startswith("5") and (code != "503" or not inside):
                outside[code] = outside.get(code, 0) + n
    if outside:
        failures.append(f"5xx outside the fault window (or not 503): {outside}")
    statuses = result["status"]
    n503 = statuses.get("503", 0)
    if n503 and result["checks"]["friendly_503"] < n503:
        failures.append(
            f"{n503 - result['checks']['friendly_503']} 503s were not the friendly page"
        )
    if n503 and result["checks"]["retry_after_503"] < n503:
        failures.append(
            f"{n503 - result['checks']['retry_after_503']} 503s had no Retry-After"
        )
    if result["checks"]["redirect_to_login"]:
        failures.append(
            f"{result['checks']['redirect_to_login']} requests were sent to the log-in page"
        )
    if invariants.get("ok") is not True:
        failures.append("invariants: " + ("violated" if invariants.get("ok") is False
                                          else invariants.get("error", "not checked")))  # fmt: skip
    if signed_before != 200 or signed_end != 200:
        failures.append(
            f"signed-in probe: {signed_before} before, {signed_end} at the end (200 expected)"
        )
    if probe:
        codes = {}
        for r in probe.results:
            codes[str(r["status"])] = codes.get(str(r["status"]), 0) + 1
        facts["probe codes"] = codes
        bad = [r for r in probe.results if r["status"] not in (200, 503)]
        if bad:
            failures.append(f"probe got {len(bad)} answers other than 200/503: {codes}")
        unfriendly = [
            r
            for r in probe.results
            if r["status"] == 503 and not (r["friendly"] and r["retry_after"])
        ]
        if unfriendly:
            failures.append(
                f"probe: {len(unfriendly)} 503s without the friendly page or Retry-After"
            )
        if any(r["traceback"] for r in probe.results):
            failures.append("probe saw a traceback")
    if fault:
        marks = fault.marks
        if fault.error:
            failures.append(f"restart failed: {fault.error}")
        outage_probe = [r for r in probe.results if r["status"] == 503]
        facts["probe 503"] = len(outage_probe)
        if outage_probe:
            facts["probe first 503"] = outage_probe[0]["end"]
            facts["probe last 503"] = outage_probe[-1]["end"]
        # Recovery: the first 200 rendered after the database is up (page-cache hits don't count),
        # from the probe (exact, but it waits its turn behind wrk's 32 connections) or from wrk
        # (per second: "within the second ending at ...").
        candidates = []
        if "first 200" in marks and "up" in marks:
            facts["recovery probe"] = max(0.0, marks["first 200"] - marks["up"])
            candidates.append(facts["recovery probe"])
        if "up" in marks:
            seconds = [
                t
                for t, codes in timeline.items()
                if t >= int(marks["up"]) and codes.get("200")
            ]
            if seconds:
                facts["recovery wrk"] = min(seconds) + 1 - marks["up"]
                candidates.append(facts["recovery wrk"])
        before = [r["end"] - r["start"] for r in probe.results
                  if r["status"] == 200 and r["end"] < marks.get("stop issued", 0)]  # fmt: skip
        if before:
            facts["probe latency before"] = sorted(before)[len(before) // 2]
        if candidates:
            facts["recovery"] = min(candidates)
            if facts["recovery"] > RECOVERY_TARGET:
                failures.append(
                    f"recovery took {facts['recovery']:.1f} s (target {RECOVERY_TARGET:.0f} s)"
                )
        else:
            failures.append("no 200 after the database came back")
        if not outage_probe and not n503:
            failures.append(
                "no 503 seen during the outage: did the restart happen during the run?"
            )
        if marks.get("signed in after") != 200:
            failures.append(
                f"signed-in probe after the outage: {marks.get('signed in after')}"
            )
    return failures, facts


def fmt_time(t, origin):
    return f"{datetime.fromtimestamp(t, UTC).strftime('%H:%M:%S.%f')[:-4]} (t+{t - origin:.1f} s)"


def report(
    args, info, data, result, facts, failures, fault, probe, invariants, rows, extra
):
    statuses = result["status"]
    seconds = result["duration_us"] / 1e6
    classes = by_class(statuses)
    sockets = result["socket_errors"]
    latency = result["latency_ms"]
    command = "bench/soak " + " ".join(sys.argv[1:])
    lines = [
        f"# MLQA soak{(' with a Redis restart' if isinstance(fault, RedisFault) else ' with a database restart') if fault else ''}",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}; commit {info['commit']}",
        f"- command: `{command}`",
        f"- machine: {info['nproc']} cores ({info['cpu']}), {info['memory_gib']} GiB; load average before "
        f"{info['load']}, after {harness.loadavg()} (shared with other engineers' work)",
        f"- server: gunicorn, {args.workers} sync workers, 127.0.0.1, DEBUG off, manifest static files; "
        f"PostgreSQL {extra['pg']}, database `{args.database}` ({extra['data']}); Redis "
        f"{extra['redis']} (cache, cached_db sessions)",
        f"- load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s, bench/lua/soak.lua, mix "
        f"`{args.mix}`; members: {data['members']}",
        "",
        "## Results",
        "",
        f"- requests served: **{result['requests']}** in {seconds:.1f} s = **{result['requests'] / seconds:.1f} req/s**; "
        f"latency p50 {latency['p50']:.0f} ms, p90 {latency['p90']:.0f} ms, p99 {latency['p99']:.0f} ms, "
        f"max {latency['max']:.0f} ms",
    ]
    for cls in ("2xx", "3xx", "4xx", "5xx"):
        codes = classes.get(cls, {})
        detail = ", ".join(f"{code}: {n}" for code, n in codes.items()) or "none"
        lines.append(f"- {cls}: {sum(codes.values())} ({detail})")
    lines += [
        f"- of which 429 (rate limited): {statuses.get('429', 0)}",
        f"- socket errors: {sum(sockets.values())} ({', '.join(f'{k} {v}' for k, v in sockets.items())})",
        f"- sent by kind: {json.dumps(dict(sorted(result['sent'].items())))}",
        f"- sign-in redirects on members' requests: {result['checks']['redirect_to_login']}; "
        f"POST lists wrapped around: {result['checks']['wrapped']} times; anonymous page cache (X-Page-Cache): "
        + (", ".join(f"{k[11:]} {v}" for k, v in result["checks"].items() if k.startswith("page_cache_")) or "none"),
        "- rows written: " + ", ".join(f"{k} +{rows['after'][k] - rows['before'][k]}" for k in rows["after"]),
        f"- signed-in probe (`/settings/` with the session of a member signed in through the log-in form): "
        f"{extra['signed before']} before the run, {extra['signed end']} at the end",
        f"- probe (GET /questions/ signed in, every 100 ms, one at a time, beside wrk): {facts.get('probe codes')}",
        "",
    ]  # fmt: skip
    if isinstance(fault, RedisFault):
        marks = fault.marks
        origin = extra["started"]
        lines += ["## Redis restart (the cache and the sessions' cache)", ""]
        for name in ("stop issued", "down", "start issued", "up"):
            if name in marks:
                lines.append(f"- {name}: {fmt_time(marks[name], origin)}")
        if "up" in marks:
            lines.append(
                f"- Redis unavailable: **{marks['up'] - marks['stop issued']:.1f} s**"
            )
        lines += [
            f"- 5xx answers: {sum(n for c, n in statuses.items() if c.startswith('5'))}; "
            f"probe (signed in, every 100 ms): {facts.get('probe codes')}",
            f"- the member signed in before: {marks.get('signed in during')} during the outage, "
            f"{marks.get('signed in after')} after it (200: still signed in)",
            "- answers per second and page-cache hits per second, by phase: "
            + json.dumps(facts.get("phases", {})),
            "",
            "wrk answers per second around the outage (status: count; 200c: from the page cache):",
            "",
            "```",
        ]  # fmt: skip
        window = facts.get("window")
        for second in sorted(facts["timeline"]):
            if window and window[0] <= second <= window[1]:
                codes = facts["timeline"][second]
                clock = datetime.fromtimestamp(second, UTC).strftime("%H:%M:%S")
                lines.append(f"{clock} (t+{second - origin:4.0f})  "
                             + "  ".join(f"{c}: {n}" for c, n in sorted(codes.items())))  # fmt: skip
        lines += ["```", ""]
    elif fault:
        marks = fault.marks
        origin = extra["started"]
        lines += ["## Database restart", ""]
        for name in ("stop issued", "down", "start issued", "up", "first 200"):
            if name in marks:
                lines.append(f"- {name}: {fmt_time(marks[name], origin)}")
        if "up" in marks:
            lines.append(f"- database unavailable (stop issued → accepting again): "
                         f"**{marks['up'] - marks['stop issued']:.1f} s**")  # fmt: skip
        if "recovery" in facts:
            lines.append(f"- database up → first page rendered again (200): **≤ {facts['recovery']:.1f} s** "
                         f"(target ≤ {RECOVERY_TARGET:.0f} s); to wrk within the second ending "
                         f"{facts.get('recovery wrk', float('nan')):.1f} s after; the probe's first 200 came "
                         f"{facts.get('recovery probe', float('nan')):.1f} s after (its median latency "
                         f"under the load before the outage: {facts.get('probe latency before', float('nan')):.1f} s)")  # fmt: skip
        lines += [
            f"- 503 answers: {statuses.get('503', 0)} to wrk ({result['checks']['friendly_503']} with the "
            f"friendly page, {result['checks']['retry_after_503']} with Retry-After) and "
            f"{facts.get('probe 503', 0)} to the probe; 500 answers: {statuses.get('500', 0)}",
            f"- signed-in probe after the outage: {marks.get('signed in after')}",
            "",
            "wrk answers per second around the restart (status: count; 200c: from the page cache):",
            "",
            "```",
        ]  # fmt: skip
        window = facts["window"]
        for second in sorted(facts["timeline"]):
            if window and window[0] - 3 <= second <= window[1] + 3:
                codes = facts["timeline"][second]
                clock = datetime.fromtimestamp(second, UTC).strftime("%H:%M:%S")
                lines.append(f"{clock} (t+{second - origin:4.0f})  "
                             + "  ".join(f"{c}: {n}" for c, n in sorted(codes.items())))  # fmt: skip
        lines += ["```", ""]
        sample = probe.samples.get(503) or next(iter(result["samples"].values()), "")
        if sample:
            lines += ["A 503 body sampled during the outage (first 600 characters):", "", "```html",
                      sample[:600], "```", ""]  # fmt: skip
    if result["samples"].get("500"):
        lines += [
            "A 500 body:",
            "",
            "```html",
            result["samples"]["500"][:3000],
            "```",
            "",
        ]
    lines += [
        "## Invariants",
        "",
        "```json",
        json.dumps(invariants, indent=1)[:6000],
        "```",
        "",
    ]
    lines += ["## Verdict", ""]
    lines += [f"- FAIL: {f}" for f in failures] or ["- PASS: no 5xx outside the fault window, no 500, invariants hold"
                                                    + (", recovered within the target, still signed in" if fault else "")]  # fmt: skip
    if isinstance(fault, RedisFault) and not failures:
        lines[-1] = (
            "- PASS: no 5xx while Redis was down or after, the member stayed signed in, invariants hold"
        )
    text = "\n".join(lines) + "\n"
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    suffix = (
        ("-redis-restart" if isinstance(fault, RedisFault) else "-restart")
        if fault
        else ""
    )
    path = (
        results
        / f"{datetime.now(UTC).strftime('%Y-%m-%d')}-soak-{info['commit']}{suffix}.md"
    )
    path.write_text(text)
    log("\n" + text)
    log(f"written to {path.relative_to(ROOT)}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--duration", type=int, default=60, help="seconds of load (default 60)"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument(
        "--mix", default=MIX, help=f"weights per kind of request (default {MIX})"
    )
    parser.add_argument(
        "--scale", choices=["small", "medium", "large"], default="medium"
    )
    parser.add_argument(
        "--skip-generate", action="store_true", help="use the soak database as it is"
    )
    parser.add_argument("--database", default="mlqa_soak")
    parser.add_argument(
        "--pg-dir",
        default="/tmp/mlqa-soak-pg",
        help="the soak's own PostgreSQL cluster",
    )
    parser.add_argument("--pg-port", type=int, default=55433)
    parser.add_argument(
        "--keep-db", action="store_true", help="leave the soak's PostgreSQL running"
    )
    parser.add_argument(
        "--restart-db", action="store_true", help="restart PostgreSQL during the run"
    )
    parser.add_argument(
        "--restart-db-at", type=float, default=20, help="seconds into the run"
    )
    parser.add_argument(
        "--outage", type=float, default=5, help="seconds between stop and start"
    )
    parser.add_argument(
        "--restart-redis",
        action="store_true",
        help="stop the cache's Redis (the soak's own) during the run",
    )
    parser.add_argument(
        "--restart-redis-at", type=float, default=20, help="seconds into the run"
    )
    parser.add_argument(
        "--redis-outage", type=float, default=10, help="seconds Redis is down"
    )
    parser.add_argument(
        "--invariants-wait",
        type=int,
        default=1800,
        help="seconds to wait for manage.py check_invariants to exist",
    )
    args = parser.parse_args()  # fmt: skip
    if args.restart_db and args.restart_db_at >= args.duration:
        parser.error("--restart-db-at must be within --duration")
    if args.restart_redis and args.restart_db:
        parser.error("one fault a run: --restart-db or --restart-redis")
    if (
        args.restart_redis
        and args.restart_redis_at + args.redis_outage >= args.duration
    ):
        parser.error("--restart-redis-at plus --redis-outage must be within --duration")
    args.tmp = tempfile.mkdtemp(prefix="mlqa-soak-")
    harness.ensure_wrk()
    harness.ensure_redis()
    cluster = Cluster(args.pg_dir, args.pg_port)
    cluster.ensure()
    try:
        failures = soak(args, cluster)
    finally:
        if not args.keep_db:
            log("stopping the soak's PostgreSQL")
            cluster.stop()
        shutil.rmtree(args.tmp, ignore_errors=True)
    sys.exit(1 if failures else 0)


def soak(args, cluster):
    env = server_env(
        f"{cluster.url}/{args.database}",
        REDIS_DB,
        "soak-only-",
        Path(args.tmp) / "static",
    )
    sh("redis-cli", "-n", str(REDIS_DB), "flushdb", capture=True)
    own_redis = None
    redis_label = f"127.0.0.1:6379 db {REDIS_DB}"
    if args.restart_redis:
        own_redis = OwnRedis(OWN_REDIS_PORT)
        own_redis.start()
        env["REDIS_URL"] = f"redis://127.0.0.1:{OWN_REDIS_PORT}/0"
        redis_label = f"127.0.0.1:{OWN_REDIS_PORT} (the soak's own, no persistence; stopped during the run)"
    try:
        return _soak(args, cluster, env, own_redis, redis_label)
    finally:
        if own_redis:
            own_redis.stop()


def _soak(args, cluster, env, own_redis, redis_label):
    if args.skip_generate:
        sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
    else:
        harness.prepare_database(args, env, pg=cluster.url)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    log("preparing members' sessions, practice sessions and the writes to send")
    data_path = Path(args.tmp) / "setup.json"
    sh(PYTHON, str(BENCH / "soak_prepare.py"), "setup", str(data_path), env=env)
    data = json.loads(data_path.read_text())
    lua_file = Path(args.tmp) / "soak_data.lua"
    lua_file.write_text("".join(
        f"{name} = {lua_value(data[name])}\n"
        for name in ("reads", "questions", "searches", "readers", "votes", "answers", "comments", "practice")
    ))  # fmt: skip

    def counts():
        out = sh(
            PYTHON, str(BENCH / "soak_prepare.py"), "counts", env=env, capture=True
        ).stdout
        return json.loads(out.strip().splitlines()[-1])

    rows = {"before": counts()}
    info = harness.machine()
    server = harness.Server(env, workers=args.workers)
    probe = fault = None
    try:
        cookie = harness.login(server.base, data["probe"], "mlqa-demo-gen")
        signed_before = signed_in(server.base, cookie)
        for kind in ("votes", "answers", "comments", "practice"):
            if data[kind] and signed_in(server.base, data[kind][0]["cookie"]) != 200:
                sys.exit(
                    f"the prepared {kind} sessions are not signed in (bench/prepare.py _session)"
                )
        for path in (
            data["reads"] + data["searches"][:3] + data["questions"][:5]
        ):  # warm up
            urllib.request.urlopen(server.base + path, timeout=30).read()
        probe = Probe(server.base, cookie)
        started = time.time()
        probe.start()
        if args.restart_db:
            fault = Fault(
                cluster,
                args.restart_db_at,
                args.outage,
                started,
                probe,
                server.base,
                cookie,
            )
            fault.start()
        if args.restart_redis:
            fault = RedisFault(own_redis, args.restart_redis_at, args.redis_outage,
                               started, server.base, cookie)  # fmt: skip
            fault.start()
        log(f"wrk: {args.connections} connections for {args.duration} s"
            + (f"; PostgreSQL restart at {args.restart_db_at:.0f} s, {args.outage:.0f} s outage" if args.restart_db else "")
            + (f"; Redis stopped at {args.restart_redis_at:.0f} s for {args.redis_outage:.0f} s" if args.restart_redis else ""))  # fmt: skip
        result = run_wrk(server.base, args, lua_file)
        if fault:
            fault.join(timeout=90)
        probe.halt.set()
        probe.join(timeout=20)
        signed_end = signed_in(server.base, cookie)
    finally:
        if probe:
            probe.halt.set()
        server.stop()
    rows["after"] = counts()
    log("manage.py check_invariants")
    invariants = check_invariants(env, args.invariants_wait)
    failures, facts = analyse(
        args,
        result,
        probe,
        None if isinstance(fault, RedisFault) else fault,
        invariants,
        signed_before,
        signed_end,
    )
    if isinstance(fault, RedisFault):
        redis_failures, redis_facts = analyse_redis(result, probe, fault)
        failures += redis_failures
        facts.update(redis_facts)
    version = sh(
        "psql", f"{cluster.url}/postgres", "-Atc", "SHOW server_version", capture=True
    ).stdout.strip()
    extra = {
        "pg": f"{version} (the soak's own cluster, 127.0.0.1:{cluster.port})",
        "data": f"generate_demo_data --scale {args.scale}"
        if not args.skip_generate
        else "existing data",
        "redis": redis_label,
        "signed before": signed_before,
        "signed end": signed_end,
        "started": started,
    }
    report(
        args, info, data, result, facts, failures, fault, probe, invariants, rows, extra
    )
    return failures


if __name__ == "__main__":
    main()
