#!/usr/bin/env python3
"""CivicGrid benchmark harness: gunicorn (sync workers) + wrk on loopback, SQLite and/or PostgreSQL.

Usage (from the project root; see bench/README.md):

    .venv/bin/python bench/run.py [--db sqlite|postgres|both] [--duration 10] [--connections 16]
                                  [--rev HEAD] [--json bench/results/foundation.json]

For each database it prepares a fresh database (migrate + demo street + seeded BenchRow rows),
starts gunicorn with the bench settings, then for every row in ROWS measures
  * single-client latency: 20 warm-up + 200 sequential requests over http.client (p50/p95), and
  * throughput under load: `wrk --latency` for --duration seconds (req/s, p50/p99),
while accounting from /proc for the CPU other processes took (a row they disturbed is measured
again). To add a benchmark, append a Row to ROWS. Standard library only (plus psycopg from the venv).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import http.cookiejar
import io
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import figures as shape  # noqa: E402  (bench/figures.py: the suite's shape of a figure)

VENV_BIN = ROOT / ".venv" / "bin"
PYTHON = VENV_BIN / "python"
GUNICORN = VENV_BIN / "gunicorn"
RESULTS_DIR = ROOT / "bench" / "results"
SETTINGS_MODULE = "civicgrid.settings.bench"

POSTGRES_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
POSTGRES_BENCH_DB = "civicgrid_bench"
POSTGRES_BENCH_URL = f"postgres://postgres@127.0.0.1:5432/{POSTGRES_BENCH_DB}"

DEMO_USERNAME = "grid001"
DEMO_PASSWORD = "Kaixuan@2026"
SEED_ROWS = 20
WARMUP_REQUESTS = 20
SINGLE_CLIENT_REQUESTS = 200


# --------------------------------------------------------------------------- row definitions


@dataclass(frozen=True)
class Row:
    """One benchmark row: a single request shape that is measured alone and under load."""

    key: str  # short, stable id used in JSON and by reference_row
    name: str  # what the table prints
    method: str
    path: str
    body: dict[str, Any] | None = None  # sent as JSON
    needs_auth: bool = False  # send the demo user's session cookie
    reference_row: str | None = None  # print req/s relative to this row's (same database, same run)
    # The target for that ratio, where one was set (req/s at least this share of the reference's); rows
    # with a reference but no goal show their ratio for information.
    ratio_goal: float | None = None
    expect_status: int = 200
    expect_text: str | None = None  # checked once before measuring
    expect_json_items: int | None = None  # the JSON response must be a list of this length


ROWS: list[Row] = [
    Row("bare_json", "(a) bare JSON", "GET", "/bench/json"),
    Row(
        "ninja_insert",
        "(b) Ninja insert one row",
        "POST",
        "/api/v1/bench/insert",
        body={"label": "x", "value": 1},
        expect_status=201,
    ),
    Row("ninja_list", "(c) Ninja list 20 rows", "GET", "/api/v1/bench/list", expect_json_items=20),
    Row(
        "staff_home",
        "(d) staff home page (authenticated)",
        "GET",
        "/",
        needs_auth=True,
        reference_row="ninja_list",
        expect_text="网格",
    ),
    # The problem-flow centre (issue: report submission ≥ 0.5 × one-row insert; centre page ≥ 0.5 ×
    # the 20-row list). The point lies in the demo's first grid, whose worker is the demo user.
    Row(
        "case_report",
        "(e) report a case through the API",
        "POST",
        "/api/v1/cases",
        body={
            "category": "municipal",
            "description": "路灯不亮",
            "lat": 30.2975,
            "lng": 120.1755,
            "channel": "visit",
        },
        needs_auth=True,
        reference_row="ninja_insert",
        ratio_goal=0.5,
        expect_status=201,
    ),
    Row(
        "case_centre",
        "(f) problem-flow centre page",
        "GET",
        "/cases/?tab=open",
        needs_auth=True,
        reference_row="ninja_list",
        ratio_goal=0.5,
        expect_text="问题流转中心",
    ),
]


# --------------------------------------------------------------------------- results


@dataclass
class LoadResult:
    requests_per_sec: float
    p50_ms: float
    p99_ms: float
    latency_ms: dict[str, float]  # the whole --latency distribution: "50%" ... "99%"
    requests: int
    non_2xx_3xx: int
    socket_errors: dict[str, int]
    statuses: dict[str, int]  # counted by the wrk Lua script
    raw_output: str


@dataclass
class SingleResult:
    requests: int
    p50_ms: float
    p95_ms: float
    mean_ms: float
    max_ms: float


@dataclass
class RowResult:
    key: str
    name: str
    method: str
    path: str
    single: SingleResult | None = None
    load: LoadResult | None = None
    ratio_to_reference: float | None = None
    reference_row: str | None = None
    # Share of the whole machine (100 = every core busy) by who used it, during the wrk run and
    # during the single-client run.
    cpu: dict[str, float] | None = None
    single_cpu: dict[str, float] | None = None
    attempts: int = 0  # > 1 when a row was measured again because other processes disturbed it
    calibration_ms: float | None = None  # calibrate() just before this row's attempt (lower = faster CPU)
    discarded_attempts: list[dict[str, float | None]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    server_log: str = ""  # anything gunicorn/Django logged while this row ran


@dataclass
class DatabaseResult:
    database: str
    database_url: str = ""
    redis_url: str | None = None
    skipped: str | None = None
    error: str | None = None
    gunicorn_log: str | None = None
    setup_seconds: float = 0.0
    rows: list[RowResult] = field(default_factory=list)


class BenchError(Exception):
    """A failure that ends the run for one database (printed, recorded, not a traceback)."""


class DatabaseSkipped(Exception):
    """The database is not available on this machine; the run continues with the others."""


# --------------------------------------------------------------------------- helpers


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    """Linear-interpolated percentile (pct in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * pct / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def timestamp() -> str:
    return datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")


def version_of(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except OSError:
        return "?"
    output = (done.stdout + done.stderr).strip().splitlines()
    return output[0] if output else "?"


# --------------------------------------------------------------------------- CPU accounting (Linux)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
OTHER_CPU_WARN_PCT = 10.0  # flag a row when other processes used more than this share of the machine


def machine_cpu_seconds() -> tuple[float, float] | None:
    """(busy, total) CPU seconds since boot summed over all cores, from /proc/stat."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in first[1:9])
    total = user + nice + system + idle + iowait + irq + softirq + steal
    return (total - idle - iowait) / CLOCK_TICKS, total / CLOCK_TICKS


def process_cpu_seconds(pid: int) -> float | None:
    """user+system CPU seconds of one process, from /proc/<pid>/stat (None once it has gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime
    except (OSError, IndexError, ValueError):
        return None


def gunicorn_pids(master_pid: int) -> list[int]:
    """The gunicorn master and its workers (its direct children)."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        children = []
    return [master_pid, *map(int, children)]


def postgres_pids(database: str) -> list[int]:
    """PostgreSQL's own processes plus the client backends serving `database` (not other databases)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        is_client_backend = "(" in title or "[local]" in title  # "postgres: 15/main: user db host(port) …"
        if not is_client_backend or f" {database} " in title:
            pids.append(int(entry.name))
    return pids


def cpu_by_pid(pids: list[int]) -> dict[int, float]:
    return {pid: seconds for pid in pids if (seconds := process_cpu_seconds(pid)) is not None}


def own_and_children_cpu_seconds() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # waited-for children only: here, wrk
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def calibrate() -> float:
    """Milliseconds for a fixed pure-Python workload (best of 3): how fast this machine is right now.

    Shared and virtual machines change speed from hour to hour; compare runs only when their
    calibration agrees, or scale by it.
    """
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        data: list[dict[str, Any]] = [
            {"id": i, "label": f"row-{i:05d}", "value": i * 7} for i in range(20_000)
        ]
        json.loads(json.dumps(data))
        sorted(data, key=lambda item: item["label"], reverse=True)
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def wait_for_quiet(max_wait: float, busy_limit_pct: float = OTHER_CPU_WARN_PCT) -> float | None:
    """Wait (up to max_wait seconds) until the machine is nearly idle; return the last busy share seen.

    Call it only while the bench server is idle: everything it sees is someone else's work.
    """
    deadline = time.monotonic() + max_wait
    announced = False
    while True:
        before = machine_cpu_seconds()
        time.sleep(1.0)
        after = machine_cpu_seconds()
        if before is None or after is None or after[1] <= before[1]:
            return None
        busy = round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)
        if busy <= busy_limit_pct:
            if announced:
                log(f"machine is quiet again ({busy:.0f}% busy)")
            return busy
        if time.monotonic() >= deadline:
            log(f"WARNING: machine still {busy:.0f}% busy with other work; measuring anyway")
            return busy
        if not announced:
            log(
                f"machine is {busy:.0f}% busy with other work; waiting up to {max_wait:.0f}s for it to settle"
            )
            announced = True


class CpuMeter:
    """Who used the machine while wrk ran: gunicorn, the database server, wrk, or something else.

    Shares are of the whole machine (100 = every core busy for the whole run). "other" is what is
    left: a noisy neighbour (another test run, a build) that makes the numbers meaningless.
    """

    def __init__(self, server_pid: int, database: str | None):
        self.server_pid = server_pid
        self.database = database  # PostgreSQL database name; None when the database is in-process
        self.machine = machine_cpu_seconds()
        self.server = cpu_by_pid(gunicorn_pids(server_pid))
        self.db = cpu_by_pid(postgres_pids(database)) if database else {}
        self.own, self.children = own_and_children_cpu_seconds()

    @staticmethod
    def _delta(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())

    def stop(self) -> dict[str, float] | None:
        machine = machine_cpu_seconds()
        if machine is None or self.machine is None:
            return None
        busy = machine[0] - self.machine[0]
        capacity = machine[1] - self.machine[1]
        if capacity <= 0:
            return None
        server = self._delta(self.server, cpu_by_pid(gunicorn_pids(self.server_pid)))
        db = self._delta(self.db, cpu_by_pid(postgres_pids(self.database))) if self.database else 0.0
        own, children = own_and_children_cpu_seconds()
        load_tool = children - self.children + own - self.own  # wrk (+ this idle script)

        def pct(seconds: float) -> float:
            return round(100 * max(seconds, 0.0) / capacity, 1)

        return {
            "machine_busy_pct": pct(busy),
            "gunicorn_pct": pct(server),
            "database_pct": pct(db),
            "load_tool_pct": pct(load_tool),
            "other_pct": pct(busy - server - db - load_tool),
        }


# --------------------------------------------------------------------------- databases


def prepare_sqlite(workdir: Path) -> str:
    return f"sqlite:///{workdir / 'bench.sqlite3'}"  # absolute path: sqlite:////tmp/.../bench.sqlite3


def prepare_postgres() -> str:
    """Drop and create civicgrid_bench; DatabaseSkipped when PostgreSQL does not answer."""
    try:
        import psycopg
    except ImportError as exc:
        raise DatabaseSkipped(f"psycopg is not importable from {sys.executable}: {exc}") from exc
    try:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {POSTGRES_BENCH_DB} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {POSTGRES_BENCH_DB}")
    except psycopg.OperationalError as exc:
        raise DatabaseSkipped(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc}".strip()) from exc
    return POSTGRES_BENCH_URL


BENCH_REDIS_DB = 14


def bench_redis() -> str | None:
    """The production profile's cache for a PostgreSQL run: Redis database 14 on loopback, emptied
    first (sessions and accounts of an earlier run's database would be stale). None when Redis does
    not answer: the run then uses the per-process cache and database sessions, and says so."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
            sock.sendall(f"SELECT {BENCH_REDIS_DB}\r\nFLUSHDB\r\n".encode())
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
    except OSError:
        return None
    return f"redis://127.0.0.1:6379/{BENCH_REDIS_DB}" if reply == b"+OK\r\n+OK\r\n" else None


def django_env(database_url: str, workdir: Path, redis_url: str | None = None) -> dict[str, str]:
    """The environment of every child: the bench settings, this database and, for PostgreSQL runs,
    Redis for the cache and sessions (REDIS_URL), as in production."""
    env = dict(os.environ)
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        DATABASE_URL=database_url,
        # Keep the run self-contained: the Huey SQLite queue (used when REDIS_URL is unset) goes to
        # the temporary directory instead of var/.
        HUEY_SQLITE_PATH=str(workdir / "huey.sqlite3"),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(app_root: Path, env: dict[str, str], *args: str, timeout: float = 600) -> str:
    command = [str(PYTHON), str(app_root / "manage.py"), *args]
    done = subprocess.run(
        command, cwd=app_root, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise BenchError(
            f"`manage.py {' '.join(args)}` failed (exit {done.returncode}):\n"
            f"{tail(done.stdout, 20)}\n{tail(done.stderr, 40)}"
        )
    return done.stdout


SEED_CODE = """
from civicgrid.core.models import BenchRow
BenchRow.objects.bulk_create([BenchRow(label=f"seed-{{i:02d}}", value=i) for i in range({n})])
print(BenchRow.objects.count())
"""


def prepare_data(app_root: Path, env: dict[str, str]) -> None:
    log("migrate")
    manage(app_root, env, "migrate", "--noinput")
    log("demo --quiet-logins")
    manage(app_root, env, "demo", "--quiet-logins")
    log(f"seed {SEED_ROWS} BenchRow rows")
    count = manage(app_root, env, "shell", "--no-imports", "-c", SEED_CODE.format(n=SEED_ROWS)).split()[-1]
    if int(count) < SEED_ROWS:
        raise BenchError(f"expected at least {SEED_ROWS} BenchRow rows, found {count}")


# --------------------------------------------------------------------------- gunicorn


class Gunicorn:
    """gunicorn in its own process group, logging to a file; stop() is safe to call repeatedly."""

    def __init__(self, app_root: Path, env: dict[str, str], workers: int, log_path: Path):
        self.app_root = app_root
        self.env = env
        self.workers = workers
        self.log_path = log_path
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    # Five workers importing Django at once on two cores that others are also using can take minutes
    # before the first answer (each worker ~25 s alone on a busy machine).
    def start(self, ready_timeout: float = 300) -> None:
        command = [
            str(GUNICORN),
            "civicgrid.wsgi:application",
            "--worker-class",
            "sync",
            "--workers",
            str(self.workers),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--chdir",
            str(self.app_root),
            "--error-logfile",
            "-",
            "--log-level",
            "info",
            "--graceful-timeout",
            "5",
            # The default control socket is one per user (~/.gunicorn/gunicorn.ctl): a bench server
            # must not take it over from a gunicorn started by scripts/run.
            "--no-control-socket",
        ]
        log(f"start gunicorn: {self.workers} sync workers on {self.base_url} (log: {self.log_path})")
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                command,
                cwd=self.app_root,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches us, and we stop gunicorn in order
            )
        deadline = time.monotonic() + ready_timeout
        last_error = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with {self.process.returncode} before answering:\n{tail(self.read_log())}"
                )
            try:
                status, _, _ = request_once(self.base_url, "GET", "/healthz", timeout=2)
                if status == 200:
                    self.mark_log()
                    return
                last_error = f"/healthz answered {status}"
            except OSError as exc:
                last_error = str(exc)
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz with 200 in {ready_timeout:.0f}s ({last_error})")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        log("stop gunicorn")
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except (subprocess.TimeoutExpired, KeyboardInterrupt):  # too slow, or a second Ctrl-C
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)

    @property
    def pid(self) -> int:
        if self.process is None:
            raise BenchError("gunicorn is not running")
        return self.process.pid

    def read_log(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def mark_log(self) -> None:
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0

    def log_since_mark(self) -> str:
        """What gunicorn logged since the last mark, minus its routine start/stop lines."""
        with self.log_path.open("rb") as log_file:
            log_file.seek(self._log_offset)
            text = log_file.read().decode("utf-8", errors="replace")
        self.mark_log()
        routine = re.compile(r"\[INFO\] (Booting worker|Starting gunicorn|Listening at|Using worker)")
        return "\n".join(line for line in text.splitlines() if line.strip() and not routine.search(line))

    def __enter__(self) -> Gunicorn:
        try:
            self.start()
        except BaseException:  # including Ctrl-C while waiting for /healthz
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --------------------------------------------------------------------------- HTTP (standard library)


def request_headers(row: Row | None, session_cookie: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if row is not None and row.body is not None:
        headers["Content-Type"] = "application/json"
    if row is not None and row.needs_auth and session_cookie:
        headers["Cookie"] = session_cookie
        if row.method != "GET":
            headers["X-CSRFToken"] = csrf_of(session_cookie)
    return headers


def csrf_of(cookie: str) -> str:
    return next((part.split("=", 1)[1] for part in cookie.split("; ") if part.startswith("csrftoken=")), "")


def encode_body(row: Row) -> bytes | None:
    return json.dumps(row.body, separators=(",", ":")).encode() if row.body is not None else None


def request_once(
    base_url: str,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 10,
) -> tuple[int, dict[str, str], bytes]:
    parsed = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parsed.netloc, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def log_in(base_url: str, username: str, password: str) -> str:
    """Log in through the staff form; return the Cookie header value carrying the session."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    login_url = f"{base_url}/accounts/login/"
    with opener.open(login_url, timeout=10) as response:
        response.read()
    csrf = next((c.value for c in jar if c.name == "csrftoken"), None)
    if not csrf:
        raise BenchError("GET /accounts/login/ did not set a csrftoken cookie")
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrf})
    login = urllib.request.Request(
        login_url,
        data=form.encode(),
        headers={"Referer": login_url, "Content-Type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with opener.open(login, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:  # 302 lands here because redirects are not followed
        status, body = exc.code, exc.read()
    session = next((c.value for c in jar if c.name == "sessionid"), None)
    if status != 302 or not session:
        text = body.decode("utf-8", errors="replace")
        raise BenchError(f"log-in as {username} failed: HTTP {status}, no session cookie\n{tail(text, 10)}")
    # The CSRF cookie rides along: session-authenticated API writes need it (and its header).
    cookie = f"sessionid={session}; csrftoken={csrf}"
    status, _, page = request_once(base_url, "GET", "/", headers={"Cookie": cookie})
    if status != 200 or "网格" not in page.decode("utf-8", errors="replace"):
        raise BenchError(f"GET / as {username} answered {status} without '网格' after log-in")
    return cookie


def check_row(base_url: str, row: Row, session_cookie: str | None) -> list[str]:
    status, _, body = request_once(
        base_url, row.method, row.path, encode_body(row), request_headers(row, session_cookie)
    )
    problems: list[str] = []
    text = body.decode("utf-8", errors="replace")
    if status != row.expect_status:
        problems.append(f"check request answered {status}, expected {row.expect_status}: {text[:300]}")
    if row.expect_text and row.expect_text not in text:
        problems.append(f"check response does not contain {row.expect_text!r}")
    if row.expect_json_items is not None and status == row.expect_status:
        items = json.loads(body)
        if not isinstance(items, list) or len(items) != row.expect_json_items:
            count = len(items) if isinstance(items, list) else "not a list"
            problems.append(f"expected a JSON list of {row.expect_json_items} items, got {count}")
    return problems


def single_client(base_url: str, row: Row, session_cookie: str | None) -> tuple[SingleResult, list[str]]:
    """Sequential requests over one http.client connection (re-opened whenever the server closes it)."""
    parsed = urllib.parse.urlsplit(base_url)
    conn = http.client.HTTPConnection(parsed.netloc, timeout=30)
    body = encode_body(row)
    headers = request_headers(row, session_cookie)
    headers["Connection"] = "keep-alive"
    timings: list[float] = []
    unexpected: dict[int, int] = {}
    try:
        for i in range(WARMUP_REQUESTS + SINGLE_CLIENT_REQUESTS):
            started = time.perf_counter()
            conn.request(row.method, row.path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status != row.expect_status:
                unexpected[response.status] = unexpected.get(response.status, 0) + 1
            if i >= WARMUP_REQUESTS:
                timings.append(elapsed * 1000)
    finally:
        conn.close()
    problems = [f"single-client: {n}× HTTP {status}" for status, n in sorted(unexpected.items())]
    result = SingleResult(
        requests=len(timings),
        p50_ms=percentile(timings, 50),
        p95_ms=percentile(timings, 95),
        mean_ms=statistics.fmean(timings),
        max_ms=max(timings),
    )
    return result, problems


# --------------------------------------------------------------------------- wrk

# Every row goes through a script so that each response's status is counted (wrk itself only
# reports "Non-2xx or 3xx", so a redirect to the log-in page would otherwise pass as success).
WRK_LUA = """
wrk.method = {method}
{body}
{headers}
local threads = {{}}
function setup(thread)
  table.insert(threads, thread)
end
function init(args)
  statuses = {{}}
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local total = {{}}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("STATUS %d %d\\n", status, count))
  end
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for this content


def wrk_script(row: Row) -> str:
    body = encode_body(row)
    headers = request_headers(row, None)
    return WRK_LUA.format(
        method=lua_string(row.method),
        body=f"wrk.body = {lua_string(body.decode())}" if body is not None else "",
        headers="\n".join(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()),
    )


UNIT_TO_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def to_ms(value: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", value.strip())
    if not match:
        raise ValueError(f"unrecognised wrk duration {value!r}")
    return float(match.group(1)) * UNIT_TO_MS[match.group(2)]


def parse_wrk(output: str) -> LoadResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if not rps or not total:
        raise BenchError(f"could not parse wrk output:\n{output}")
    distribution: dict[str, float] = {}
    block = output.split("Latency Distribution", 1)
    if len(block) == 2:
        for pct, value in re.findall(r"^\s+(\d+)%\s+(\S+)", block[1], re.MULTILINE):
            distribution[f"{pct}%"] = to_ms(value)
    if "50%" not in distribution or "99%" not in distribution:
        raise BenchError(f"wrk output has no latency distribution (was --latency passed?):\n{output}")
    socket_errors = {}
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if errors:
        socket_errors = dict(
            zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True)
        )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    statuses = {
        status: int(count) for status, count in re.findall(r"^STATUS (\d+) (\d+)$", output, re.MULTILINE)
    }
    return LoadResult(
        requests_per_sec=float(rps.group(1)),
        p50_ms=distribution["50%"],
        p99_ms=distribution["99%"],
        latency_ms=distribution,
        requests=int(total.group(1)),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=socket_errors,
        statuses=dict(sorted(statuses.items())),
        raw_output=output,
    )


def run_wrk(
    base_url: str, row: Row, session_cookie: str | None, args: argparse.Namespace, workdir: Path
) -> LoadResult:
    script = workdir / f"wrk-{row.key}.lua"
    script.write_text(wrk_script(row), encoding="utf-8")
    command = [
        "wrk",
        "--latency",
        "--threads",
        str(min(args.threads, args.connections)),
        "--connections",
        str(args.connections),
        "--duration",
        f"{args.duration}s",
        "--timeout",
        "10s",
        "--script",
        str(script),
    ]
    if row.needs_auth and session_cookie:
        command += ["--header", f"Cookie: {session_cookie}"]
        if row.method != "GET":
            command += ["--header", f"X-CSRFToken: {csrf_of(session_cookie)}"]
    command.append(base_url + row.path)
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60, check=False)
    if done.returncode != 0:
        raise BenchError(f"wrk failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    return parse_wrk(done.stdout)


def load_problems(row: Row, load: LoadResult) -> list[str]:
    problems = []
    unexpected = {s: n for s, n in load.statuses.items() if s != str(row.expect_status)}
    if unexpected:
        problems.append("under load: " + ", ".join(f"{n}× HTTP {s}" for s, n in unexpected.items()))
    elif load.non_2xx_3xx:
        problems.append(f"under load: {load.non_2xx_3xx} non-2xx/3xx responses")
    if any(load.socket_errors.values()):
        problems.append(
            "under load: socket errors " + ", ".join(f"{k} {v}" for k, v in load.socket_errors.items())
        )
    return problems


# --------------------------------------------------------------------------- one database


def bench_database(
    database: str,
    rows: list[Row],
    args: argparse.Namespace,
    stamp: str,
    app_root: Path,
    result: DatabaseResult,
) -> None:
    """Fill `result` as the run goes, so an interrupted run still reports what it measured."""
    log_path = RESULTS_DIR / f"{stamp}-{database}-gunicorn.log"
    with tempfile.TemporaryDirectory(prefix=f"civicgrid-bench-{database}-") as tmp:
        workdir = Path(tmp)
        started = time.monotonic()
        try:
            url = prepare_sqlite(workdir) if database == "sqlite" else prepare_postgres()
        except DatabaseSkipped as exc:
            result.skipped = str(exc)
            log(f"skip {database}: {exc}")
            return
        result.database_url = url
        pg_database = POSTGRES_BENCH_DB if database == "postgres" else None
        result.redis_url = bench_redis() if database == "postgres" else None
        log(f"{database}: cache and sessions in {result.redis_url or 'each process and the database'}")
        env = django_env(url, workdir, result.redis_url)
        try:
            log(f"{database}: prepare {url}")
            prepare_data(app_root, env)
            result.setup_seconds = round(time.monotonic() - started, 1)
            result.gunicorn_log = str(log_path)
            with Gunicorn(app_root, env, args.workers, log_path) as server:
                cookie = None
                if any(row.needs_auth for row in rows):
                    log(f"log in as {DEMO_USERNAME}")
                    cookie = log_in(server.base_url, DEMO_USERNAME, DEMO_PASSWORD)
                    server.mark_log()
                for row in rows:
                    result.rows.append(bench_row(server, row, cookie, args, workdir, pg_database))
        except BenchError as exc:
            result.error = str(exc)
            log(f"{database}: {exc}")
        except (OSError, http.client.HTTPException, subprocess.TimeoutExpired) as exc:
            result.error = f"{type(exc).__name__}: {exc} (see {log_path})"
            log(f"{database}: {result.error}")
        except KeyboardInterrupt:
            result.error = "interrupted"
            raise


def add_ratios(result: DatabaseResult) -> None:
    """req/s of each row relative to its reference row, measured against the same server."""
    by_key = {r.key: r for r in result.rows}
    for row_result in result.rows:
        ref = by_key.get(row_result.reference_row or "")
        if ref and ref.load and row_result.load and ref.load.requests_per_sec:
            row_result.ratio_to_reference = row_result.load.requests_per_sec / ref.load.requests_per_sec


# Lines in gunicorn's output that mean a request went wrong (warnings are kept in server_log only).
SERVER_LOG_ERROR = re.compile(r"Traceback|\bERROR\b|\bCRITICAL\b|WORKER TIMEOUT|was sent SIG|Exception")


def summarise_log(text: str, keep: int = 120) -> str:
    """The server log of one row, from its first error on, capped (a failing row logs thousands)."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if SERVER_LOG_ERROR.search(line)), 0)
    shown = lines[first : first + keep]
    rest = len(lines) - first - len(shown)
    tracebacks = sum(1 for line in lines if line.startswith("Traceback"))
    if rest > 0:
        shown.append(
            f"… {rest} more lines ({tracebacks} tracebacks in all; the full log is in the gunicorn log file)"
        )
    return "\n".join(shown)


def disturbance(result: RowResult) -> float:
    """The larger share of the machine other processes took during the single-client or the load run."""
    shares = [cpu["other_pct"] for cpu in (result.single_cpu, result.cpu) if cpu is not None]
    return max(shares, default=0.0)


def measure_row(
    server: Gunicorn,
    row: Row,
    cookie: str | None,
    args: argparse.Namespace,
    workdir: Path,
    pg_database: str | None,
) -> RowResult:
    """One attempt: a correctness check, the single-client run, then the wrk run."""
    result = RowResult(row.key, row.name, row.method, row.path, reference_row=row.reference_row)
    result.calibration_ms = calibrate()
    result.problems = check_row(server.base_url, row, cookie)
    log(f"{row.name}: single client, {WARMUP_REQUESTS} warm-up + {SINGLE_CLIENT_REQUESTS} requests")
    meter = CpuMeter(server.pid, pg_database)
    result.single, problems = single_client(server.base_url, row, cookie)
    result.single_cpu = meter.stop()
    result.problems += problems
    log(f"{row.name}: wrk {args.connections} connections, {args.duration}s")
    meter = CpuMeter(server.pid, pg_database)
    result.load = run_wrk(server.base_url, row, cookie, args, workdir)
    result.cpu = meter.stop()
    result.problems += load_problems(row, result.load)
    return result


def bench_row(
    server: Gunicorn,
    row: Row,
    cookie: str | None,
    args: argparse.Namespace,
    workdir: Path,
    pg_database: str | None,
) -> RowResult:
    """Measure a row; when other processes disturbed it, measure again and keep the least disturbed attempt."""
    attempts: list[RowResult] = []
    for attempt in range(args.retries + 1):
        wait_for_quiet(args.wait_quiet)
        attempts.append(measure_row(server, row, cookie, args, workdir, pg_database))
        other = disturbance(attempts[-1])
        if attempts[-1].problems or other <= OTHER_CPU_WARN_PCT:
            break
        if attempt < args.retries:
            log(f"{row.name}: other processes took {other:.0f}% of the machine; measuring again")
    result = attempts[-1] if attempts[-1].problems else min(attempts, key=disturbance)
    result.attempts = len(attempts)
    result.discarded_attempts = [
        {
            "requests_per_sec": a.load.requests_per_sec if a.load else None,
            "single_p95_ms": a.single.p95_ms if a.single else None,
            "other_cpu_pct": disturbance(a),
        }
        for a in attempts
        if a is not result
    ]
    if row.needs_auth:  # the session must still be good after the run, or the numbers are for the log-in page
        # A GET of the home page asks the session without writing anything (a POST row would).
        status, _, _ = request_once(server.base_url, "GET", "/", headers={"Cookie": cookie or ""})
        if status != 200:
            result.problems.append(f"after the run, / with the session answers {status}")
    result.server_log = summarise_log(server.log_since_mark())
    if SERVER_LOG_ERROR.search(result.server_log):
        result.problems.append("gunicorn/Django logged an error during this row (see the server log below)")
    for problem in result.problems:
        log(f"  PROBLEM: {problem}")
    return result


# --------------------------------------------------------------------------- report


def row_status(r: RowResult) -> str:
    if r.problems:
        return "PROBLEMS"
    if disturbance(r) > OTHER_CPU_WARN_PCT:
        return "ok, but machine busy"
    return "ok"


def format_table(results: list[DatabaseResult]) -> str:
    header = [
        "database",
        "row",
        "req/s",
        "p50 ms",
        "p99 ms",
        "1-client p95 ms",
        "vs ref",
        "other CPU",
        "status",
    ]
    numeric = {2, 3, 4, 5, 7}
    lines: list[list[str]] = []
    for db in results:
        if db.skipped:
            lines.append([db.database, "skipped (see below)"] + [""] * 7)
            continue
        for r in db.rows:
            load, single = r.load, r.single
            ratio = f"{r.ratio_to_reference:.2f}× ({r.reference_row})" if r.ratio_to_reference else ""
            lines.append(
                [
                    db.database,
                    r.name,
                    f"{load.requests_per_sec:,.0f}" if load else "-",
                    f"{load.p50_ms:.1f}" if load else "-",
                    f"{load.p99_ms:.1f}" if load else "-",
                    f"{single.p95_ms:.1f}" if single else "-",
                    ratio,
                    f"{disturbance(r):.0f}%" if r.cpu else "?",
                    row_status(r),
                ]
            )
        if db.error:
            status = "INTERRUPTED" if db.error == "interrupted" else "FAILED (see below)"
            lines.append([db.database, status] + [""] * 7)
    widths = [max([len(h)] + [len(line[i]) for line in lines]) for i, h in enumerate(header)]

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    legend = (
        "req/s, p50, p99: wrk under load. 1-client p95: 200 sequential requests after 20 warm-up.\n"
        "other CPU: share of the machine taken by processes other than gunicorn, PostgreSQL and wrk during the\n"
        f"single-client or the load run, whichever is larger; above {OTHER_CPU_WARN_PCT:.0f}% a row is measured again "
        "and the least disturbed attempt is kept."
    )
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines), "", legend])


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def export_revision(rev: str, into: Path) -> str:
    """Extract the files of commit `rev` into `into` (git archive; the repository is not touched)."""
    sha = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha], cwd=ROOT, capture_output=True, check=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return sha


def describe_source(args: argparse.Namespace, sha: str | None) -> str:
    if sha:
        return f"{sha[:10]} (clean export of --rev {args.rev})"
    try:
        head = git("rev-parse", "--short=10", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except BenchError:
        return "working tree (not a git checkout)"
    return f"{head}{' + uncommitted changes' if dirty else ''} (working tree)"


def metadata(args: argparse.Namespace, source: str) -> dict[str, Any]:
    return {
        "timestamp": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "source": source,
        "host": platform.node(),
        "platform": platform.platform(),
        "cores": usable_cores(),
        "python": platform.python_version(),
        "gunicorn": version_of([str(GUNICORN), "--version"]),
        "wrk": version_of(["wrk", "--version"]),
        "settings": SETTINGS_MODULE,
        "workers": args.workers,
        "worker_class": "sync",
        "duration_s": args.duration,
        "connections": args.connections,
        "wrk_threads": min(args.threads, args.connections),
        "single_client": {"warmup": WARMUP_REQUESTS, "requests": SINGLE_CLIENT_REQUESTS},
    }


def figures_of(results: list[DatabaseResult]) -> list[dict[str, Any]]:
    """Every row in the shape of bench/figures.py: judged on its ratio where the row has a goal for it,
    otherwise kept for information (req/s, p99, the single-client p95, and the ratio when it has one)."""
    goals = {row.key: row.ratio_goal for row in ROWS}
    found: list[dict[str, Any]] = []
    for db in results:
        if db.skipped:
            found.append(shape.skipped("HTTP rows", db.skipped, db=db.database))
            continue
        for r in db.rows:
            load, single = r.load, r.single
            measured = ", ".join(
                part
                for part in (
                    f"{load.requests_per_sec:,.0f} req/s, p99 {load.p99_ms:.1f} ms" if load else "",
                    f"1-client p95 {single.p95_ms:.1f} ms" if single else "",
                    f"other CPU {disturbance(r):.0f}%" if disturbance(r) > OTHER_CPU_WARN_PCT else "",
                )
                if part
            )
            goal = goals.get(r.key)
            if goal is not None and r.ratio_to_reference is None and not r.problems:
                # The reference row was not among --rows: nothing to judge the ratio on.
                found.append(
                    shape.info(
                        r.name,
                        f"{measured or 'not measured'} (no ratio: {r.reference_row} not measured)",
                        value=load.requests_per_sec if load else None,
                        db=db.database,
                    )
                )
            elif goal is not None:
                found.append(
                    shape.at_least(
                        r.name,
                        r.ratio_to_reference,
                        goal,
                        target=f"≥ {goal:g}× {r.reference_row} req/s",
                        measured=measured or "not measured",
                        ratio=r.ratio_to_reference,
                        db=db.database,
                    )
                )
            else:
                found.append(
                    shape.info(
                        r.name,
                        measured or "not measured",
                        value=load.requests_per_sec if load else None,
                        ratio=r.ratio_to_reference,
                        db=db.database,
                    )
                )
            if r.problems:
                found.append(
                    shape.failed(
                        f"  {r.name}: checks", "; ".join(r.problems), target="no problems", db=db.database
                    )
                )
        if db.error:
            found.append(shape.failed("HTTP rows", db.error.splitlines()[0], db=db.database))
    return found


def write_json(path: Path, meta: dict[str, Any], results: list[DatabaseResult]) -> None:
    payload = {"meta": meta, "rows": [asdict(row) for row in ROWS], "results": [asdict(r) for r in results]}
    shape.write(path, "run", figures_of(results), payload)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk load per row (default 10)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * usable_cores() + 1,
        help="gunicorn sync workers (default 2×cores+1)",
    )
    parser.add_argument(
        "--rows", help="comma-separated row keys to run (default: all): " + ", ".join(r.key for r in ROWS)
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=300,
        help="before each row, wait up to this many seconds for other processes to leave the CPU (default 300)",
    )
    parser.add_argument(
        "--retries",
        type=int,
        default=3,
        help="measure a row again (up to this many times) when other processes disturbed it (default 3)",
    )
    parser.add_argument(
        "--rev",
        help="benchmark a clean `git archive` of this commit (e.g. HEAD) instead of the working tree",
    )
    parser.add_argument(
        "--json", type=Path, help="where to write the results (default bench/results/<timestamp>.json)"
    )
    args = parser.parse_args(argv)
    if args.retries < 0 or args.wait_quiet < 0:
        parser.error("--retries and --wait-quiet must not be negative")
    if args.duration < 1 or args.connections < 1 or args.workers < 1 or args.threads < 1:
        parser.error("--duration, --connections, --workers and --threads must be positive")
    return args


def select_rows(spec: str | None) -> list[Row]:
    if not spec:
        return list(ROWS)
    wanted = [key.strip() for key in spec.split(",") if key.strip()]
    known = {row.key: row for row in ROWS}
    unknown = [key for key in wanted if key not in known]
    if unknown:
        raise SystemExit(f"unknown row(s): {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[key] for key in wanted]


def raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print(
            "wrk is not installed. The load rows need it: install it with\n"
            "    apt-get update && apt-get install -y wrk\n"
            "(or build it from https://github.com/wg/wrk) and run this script again.",
            file=sys.stderr,
        )
        return 2
    if not GUNICORN.exists():
        print(f"{GUNICORN} is missing; run scripts/setup first.", file=sys.stderr)
        return 2
    rows = select_rows(args.rows)
    # Ctrl-C, `kill` and a closed terminal all end the run the same way: gunicorn is stopped first.
    # (SIGINT is set explicitly because a shell starts background jobs with it ignored.)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_keyboard_interrupt)
    signal.signal(signal.SIGHUP, raise_keyboard_interrupt)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = timestamp()
    json_path = args.json or RESULTS_DIR / f"{stamp}.json"
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results: list[DatabaseResult] = []
    with tempfile.TemporaryDirectory(prefix="civicgrid-bench-src-") as export_dir:
        app_root, sha = ROOT, None
        if args.rev:  # measure a commit, not whatever the working tree holds right now
            app_root = Path(export_dir)
            try:
                sha = export_revision(args.rev, app_root)
            except (BenchError, subprocess.CalledProcessError) as exc:
                print(f"cannot export --rev {args.rev}: {exc}", file=sys.stderr)
                return 2
        meta = metadata(args, describe_source(args, sha))
        log(f"source: {meta['source']}")
        try:
            for database in databases:
                results.append(DatabaseResult(database=database))
                bench_database(database, rows, args, stamp, app_root, results[-1])
        except KeyboardInterrupt:
            log("interrupted; gunicorn stopped, partial results follow")
    for result in results:
        add_ratios(result)
    table = format_table(results)
    print()
    print(
        f"CivicGrid bench · {meta['cores']} cores · gunicorn {args.workers} sync workers · "
        f"wrk {meta['wrk_threads']} threads × {args.connections} connections × {args.duration}s · {meta['timestamp']}"
    )
    print(f"source: {meta['source']}")
    calibrations = [r.calibration_ms for db in results for r in db.rows if r.calibration_ms]
    if calibrations:
        print(
            f"CPU calibration: {min(calibrations):.0f}–{max(calibrations):.0f} ms "
            "(a fixed Python workload; compare runs only when it agrees)"
        )
    print(table)
    for f in figures_of(results):
        if f["goal"] is not None:  # the rows with a target for their ratio
            ratio = "—" if f["ratio"] is None else f"{f['ratio']:.2f}×"
            print(f"target: {f['db']} {f['figure']} {f['target']}: {ratio} {shape.result_text(f['pass'])}")
    for db in results:
        if db.database_url:
            print(f"{db.database} cache and sessions: {db.redis_url or 'per process / database'}")
    problems = [(db, r) for db in results for r in db.rows if r.problems]
    for db, r in problems:
        print(f"\n{db.database} · {r.name}:")
        for problem in r.problems:
            print(f"  - {problem}")
        if r.server_log and SERVER_LOG_ERROR.search(r.server_log):
            print("  server log (from the first error):")
            print("\n".join("    " + line for line in r.server_log.splitlines()))
    for db in results:
        if db.error:
            print(f"\n{db.database} failed: {db.error}")
        if db.skipped:
            print(f"\n{db.database} skipped: {db.skipped}")
    write_json(json_path, meta, results)
    print(f"\nresults: {json_path}")
    failed = any(db.error for db in results) or bool(problems) or len(results) < len(databases)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
