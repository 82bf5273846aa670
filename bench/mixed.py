#!/usr/bin/env python3
"""Mixed load on the production profile: how many requests per second the platform sustains when
grid workers, residents and reporters use it at once, against the 20-row reference list.

Usage (from the project root; needs wrk and locust in the venv — see bench/README.md):

    .venv/bin/python bench/mixed.py                              # 1, 2 and 4 web workers, demo street
    .venv/bin/python bench/mixed.py --web 2 --steps 8,16,32 --measure 15
    .venv/bin/python bench/mixed.py --synth                      # `manage.py synth` data instead
    .venv/bin/python bench/mixed.py --json bench/results/mixed.json

The profile is the production one (civicgrid.settings.production with LOOPBACK_HTTP=1 and
BENCH_ENDPOINTS=1: plain http on 127.0.0.1, the reference endpoint on): PostgreSQL database
`civicgrid_prod` (emptied first: its public schema is dropped and made again), Redis database 12
for cache, sessions and the task queue (emptied first; FLUSHDB of that database only), gunicorn with
sync workers as bench/run.py starts it, and --consumers `manage.py run_huey` task workers.

1. prepare once: collectstatic (the manifest the production storage needs), migrate, the demo street
   (or `synth` with --synth), 20 BenchRow rows, and the people the load uses (grid workers and
   residents; no role that needs a second factor), read from the database;
2. for each --web count: start gunicorn, measure the reference `GET /api/v1/bench/list` with wrk
   (--ref-duration s, 16 connections: its throughput and p99), then step the number of locust users
   (--steps) with bench/locustfile.py headless: each step logs every user in, warms up (--warmup s),
   and measures a window (--measure s) after resetting the statistics. A step passes when its p99 is
   ≤ 500 ms and no request failed; stepping stops at the first step that does not. The sustained
   figure is the best req/s of a passing step;
3. print one table and write JSON (--json, default bench/results/mixed-<UTC timestamp>.json) with
   "figures" (what the benchmark suite reads) and everything measured.

The machine may be shared: for every measurement the share of the CPU taken by processes other than
gunicorn, PostgreSQL, wrk/locust and this script ("other CPU", from /proc) is recorded and printed;
the task workers count as other. A disturbed figure is shown as such, not measured again (a step
takes ~40 s).

Exit status: 0 all targets met, 3 a target missed, 1 a failure (setup, server errors), 2 a tool missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))
import run as harness  # noqa: E402  (bench/run.py: definitions only, main() behind __name__)

ROOT = harness.ROOT
PYTHON = harness.PYTHON
LOCUST = harness.VENV_BIN / "locust"
LOCUSTFILE = BENCH_DIR / "locustfile.py"
SETTINGS_MODULE = "civicgrid.settings.production"
POSTGRES_HOST = "postgres://postgres@127.0.0.1:5432"
DATABASE = "civicgrid_prod"
REDIS_DB = 12
P99_LIMIT_MS = 500
TARGET_RATIO = 0.5
REFERENCE = harness.Row(
    "ninja_list", "GET /api/v1/bench/list", "GET", "/api/v1/bench/list", expect_json_items=20
)
log = harness.log

# Read in the database by the profile's own settings: who logs in, and which categories they report.
PEOPLE_CODE = """
import json
from django.conf import settings
from civicgrid.accounts.models import User
from civicgrid.cases.models import Category
from civicgrid.org.models import Membership

second_factor = set(
    Membership.objects.filter(role__in=settings.OTP_REQUIRED_ROLES).values_list("user_id", flat=True)
)
workers = [
    [username, unit_id]
    for user_id, username, unit_id in Membership.objects.filter(
        role="grid_worker", is_active=True, user__is_active=True, unit__kind="grid"
    ).order_by("user__username").values_list("user_id", "user__username", "unit_id")
    if user_id not in second_factor
][:400]
residents = [
    u.phone
    for u in User.objects.filter(memberships__role="resident", memberships__is_active=True, is_active=True)
    .exclude(pk__in=second_factor).order_by("username").distinct()[:200]
    if u.phone
]
categories = list(
    Category.objects.filter(is_active=True).exclude(code="suggestion").order_by("code").values_list("code", flat=True)
)
print(json.dumps({"grid_workers": workers, "residents": residents, "categories": categories}))
"""


# --------------------------------------------------------------------------- the profile


def reset_database() -> str:
    """Empty civicgrid_prod (create it if missing) by dropping its public schema: DROP DATABASE would
    wait for every backend of the server to acknowledge it, which a stuck client elsewhere can hold up."""
    import psycopg

    try:
        with psycopg.connect(f"{POSTGRES_HOST}/postgres", autocommit=True, connect_timeout=5) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone():
                conn.execute(f'CREATE DATABASE "{DATABASE}"')
        with psycopg.connect(f"{POSTGRES_HOST}/{DATABASE}", autocommit=True, connect_timeout=5) as conn:
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    except psycopg.OperationalError as exc:
        raise harness.BenchError(f"PostgreSQL does not answer at {POSTGRES_HOST}: {exc}") from exc
    return f"{POSTGRES_HOST}/{DATABASE}"


def reset_redis() -> str:
    """Empty Redis database 12 (FLUSHDB: that database only) and return its URL."""
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
            sock.sendall(f"SELECT {REDIS_DB}\r\nFLUSHDB\r\n".encode())
            reply = b""
            while reply.count(b"\r\n") < 2:
                chunk = sock.recv(256)
                if not chunk:
                    break
                reply += chunk
    except OSError as exc:
        raise harness.BenchError(f"Redis does not answer at 127.0.0.1:6379: {exc}") from exc
    if reply != b"+OK\r\n+OK\r\n":
        raise harness.BenchError(f"Redis refused SELECT {REDIS_DB} / FLUSHDB: {reply!r}")
    return f"redis://127.0.0.1:6379/{REDIS_DB}"


def profile_env(database_url: str, redis_url: str) -> dict[str, str]:
    """The production settings over loopback http (the keys come from .env, as scripts/prod reads them)."""
    env = {k: v for k, v in os.environ.items() if k not in ("ALLOWED_HOSTS", "SECURE_SSL_REDIRECT")}
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
        LOOPBACK_HTTP="1",
        BENCH_ENDPOINTS="1",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def synth_available(env: dict[str, str]) -> bool:
    done = subprocess.run(
        [str(PYTHON), "manage.py", "help", "synth"], cwd=ROOT, env=env, capture_output=True, timeout=120
    )
    return done.returncode == 0


def static_up_to_date() -> bool:
    """staticfiles/ was collected after every static source and dependency install changed (as
    scripts/prod decides): collectstatic compresses every file again, minutes on a small machine."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return False
    written = manifest.stat().st_mtime
    locks = [ROOT / ".venv" / ".civicgrid-lock", ROOT / "node_modules" / ".civicgrid-lock"]
    sources = [p for p in (ROOT / "civicgrid").rglob("static/**/*") if p.is_file()]
    return all(p.stat().st_mtime <= written for p in [*locks, *sources] if p.exists())


def prepare(env: dict[str, str], args: argparse.Namespace, workdir: Path) -> tuple[Path, dict]:
    """collectstatic, migrate, the data, the reference rows; the people file for locust."""
    data: dict[str, Any] = {"source": "demo street"}
    if not args.skip_collectstatic and not static_up_to_date():
        log("collectstatic")
        harness.manage(ROOT, env, "collectstatic", "--noinput", "-v0", timeout=1800)
    log("migrate")
    harness.manage(ROOT, env, "migrate", "--noinput", "-v0")
    if args.synth and synth_available(env):
        log(f"synth {args.synth_args}")
        harness.manage(ROOT, env, "synth", *args.synth_args.split(), timeout=3600)
        data["source"] = f"manage.py synth {args.synth_args}"
    else:
        if args.synth:
            log("manage.py synth is not available: using the demo street")
            data["synth_missing"] = True
        log("demo --quiet-logins")
        harness.manage(ROOT, env, "demo", "--quiet-logins")
    count = harness.manage(
        ROOT, env, "shell", "--no-imports", "-c", harness.SEED_CODE.format(n=harness.SEED_ROWS)
    )
    if int(count.split()[-1]) < harness.SEED_ROWS:
        raise harness.BenchError("the reference rows (BenchRow) were not seeded")
    people = json.loads(
        harness.manage(ROOT, env, "shell", "--no-imports", "-c", PEOPLE_CODE).strip().splitlines()[-1]
    )
    people["password"] = args.password
    if not people["grid_workers"]:
        raise harness.BenchError("no grid worker without a second factor in the database")
    data["grid_workers"] = len(people["grid_workers"])
    data["residents"] = len(people["residents"])
    path = workdir / "people.json"
    path.write_text(json.dumps(people, ensure_ascii=False), encoding="utf-8")
    return path, data


class Consumers:
    """M `manage.py run_huey` processes, each in its own process group, logging to one file."""

    def __init__(self, env: dict[str, str], count: int, log_path: Path):
        self.env, self.count, self.log_path = env, count, log_path
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Consumers:
        with self.log_path.open("ab") as out:
            for _ in range(self.count):
                self.processes.append(
                    subprocess.Popen(
                        [str(PYTHON), "manage.py", "run_huey"],
                        cwd=ROOT,
                        env=self.env,
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        return self

    def __exit__(self, *exc_info: object) -> None:
        for process in self.processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.processes)


# --------------------------------------------------------------------------- measurements


def measure_reference(server: harness.Gunicorn, args: argparse.Namespace, workdir: Path) -> dict:
    problems = harness.check_row(server.base_url, REFERENCE, None)
    if problems:
        raise harness.BenchError(f"reference check: {problems}")
    harness.wait_for_quiet(args.wait_quiet)
    options = SimpleNamespace(threads=2, connections=16, duration=args.ref_duration)
    meter = harness.CpuMeter(server.pid, DATABASE)
    load = harness.run_wrk(server.base_url, REFERENCE, None, options, workdir)
    cpu = meter.stop()
    problems = harness.load_problems(REFERENCE, load)
    return {
        "req_s": round(load.requests_per_sec, 1),
        "p50_ms": load.p50_ms,
        "p99_ms": load.p99_ms,
        "requests": load.requests,
        "statuses": load.statuses,
        "problems": problems,
        "cpu": cpu,
    }


def run_step(
    server: harness.Gunicorn, users: int, people: Path, args: argparse.Namespace, workdir: Path, web: int
) -> dict:
    result_path = workdir / f"locust-web{web}-u{users}.json"
    result_path.unlink(missing_ok=True)
    env = dict(os.environ)
    env.update(
        MIXED_PEOPLE=str(people),
        MIXED_RESULT=str(result_path),
        MIXED_WARMUP=str(args.warmup),
        MIXED_MEASURE=str(args.measure),
    )
    command = [
        str(LOCUST),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        server.base_url,
        "--users",
        str(users),
        "--spawn-rate",
        str(max(users / 2, 1)),
        "--run-time",
        f"{int(args.measure + args.warmup + 240)}s",  # a cap: the locustfile stops the run itself
        "--stop-timeout",
        "5",
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    harness.wait_for_quiet(args.wait_quiet)
    meter = harness.CpuMeter(server.pid, DATABASE)
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.measure + args.warmup + 400
    )
    cpu = meter.stop()
    if not result_path.exists():
        raise harness.BenchError(
            f"locust wrote no result (exit {done.returncode}):\n{harness.tail(done.stdout)}\n{harness.tail(done.stderr)}"
        )
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["cpu"] = cpu
    result["users_asked"] = users
    if "error" in result:
        result["passed"] = False
        return result
    result["passed"] = (
        result["failures"] == 0 and result["requests"] > 0 and (result["p99_ms"] or 0) <= P99_LIMIT_MS
    )
    return result


def bench_web(
    web: int, env: dict[str, str], people: Path, args: argparse.Namespace, workdir: Path, stamp: str
) -> dict:
    out: dict[str, Any] = {"web": web, "steps": []}
    log_path = harness.RESULTS_DIR / f"mixed-{stamp}-web{web}-gunicorn.log"
    out["gunicorn_log"] = str(log_path)
    server = harness.Gunicorn(ROOT, env, web, log_path)
    # Each worker loads Django and the word dictionary at boot: on a busy 2-core machine, 4 of them
    # take longer than the harness's default minute.
    try:
        server.start(ready_timeout=300)
    except BaseException:
        server.stop()
        raise
    try:
        first = json.loads(people.read_text(encoding="utf-8"))["grid_workers"][0][0]
        harness.log_in(server.base_url, first, args.password)
        server.mark_log()
        log(f"web {web}: reference GET /api/v1/bench/list, wrk {args.ref_duration}s")
        out["reference"] = measure_reference(server, args, workdir)
        log(
            f"web {web}: reference {out['reference']['req_s']:.0f} req/s, p99 {out['reference']['p99_ms']:.0f} ms"
        )
        for users in args.steps:
            step = run_step(server, users, people, args, workdir, web)
            out["steps"].append(step)
            if "error" in step:
                log(f"web {web}, {users} users: {step['error']}")
                break
            other = (step["cpu"] or {}).get("other_pct")
            log(
                f"web {web}, {users} users: {step['req_s']:.0f} req/s, p99 {step['p99_ms']} ms, "
                f"{step['failures']} failures, other CPU {other}% → {'pass' if step['passed'] else 'stop'}"
            )
            if not step["passed"]:
                break
        out["server_log"] = harness.summarise_log(server.log_since_mark())
    finally:
        server.stop()
    passing = [s for s in out["steps"] if s.get("passed")]
    best = max(passing, key=lambda s: s["req_s"], default=None)
    out["sustained"] = best
    ref = out["reference"]["req_s"]
    out["ratio"] = round(best["req_s"] / ref, 3) if best and ref else None
    return out


# --------------------------------------------------------------------------- report


def figures(results: list[dict]) -> list[dict]:
    rows = []
    for r in results:
        ref = r.get("reference")
        best = r.get("sustained")
        if ref:
            rows.append(
                {
                    "figure": f"reference GET /api/v1/bench/list, {r['web']} web worker(s)",
                    "target": "—",
                    "measured": f"{ref['req_s']:,.0f} req/s, p99 {ref['p99_ms']:.0f} ms (wrk, 16 connections)",
                    "ratio": None,
                    "pass": None,
                }
            )
        measured = f"failed: {r['error'][:80]}" if r.get("error") else "no step passed"
        if best:
            measured = (
                f"{best['req_s']:,.0f} req/s at {best['users']} users, p50 {best['p50_ms']} ms, "
                f"p99 {best['p99_ms']} ms, 0 errors"
            )
        rows.append(
            {
                "figure": f"mixed load sustained (p99 ≤ {P99_LIMIT_MS} ms, 0 errors), {r['web']} web worker(s)",
                "target": f"≥ {TARGET_RATIO} × reference",
                "measured": measured,
                "ratio": r.get("ratio"),
                "pass": None
                if r.get("ratio") is None and not ref
                else bool(r.get("ratio") and r["ratio"] >= TARGET_RATIO),
            }
        )
    return rows


def format_table(rows: list[dict]) -> str:
    header = ("figure", "target", "measured", "ratio", "result")
    body = [
        (
            row["figure"],
            row["target"],
            row["measured"],
            "" if row["ratio"] is None else f"{row['ratio']:.2f}",
            {True: "pass", False: "FAIL", None: ""}[row["pass"]],
        )
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *body]) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
        for line in [header, *body]
    )


def steps_table(results: list[dict]) -> str:
    lines = ["web  users  req/s   p50 ms  p99 ms  failures  other CPU %  result"]
    for r in results:
        for s in r["steps"]:
            if "error" in s:
                lines.append(f"{r['web']:>3}  {s['users_asked']:>5}  {s['error']}")
                continue
            other = (s.get("cpu") or {}).get("other_pct", "?")
            lines.append(
                f"{r['web']:>3}  {s['users']:>5}  {s['req_s']:>6.1f}  {s['p50_ms']:>6}  {s['p99_ms']:>6}  "
                f"{s['failures']:>8}  {other:>11}  {'pass' if s['passed'] else 'stop'}"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--web", default="1,2,4", help="gunicorn worker counts to measure (comma-separated)")
    parser.add_argument("--consumers", type=int, default=1, help="Huey consumers (manage.py run_huey)")
    parser.add_argument("--steps", default="8,16,24,32,48,64,96,128", help="locust user counts, in order")
    parser.add_argument(
        "--warmup", type=float, default=5, help="seconds after the last log-in before measuring"
    )
    parser.add_argument("--measure", type=float, default=20, help="seconds measured per step")
    parser.add_argument("--ref-duration", type=int, default=10, help="seconds of wrk on the reference")
    parser.add_argument(
        "--wait-quiet", type=float, default=10, help="wait up to this long for a quiet machine"
    )
    parser.add_argument(
        "--synth", action="store_true", help="`manage.py synth` data instead of the demo street"
    )
    parser.add_argument("--synth-args", default="--grids 100 --people 10000 --cases 10000 --visits 10000")
    parser.add_argument(
        "--password", default=harness.DEMO_PASSWORD, help="password of the demo/synth accounts"
    )
    parser.add_argument(
        "--skip-collectstatic",
        action="store_true",
        help="never run collectstatic (it runs when a static source is newer than the manifest)",
    )
    parser.add_argument("--json", type=Path, default=None, help="results file")
    args = parser.parse_args(argv)
    args.web = [int(x) for x in args.web.split(",") if x.strip()]
    args.steps = [int(x) for x in args.steps.split(",") if x.strip()]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for tool, hint in (
        ("wrk", "apt-get install -y wrk"),
        (str(LOCUST), ".venv/bin/uv pip install locust==2.47.0"),
        (str(harness.GUNICORN), "scripts/setup"),
    ):
        if not (Path(tool).exists() or shutil.which(tool)):
            print(f"{tool} is missing: {hint}", file=sys.stderr)
            return 2
    signal.signal(signal.SIGTERM, harness.raise_keyboard_interrupt)
    stamp = harness.timestamp()
    harness.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    json_path = args.json or harness.RESULTS_DIR / f"mixed-{stamp}.json"
    meta = {
        "timestamp": stamp,
        "cores": harness.usable_cores(),
        "calibration_ms": harness.calibrate(),
        "settings": SETTINGS_MODULE + " (LOOPBACK_HTTP=1, BENCH_ENDPOINTS=1)",
        "database": f"{POSTGRES_HOST}/{DATABASE}",
        "redis": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "consumers": args.consumers,
        "steps": args.steps,
        "warmup_s": args.warmup,
        "measure_s": args.measure,
        "p99_limit_ms": P99_LIMIT_MS,
        "mix": "60 % grid workers browsing, 20 % case actions, 10 % residents on the portal, 10 % reports",
    }
    results: list[dict] = []
    error = None
    try:
        with tempfile.TemporaryDirectory(prefix="civicgrid-mixed-") as tmp:
            workdir = Path(tmp)
            env = profile_env(reset_database(), reset_redis())
            people, data = prepare(env, args, workdir)
            meta["data"] = data
            consumer_log = harness.RESULTS_DIR / f"mixed-{stamp}-consumers.log"
            meta["consumer_log"] = str(consumer_log)
            with Consumers(env, args.consumers, consumer_log) as consumers:
                for web in args.web:
                    try:
                        results.append(bench_web(web, env, people, args, workdir, stamp))
                    except harness.BenchError as exc:  # this worker count only; the others still run
                        log(f"web {web}: {exc}")
                        results.append({"web": web, "steps": [], "error": str(exc)})
                    if not consumers.alive():
                        raise harness.BenchError(f"a task worker died (log: {consumer_log})")
    except harness.BenchError as exc:
        error = str(exc)
        log(error)
    except KeyboardInterrupt:
        error = "interrupted"
        log("interrupted: reporting what was measured")
    table = figures(results)
    print(
        f"CivicGrid mixed load · production profile · {meta['cores']} cores · {args.consumers} task worker(s) · "
        f"CPU calibration {meta['calibration_ms']} ms · {stamp}"
    )
    print(f"data: {meta.get('data', {}).get('source', '?')} · mix: {meta['mix']}")
    print(format_table(table))
    print()
    print(steps_table(results))
    if error:
        print(f"\nfailed: {error}")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(
        json.dumps(
            {"figures": table, "meta": meta, "results": results, "error": error}, ensure_ascii=False, indent=1
        ),
        encoding="utf-8",
    )
    print(f"\nresults: {json_path}")
    if error or any(r.get("error") for r in results):
        return 1
    return 0 if all(row["pass"] is not False for row in table) else 3


if __name__ == "__main__":
    sys.exit(main())
