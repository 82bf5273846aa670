#!/usr/bin/env python3
"""Activity sign-up under contention: 200 people press "sign up" at the same moment for 50 places.

Issue target: "sign-up must be correct under 200 concurrent sign-ups for 50 places: exactly 50
confirmed, the rest waiting in arrival order."

Usage (from the project root, with the project's .venv; standard library + the project's Django):

    .venv/bin/python bench/activities.py                    # both databases
    .venv/bin/python bench/activities.py --db sqlite --people 200 --places 50 --threads 40

Options: --db sqlite|postgres|both (both), --people 200, --places 50, --threads 40 (each thread holds
one database connection; PostgreSQL here allows 100 in all, shared with whatever else runs),
--json FILE (default bench/results/activities-<timestamp>.json; its "figures" follow bench/figures.py).

For each database, a child process (settings civicgrid.settings.bench, Django in-process):
 1. gets a fresh database: an SQLite file in a temporary directory (removed afterwards), or
    `civicgrid_bench_activities` on postgres://postgres@127.0.0.1:5432 (created by this script and
    dropped at the end; skipped with a note when PostgreSQL does not answer);
 2. runs `migrate`, then makes a street with one community, its head, --people residents and one
    activity with --places places, published by the head (all through the services);
 3. starts --threads threads that wait on one barrier and then take the residents from a shared queue,
    each calling civicgrid.activities.services.signup_create — the code behind the page and the API,
    which locks the activity's row (select_for_update; SQLite serialises writers with BEGIN IMMEDIATE);
 4. checks: confirmed == places, waiting == people − places, the waiting positions are exactly
    1 … people − places, and they follow the order the database served the sign-ups: every place was
    taken before anyone had to wait, and positions rise with the row ids and with the arrival time
    recorded under the lock.

Prints one table: database, sign-ups, confirmed, waiting, positions in order (yes/no), wall ms (from
the barrier's release to the last sign-up) and sign-ups per second. Exit status: 0 when every database
measured met the target (a skipped PostgreSQL does not count against it), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
sys.path.insert(0, str(ROOT / "bench"))
import figures as shape  # noqa: E402  (bench/figures.py: the suite's shape of a figure)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "civicgrid_bench_activities"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- driver


def postgres_create() -> str | None:
    """Create the bench database; None (with the reason logged) when PostgreSQL does not answer."""
    try:
        import psycopg
    except ImportError as exc:
        log(f"postgres skipped: psycopg is not importable ({exc})")
        return None
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
    except psycopg.OperationalError as exc:
        log(f"postgres skipped: not reachable at {PG_ADMIN}: {exc}")
        return None
    return PG_URL


def postgres_drop() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


def run_database(kind: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="cg-bench-activities-"))
    try:
        if kind == "sqlite":
            url = f"sqlite:///{workdir / 'activities.sqlite3'}"
        else:
            url = postgres_create()
            if url is None:
                return {"database": kind, "skipped": "PostgreSQL did not answer"}
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "civicgrid.settings.bench",
            "DATABASE_URL": url,
            # Keep any task the services enqueue out of the project's var/huey.sqlite3.
            "HUEY_SQLITE_PATH": str(workdir / "huey.sqlite3"),
            "BENCH_PEOPLE": str(args.people),
            "BENCH_PLACES": str(args.places),
            "BENCH_THREADS": str(args.threads),
        }
        log(
            f"{kind}: migrate, seed, {args.people} sign-ups for {args.places} places on {args.threads} threads"
        )
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-25:])
            return {"database": kind, "error": f"child exited {done.returncode}:\n{tail}"}
        return {"database": kind, **json.loads(done.stdout.strip().splitlines()[-1])}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if kind == "postgres":
            try:
                postgres_drop()
            except Exception as exc:  # report it; the measurement stands
                log(f"postgres: could not drop {PG_DB}: {exc}")


def format_table(results: list[dict]) -> str:
    header = ("database", "sign-ups", "confirmed", "waiting", "positions in order", "wall ms", "sign-ups/s")
    rows = [header]
    for r in results:
        if r.get("skipped") or r.get("error"):
            rows.append((r["database"], "—", "—", "—", "—", "—", r.get("skipped") or "FAILED"))
            continue
        rows.append(
            (
                r["database"],
                str(r["signups"]),
                str(r["confirmed"]),
                str(r["waiting"]),
                "yes" if r["in_order"] else "no",
                f"{r['wall_ms']:,.0f}",
                f"{r['signups'] / (r['wall_ms'] / 1000):,.0f}" if r["wall_ms"] else "—",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(widths[i]) for i, cell in enumerate(row) if i]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--people", type=int, default=200)
    parser.add_argument("--places", type=int, default=50)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child()))
        return 0
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run_database(kind, args) for kind in kinds]
    target = (
        f"target: exactly {args.places} confirmed, {args.people - args.places} waiting at positions "
        f"1…{args.people - args.places} in the order served"
    )
    print(target)
    print(format_table(results))
    ok = True
    found = []
    name = f"{args.people} concurrent sign-ups for {args.places} places"
    goal = f"{args.places} confirmed + {args.people - args.places} waiting in order"
    for r in results:
        if r.get("error"):
            ok = False
            print(f"\n{r['database']} failed:\n{r['error']}")
            found.append(shape.failed(name, r["error"].splitlines()[0], target=goal, db=r["database"]))
        elif r.get("skipped"):
            print(f"\n{r['database']} skipped: {r['skipped']}")
            found.append(shape.skipped(name, r["skipped"], db=r["database"]))
        else:
            met = (
                r["confirmed"] == args.places and r["waiting"] == args.people - args.places and r["in_order"]
            )
            ok &= met and not r["refused"]
            if r["refused"]:
                print(f"\n{r['database']}: refused sign-ups: {r['refused']}")
            refused = f", refused: {', '.join(r['refused'])}" if r["refused"] else ""
            found.append(
                shape.check(
                    name,
                    met and not r["refused"],
                    target=goal,
                    measured=(
                        f"{r['confirmed']} confirmed + {r['waiting']} waiting, "
                        f"in order: {'yes' if r['in_order'] else 'no'}{refused}; {r['wall_ms']:,.0f} ms"
                    ),
                    value=r["confirmed"],
                    goal=args.places,
                    db=r["database"],
                )
            )
    path = args.json or RESULTS_DIR / f"activities-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"people": args.people, "places": args.places, "threads": args.threads, "cpus": os.cpu_count()}
    shape.write(path, "activities", found, {"meta": meta, "results": results})
    print(f"\nresults: {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0 if ok else 1


# --------------------------------------------------------------------------- child (Django set up here)


def child() -> dict:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connections

    from civicgrid.accounts.services import user_create
    from civicgrid.activities import services
    from civicgrid.activities.models import Activity, ActivitySignup
    from civicgrid.core import clock
    from civicgrid.core.errors import Conflict
    from civicgrid.org.choices import Role, UnitKind
    from civicgrid.org.services import membership_grant, org_unit_create

    people_count = int(os.environ["BENCH_PEOPLE"])
    places = int(os.environ["BENCH_PLACES"])
    thread_count = int(os.environ["BENCH_THREADS"])

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started

    city = org_unit_create(parent=None, kind=UnitKind.CITY, name="基准市", code="339900")
    district = org_unit_create(parent=city, kind=UnitKind.DISTRICT, name="基准区", code="339901")
    street = org_unit_create(parent=district, kind=UnitKind.STREET, name="基准街道", code="339901001")
    community = org_unit_create(parent=street, kind=UnitKind.COMMUNITY, name="基准社区", code="339901001001")
    head = user_create(username="bench_head", full_name="社区书记")
    membership_grant(user=head, unit=community, role=Role.COMMUNITY_HEAD)
    people = []
    for i in range(1, people_count + 1):
        user = user_create(username=f"bench_resident_{i:04d}", full_name=f"居民{i:04d}", kind="resident")
        membership_grant(user=user, unit=community, role=Role.RESIDENT)
        people.append(user)
    starts = clock.now() + timedelta(days=3)
    activity = services.activity_create(
        actor=head,
        unit=community,
        title="社区乒乓球友谊赛",
        description="先到先得，报满后候补。",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="社区活动室",
        capacity=places,
        audience="all",
    )
    connections.close_all()  # each thread opens its own connection

    todo: queue.Queue = queue.Queue()
    for user in people:
        todo.put(user)
    moments: dict[str, float] = {}
    barrier = threading.Barrier(thread_count, action=lambda: moments.setdefault("go", time.perf_counter()))
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker():
        try:
            barrier.wait()
            while True:
                try:
                    user = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    signup = services.signup_create(actor=user, activity=Activity.objects.get(pk=activity.pk))
                    outcome = signup.status
                except Conflict as error:
                    outcome = error.code
                with lock:
                    outcomes.append(outcome)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(thread_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall_ms = (time.perf_counter() - moments["go"]) * 1000

    rows = list(ActivitySignup.objects.filter(activity=activity).order_by("pk"))
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = [r for r in rows if r.status == "waiting"]
    in_order = (
        [r.position for r in waiting] == list(range(1, len(waiting) + 1))
        and (not confirmed or not waiting or max(r.pk for r in confirmed) < min(r.pk for r in waiting))
        and [r.created_at for r in waiting] == sorted(r.created_at for r in waiting)
    )
    activity.refresh_from_db()
    return {
        "signups": len(outcomes),
        "confirmed": len(confirmed),
        "waiting": len(waiting),
        "in_order": in_order,
        "counters": [activity.confirmed_count, activity.waiting_count],
        "refused": sorted(set(outcomes) - {"confirmed", "waiting"}),
        "wall_ms": round(wall_ms, 1),
        "threads": thread_count,
        "migrate_s": round(migrate_s, 1),
        "vendor": connections["default"].vendor,
    }


if __name__ == "__main__":
    sys.exit(main())
