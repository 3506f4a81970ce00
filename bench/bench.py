"""MLQA benchmark: serve the site the production way and drive a bounded load from wrk on loopback.

Usage (from the checkout; see bench/README.md):

    bench/run --scale small|medium|large [--skip-generate] [--single] [--duration 10]

Steps: create/migrate/import/generate the bench database (unless --skip-generate), collectstatic
into a temporary STATIC_ROOT, start gunicorn (2 workers, DEBUG off, PostgreSQL, Redis) on a free
port of 127.0.0.1, prepare signed-in sessions, run wrk against each page (or, with --single, a few
hundred sequential requests per page timed by gunicorn itself), check that no vote was lost, and
write bench/results/<date>-<scale>-<commit>.md.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PG = "postgres://postgres@127.0.0.1:5432"
REDIS_DB = 15  # the benchmark's own Redis database: flushed at the start of every run
TARGETS_READ_QUERIES = 7
# Not a target row: a member opening question pages they have never opened (rendered for them).
FIRST_VIEWS_ROW = "question, first views (member)"


def log(message):
    print(message, flush=True)


def sh(*args, env=None, capture=False, check=True):
    result = subprocess.run(
        args, env=env, cwd=ROOT, text=True, capture_output=capture, check=False
    )
    if check and result.returncode:
        sys.exit(
            f"failed ({result.returncode}): {' '.join(args)}\n{result.stdout or ''}{result.stderr or ''}"
        )
    return result


def peak_rss(*args, env):
    """Run a manage.py command under /usr/bin/time -v: (peak RSS in MiB, seconds, output tail)."""
    started = time.monotonic()
    result = sh(
        "/usr/bin/time", "-v", PYTHON, "manage.py", *args, env=env, capture=True
    )
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    tail = "\n".join(result.stdout.strip().splitlines()[-3:])
    return (
        int(found.group(1)) / 1024 if found else None,
        time.monotonic() - started,
        tail,
    )


def ensure_wrk():
    if shutil.which("wrk"):
        return
    log("installing wrk (apt-get install -y wrk)")
    if sh("apt-get", "install", "-y", "-qq", "wrk", check=False).returncode:
        sh("apt-get", "update", "-qq")
        sh("apt-get", "install", "-y", "-qq", "wrk")


REDIS_SERVER = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
                "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
                "--logfile", "/var/log/redis/ci.log"]  # fmt: skip


def redis_up(host="127.0.0.1", port=6379):
    try:
        with socket.create_connection((host, port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis():
    """Redis on 127.0.0.1:6379 (Debian's redis-server), started like .ci/run starts it."""
    if redis_up():
        return
    if not shutil.which("redis-server"):
        log("installing redis-server (apt-get install -y redis-server)")
        if sh(
            "apt-get", "install", "-y", "-qq", "redis-server", check=False
        ).returncode:
            sh("apt-get", "update", "-qq")
            sh("apt-get", "install", "-y", "-qq", "redis-server")
    log("starting redis-server on 127.0.0.1:6379")
    for folder in ("/var/lib/redis", "/var/log/redis"):
        Path(folder).mkdir(parents=True, exist_ok=True)
    sh(*REDIS_SERVER)
    for _ in range(50):
        if redis_up():
            return
        time.sleep(0.1)
    sys.exit("redis-server did not answer on 127.0.0.1:6379")


def server_env(database_url, redis_db, secret_prefix, static_root):
    """This process's environment without the development switches, plus the server's settings
    (bench/settings.py: the site's, with STATIC_ROOT from BENCH_STATIC_ROOT)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DEBUG", "MLQA_PLAIN_STATIC", "MLQA_PRODUCTION")
    }
    env.update({
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "SECRET_KEY": secret_prefix + "x" * 40,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_STATIC_ROOT": str(static_root),
        "PYTHONPATH": str(ROOT),
    })  # fmt: skip
    return env


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine():
    mem = next(
        line
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    commit = sh("git", "rev-parse", "--short", "HEAD", capture=True).stdout.strip()
    dirty = sh("git", "status", "--porcelain", capture=True).stdout.strip()
    return {
        "nproc": os.cpu_count(),
        "load": loadavg(),
        "memory_gib": round(int(mem.split()[1]) / 1024 / 1024, 1),
        "commit": commit + ("-dirty" if dirty else ""),
        "cpu": next(
            (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
             if line.startswith("model name")), "?"),
    }  # fmt: skip


class Server:
    """gunicorn with 2 sync workers on 127.0.0.1, the production way (DEBUG off, manifest static)."""

    def __init__(self, env, access_log=None, workers=2):
        self.port = free_port()
        args = [str(ROOT / ".venv/bin/gunicorn"), "mlqa.wsgi", "--bind", f"127.0.0.1:{self.port}",
                "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
        if access_log:
            # %(D)s: the time gunicorn spent on the request, in microseconds (server side).
            args += [
                "--access-logfile",
                access_log,
                "--access-logformat",
                "%(m)s|%(U)s|%(q)s|%(s)s|%(D)s",
            ]
        self.process = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(self.base + "/_bench/trivial/", timeout=2).read()
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        sys.exit("gunicorn did not start")

    def worker_rss(self):
        children = (
            Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
            .read_text()
            .split()
        )
        rss = {}
        for pid in children:
            status = Path(f"/proc/{pid}/status").read_text()
            rss[int(pid)] = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        return rss

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's own graceful stop
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def login(base, username, password):
    """Sign in through the real allauth form; returns the Cookie header value a browser would
    send afterwards (the session and the CSRF cookie)."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"login": username, "password": password, "csrfmiddlewaretoken": token}
    )
    opener.open(
        urllib.request.Request(
            base + "/accounts/login/", data=form.encode(), headers={"Referer": base}
        )
    )
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        sys.exit(f"could not sign in as {username}")
    return "; ".join(f"{name}={value}" for name, value in sorted(cookies.items()))


def wrk(base, path, args, cookie=None, script="report.lua", env=None):
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "5s",
               "-s", str(BENCH / "lua" / script)]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(
        command + [base + path], capture_output=True, text=True, check=True, env=env
    ).stdout
    found = re.search(r"^BENCH (\{.*\})$", output, re.M)
    if not found:
        sys.exit(f"wrk printed no summary:\n{output}")
    data = json.loads(found.group(1))
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def run_paths(base, args, paths, cookie, tmp):
    """wrk reading each of `paths` once (lua/paths.lua), with the reader's cookie."""
    data_file = Path(tmp) / "paths.lua"
    data_file.write_text(
        "paths = {\n" + ",\n".join(json.dumps(path) for path in paths) + "\n}\n"
    )
    env = {**os.environ, "BENCH_DATA": str(data_file)}
    result = wrk(base, "/", args, cookie=cookie, script="paths.lua", env=env)
    result["wrapped"] = result["requests"] > len(paths)
    return result


def post_script(items, path):
    """A Lua data file for post.lua: each thread walks its own share of (cookie, csrf, path, body)."""

    def lua(value):
        return (
            '"'
            + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            + '"'
        )

    rows = ",\n".join(
        f"{{cookie={lua(i['cookie'])}, csrf={lua(i['csrf'])}, path={lua(i['path'])}, body={lua(i['body'])}}}"
        for i in items
    )
    Path(path).write_text(f"items = {{\n{rows}\n}}\n")


def run_post(base, args, items, name, tmp, hx):
    data_file = Path(tmp) / f"{name}.lua"
    post_script(items, data_file)
    env = {**os.environ, "BENCH_DATA": str(data_file), "BENCH_HX": "1" if hx else ""}
    data = wrk(base, "/", args, script="post.lua", env=env)
    data["wrapped"] = data["requests"] > len(items)
    return data


def single(base, pages, cookies, access_log, requests_per_page):
    """Sequential requests, one at a time; server-side time from gunicorn's access log (%(D)s)."""
    results = {}
    for name, path in pages.items():
        headers = {"Cookie": cookies[name]} if cookies.get(name) else {}
        client = []
        for n in range(requests_per_page + 10):
            started = time.perf_counter()
            urllib.request.urlopen(
                urllib.request.Request(base + path, headers=headers)
            ).read()
            if n >= 10:  # the first ten warm the caches
                client.append((time.perf_counter() - started) * 1000)
        results[name] = {"client": client, "path": path}
    time.sleep(1)
    logged = []
    for line in Path(access_log).read_text().splitlines():
        method, path, query, status, micros = line.split("|")
        logged.append((path + (f"?{query}" if query else ""), int(micros) / 1000))
    # In request order: two rows may share a path (a page read anonymously and by a member),
    # so each row takes the next requests of its path after the previous row's.
    position = 0
    for result in results.values():
        times = []
        while position < len(logged) and len(times) < requests_per_page + 10:
            path, millis = logged[position]
            if path == result["path"]:
                times.append(millis)
            position += 1
        result["server"] = times[10:]
    return results


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def fmt_table(rows, columns):
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "|".join(" --- " for _ in columns) + "|",
    ]
    lines += [
        "| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows
    ]
    return "\n".join(lines)


def prepare_database(args, env, pg=PG):
    """Create, migrate, import and generate the bench database; returns the memory figures."""
    name = args.database
    exists = sh("psql", f"{pg}/postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
                capture=True).stdout.strip()  # fmt: skip
    if not exists:
        sh("psql", f"{pg}/postgres", "-qc", f'CREATE DATABASE "{name}"')
    log(f"migrating {name}")
    sh(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
    rss, seconds, tail = peak_rss("import_seeds", env=env)
    log(f"import_seeds: {seconds:.1f}s, peak RSS {rss:.0f} MiB\n{tail}")
    memory = {
        "import_seeds peak RSS (MiB)": round(rss),
        "import_seeds time (s)": round(seconds, 1),
    }
    log(
        f"generate_demo_data --scale {args.scale} --reset (progress in {args.tmp}/generate.log)"
    )
    started = time.monotonic()
    with open(Path(args.tmp) / "generate.log", "w") as out:
        result = subprocess.run(
            ["/usr/bin/time", "-v", PYTHON, "manage.py", "generate_demo_data", "--scale", args.scale, "--reset"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    if result.returncode:
        sys.exit(f"generate_demo_data failed:\n{result.stderr[-3000:]}")
    rss = (
        int(
            re.search(
                r"Maximum resident set size \(kbytes\): (\d+)", result.stderr
            ).group(1)
        )
        / 1024
    )
    seconds = time.monotonic() - started
    log(f"generate_demo_data: {seconds:.0f}s, peak RSS {rss:.0f} MiB")
    memory.update(
        {
            "generate_demo_data peak RSS (MiB)": round(rss),
            "generate_demo_data time (s)": round(seconds),
        }
    )
    return memory


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--scale", choices=["small", "medium", "large"], default="small"
    )
    parser.add_argument(
        "--skip-generate", action="store_true", help="use the bench database as it is"
    )
    parser.add_argument(
        "--single",
        action="store_true",
        help="single-client mode: server-side time per page",
    )
    parser.add_argument(
        "--requests",
        type=int,
        default=300,
        help="sequential requests per page (--single)",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database", default="mlqa_bench")
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn sync workers (default 2)"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help='measure only this row (repeatable), e.g. --only trivial --only "vote POST"',
    )
    parser.add_argument(
        "--replica-url",
        default="",
        help="DATABASE_REPLICA_URLS for the server: reads of GET requests from this streaming "
        "replica of the bench database's server (devtools/pg_replica makes one)",
    )
    parser.add_argument(
        "--pgbouncer-port",
        type=int,
        default=0,
        help="the server reaches the bench database through a PgBouncer (transaction mode) on "
        "this port of 127.0.0.1 (DATABASE_TRANSACTION_POOLING=1)",
    )
    parser.add_argument(
        "--redis-db",
        type=int,
        default=REDIS_DB,
        help=f"the bench's Redis database, flushed first (default {REDIS_DB})",
    )
    parser.add_argument(
        "--page-cache-seconds",
        type=int,
        default=None,
        help="MLQA_PAGE_CACHE_SECONDS for the server (0: every page rendered; default: the site's)",
    )
    args = parser.parse_args()
    started = time.monotonic()
    args.tmp = tempfile.mkdtemp(prefix="mlqa-bench-")
    ensure_wrk()
    ensure_redis()
    static_root = Path(args.tmp) / "static"
    env = server_env(f"{PG}/{args.database}", args.redis_db, "bench-only-", static_root)
    if args.page_cache_seconds is not None:
        env["MLQA_PAGE_CACHE_SECONDS"] = str(args.page_cache_seconds)
    sh("redis-cli", "-n", str(args.redis_db), "flushdb", capture=True)
    memory = {} if args.skip_generate else prepare_database(args, env)
    sh(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    data_path = Path(args.tmp) / "setup.json"
    sh(PYTHON, str(BENCH / "prepare.py"), "setup", str(data_path), env=env)
    data = json.loads(data_path.read_text())
    queries_path = Path(args.tmp) / "queries.json"
    sh(
        PYTHON,
        str(BENCH / "prepare.py"),
        "queries",
        str(data_path),
        str(queries_path),
        env=env,
    )
    per_page = json.loads(queries_path.read_text())
    info = machine()
    access_log = str(Path(args.tmp) / "access.log") if args.single else None
    if args.replica_url:
        # The server only: the preparation and the query counts read the primary, as before.
        env["DATABASE_REPLICA_URLS"] = f"{args.replica_url.rstrip('/')}/{args.database}"
    if args.pgbouncer_port:
        env["DATABASE_URL"] = (
            f"postgres://postgres@127.0.0.1:{args.pgbouncer_port}/{args.database}"
        )
        env["DATABASE_TRANSACTION_POOLING"] = "1"
    servers_before = database_activity(args)
    server = Server(env, access_log=access_log, workers=args.workers)
    try:
        reader_cookie = (
            login(server.base, data["reader"], "mlqa-demo-gen")
            if data["reader"]
            else None
        )
        cookies = dict.fromkeys(data["signed_in_pages"], reader_cookie)
        pages = {**data["pages"], **data["signed_in_pages"]}
        if args.single:
            report = single_report(server, pages, cookies, access_log, args, per_page)
        else:
            report = load_report(server, pages, cookies, data, args, per_page, env)
        rss = server.worker_rss()
    finally:
        server.stop()
    memory.update(
        {
            f"worker {pid} RSS after the run (MiB)": round(value)
            for pid, value in rss.items()
        }
    )
    report["activity"] = {
        name: [
            after - before
            for before, after in zip(servers_before[name], counts, strict=True)
        ]
        for name, counts in database_activity(args).items()
    }
    total = time.monotonic() - started
    write_results(args, info, report, memory, total)
    shutil.rmtree(args.tmp, ignore_errors=True)


def load_report(server, pages, cookies, data, args, per_page, env):
    rows = []
    for name, path in pages.items():
        if args.only and name not in args.only:
            continue
        for _ in range(5):  # warm up
            urllib.request.urlopen(urllib.request.Request(server.base + path, headers=(
                {"Cookie": cookies[name]} if cookies.get(name) else {}))).read()  # fmt: skip
        log(f"wrk {name}: {path}")
        result = wrk(server.base, path, args, cookie=cookies.get(name))
        rows.append(_row(name, result, per_page.get(name, {})))
    name, reader = FIRST_VIEWS_ROW, next(iter(cookies.values()), None)
    if data.get("first_views") and reader and (not args.only or name in args.only):
        log(f"wrk {name}: {len(data['first_views'])} question pages, each once")
        result = run_paths(server.base, args, data["first_views"], reader, args.tmp)
        if result["wrapped"]:
            log(f"  {name}: the run read some pages twice (more requests than pages)")
        rows.append(_row(name, result, {}))
        # The workers still render the requests wrk left queued (a third of a second each):
        # the next row must not wait behind them.
        time.sleep(3)
    since = datetime.now(UTC).isoformat()
    for name, items, hx in (
        ("vote POST", data["votes"], True),
        ("answer POST", data["answers"], False),
    ):
        if items and (not args.only or name in args.only):
            log(f"wrk {name}: {len(items)} prepared (member, target) pairs")
            rows.append(_row(name, run_post(server.base, args, items, name.split()[0], args.tmp, hx),
                             per_page.get(name, {})))  # fmt: skip
    check = sh(PYTHON, str(BENCH / "prepare.py"), "verify", str(Path(args.tmp) / "setup.json"), since,
               env=env, capture=True).stdout  # fmt: skip
    verified = json.loads(check.strip().splitlines()[-1])
    vote_row = next((r for r in rows if r["page"] == "vote POST"), None)
    if vote_row:
        # Every vote answered 2xx is in the table; up to one per connection more may have been
        # written after wrk stopped counting (in flight at the deadline).
        ok = vote_row["requests"] - vote_row["errors"]
        verified["vote_responses_ok"] = ok
        verified["votes_lost"] = max(0, ok - verified["new_votes"])
    trivial = next((r["_rps"] for r in rows if r["page"] == "trivial"), None)
    for row in rows:
        row["vs trivial"] = f"{row['_rps'] / trivial:.2f}" if trivial else ""
    return {"rows": rows, "verify": verified}


def _row(name, result, measured):
    return {
        "page": name,
        "req/s": f"{result['rps']:.0f}",
        "_rps": result["rps"],
        "p50 ms": f"{result['p50'] / 1000:.1f}",
        "p95 ms": f"{result['p95'] / 1000:.1f}",
        "p99 ms": f"{result['p99'] / 1000:.1f}",
        "errors": result["errors"],
        "requests": result["requests"],
        "SQL/req": measured.get("queries", ""),
        "HTML KB": f"{measured['bytes'] / 1024:.1f}"
        if measured.get("bytes") is not None
        else "",
    }


def single_report(server, pages, cookies, access_log, args, per_page):
    log(f"single client: {args.requests} sequential requests per page")
    results = single(server.base, pages, cookies, access_log, args.requests)
    rows = []
    for name, result in results.items():
        rows.append({
            "page": name,
            "server median ms": f"{statistics.median(result['server']):.1f}" if result["server"] else "",
            "server p95 ms": f"{pct(result['server'], 95):.1f}",
            "client median ms": f"{statistics.median(result['client']):.1f}",
            "client p95 ms": f"{pct(result['client'], 95):.1f}",
            "SQL/req": per_page.get(name, {}).get("queries", ""),
            "HTML KB": f"{per_page.get(name, {}).get('bytes', 0) / 1024:.1f}",
        })  # fmt: skip
    return {"rows": rows}


def database_activity(args) -> dict:
    """{server: [transactions, rows returned, blocks read or hit]} of the bench database on the
    primary and the replica (pg_stat_database: the run's share of the work is the difference)."""
    servers = {"primary": PG}
    if args.replica_url:
        servers["replica"] = args.replica_url.rstrip("/")
    found = {}
    for name, url in servers.items():
        out = sh(
            "psql", f"{url}/postgres", "-Atc",
            "SELECT xact_commit + xact_rollback, tup_returned, blks_read + blks_hit"
            f" FROM pg_stat_database WHERE datname = '{args.database}'",
            capture=True,
        )  # fmt: skip
        found[name] = [int(value) for value in out.stdout.strip().split("|")]
    return found


def write_results(args, info, report, memory, total):
    mode = "single" if args.single else "load"
    if args.single:
        columns = ["page", "server median ms", "server p95 ms", "client median ms", "client p95 ms", "SQL/req",
                   "HTML KB"]  # fmt: skip
        how = f"{args.requests} sequential requests per page, one client; server time = gunicorn's %(D)s"
    else:
        columns = ["page", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "requests", "SQL/req", "HTML KB",
                   "vs trivial"]  # fmt: skip
        how = f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per page"
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        f"# MLQA benchmark, {args.scale} scale, {mode}",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}; commit {info['commit']}",
        f"- machine: {info['nproc']} cores ({info['cpu']}), {info['memory_gib']} GiB memory",
        f"- load average (1/5/15 min) before: {info['load']}; after: {loadavg()} (other work on the "
        "machine competes with the server: compare runs with similar load)",
        f"- server: gunicorn, {args.workers} sync workers, 127.0.0.1, DEBUG off, manifest static files (whitenoise), "
        "PostgreSQL 127.0.0.1:5432"
        + (
            f" through PgBouncer (transaction mode, 127.0.0.1:{args.pgbouncer_port})"
            if args.pgbouncer_port
            else ""
        )
        + (
            f", psycopg pool of {os.environ['DATABASE_POOL_MAX']} per worker"
            if os.environ.get("DATABASE_POOL_MAX")
            else ""
        )
        + (
            f" plus a streaming replica ({args.replica_url}) for GET requests' reads"
            if args.replica_url
            else ""
        )
        + ", Redis cache and sessions read from it; page caches (visitors' pages, "
        "members' parts and layouts) "
        + ("off (every page rendered)" if args.page_cache_seconds == 0 else "on"),
        "- SQL/req: queries of a rendered page (not a cached one), second request, in-process",
        f"- load: {how}",
        "",
        fmt_table(report["rows"], columns),
        "",
    ]
    if report.get("activity"):
        lines += [
            "Database work during the server's run (pg_stat_database of the bench database; the "
            "primary's includes the POSTs' writes and the replica checks): "
            + "; ".join(
                f"{name}: {xacts:,} transactions, {rows:,} rows returned, {blocks:,} blocks read"
                for name, (xacts, rows, blocks) in report["activity"].items()
            ),
            "",
        ]
    if report.get("verify"):
        lines += [
            "Vote/answer check after the run: `" + json.dumps(report["verify"]) + "`",
            "",
        ]
    if memory:
        lines += (
            ["Memory and time:", ""]
            + [f"- {key}: {value}" for key, value in memory.items()]
            + [""]
        )
    lines.append(f"Total benchmark time: {total:.0f} s")
    text = "\n".join(lines) + "\n"
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    suffix = (
        ("-single" if args.single else "")
        + ("-nocache" if args.page_cache_seconds == 0 else "")
        + (f"-{args.workers}workers" if args.workers != 2 else "")
        + ("-replica" if args.replica_url else "")
        + ("-pgbouncer" if args.pgbouncer_port else "")
        + (
            f"-pool{os.environ['DATABASE_POOL_MAX']}"
            if os.environ.get("DATABASE_POOL_MAX")
            else ""
        )
    )
    path = results / f"{date}-{args.scale}-{info['commit']}{suffix}.md"
    path.write_text(text)
    log("\n" + text)
    log(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
