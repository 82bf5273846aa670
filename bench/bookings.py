#!/usr/bin/env python3
"""Shared resources (资源共享): a hundred people book the same slot at the same moment.

Issue target: "Two bookings can never overlap for the same resource (enforced by the database, not only
by the form)": 100 concurrent attempts on one slot give exactly 1 confirmed booking and 99 refusals.

Usage (from the project root; needs the project's .venv):

    .venv/bin/python bench/bookings.py                    # both databases, 100 attempts
    .venv/bin/python bench/bookings.py --db sqlite --attempts 50

Options: --db sqlite|postgres|both (both), --attempts 100, --json FILE (default
bench/results/bookings-<timestamp>.json: the rows below and their figures in the shape of
bench/figures.py).

For each database it
 1. makes a fresh database: an SQLite file in a temporary directory (removed afterwards), or
    `civicgrid_bench_bookings` on postgres://postgres@127.0.0.1:5432 (dropped and re-created, and
    dropped again at the end; skipped with a note when PostgreSQL does not answer);
 2. in a child process (settings civicgrid.settings.bench, Django in-process, no web server): runs
    `migrate`, then seeds a street with one community, a room open every day 08:00–21:00 in 60-minute
    slots that confirms bookings at once, and --attempts verified residents;
 3. starts one thread per resident, each with its own database connection, held at a start line and
    released together; every thread calls the booking service (`bookings.services.booking_create`,
    the same code the page and the API call) for tomorrow 10:00–11:00. SQLite serialises the writers
    (BEGIN IMMEDIATE, busy_timeout) and its triggers refuse the overlap; PostgreSQL runs them at once
    and its exclusion constraint refuses it. PostgreSQL allows 100 connections in all and may be
    shared, so at most as many threads hold a connection at a time as are free, less a margin of 10
    (the "open" column); every attempt still has a connection of its own;
 4. counts the outcomes — confirmed, refused ("该时段已被预约"), anything else — and checks in the
    database that exactly one blocking booking holds the slot.

Prints one row per database: database, attempts, confirmed, refused, errors, wall ms (from the release
of the threads to the last one done), open (connections at most at once), and the verdict. Exit status:
0 every database gave exactly 1 confirmed booking; 1 otherwise (or a database failed). Standard library
only in this process (plus psycopg from the venv to create and drop the PostgreSQL database).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import figures as shape  # noqa: E402  (bench/figures.py: the suite's shape of a figure)

PYTHON = ROOT / ".venv" / "bin" / "python"
SETTINGS_MODULE = "civicgrid.settings.bench"

PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "civicgrid_bench_bookings"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
PG_SPARE_CONNECTIONS = 10


class Skipped(Exception):
    pass


def log(message: str) -> None:
    print(f"[bookings] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- parent: databases


def pg_admin(statement: str) -> None:
    try:
        import psycopg
    except ImportError as exc:
        raise Skipped(f"psycopg is not importable from {sys.executable}: {exc}") from exc
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)
    except psycopg.OperationalError as exc:
        raise Skipped(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}".strip()) from exc


def run_child(database_url: str, attempts: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "SHARED_CACHE")}
    env |= {"DJANGO_SETTINGS_MODULE": SETTINGS_MODULE, "DATABASE_URL": database_url}
    done = subprocess.run(
        [str(PYTHON), str(Path(__file__).resolve()), "--child", "--attempts", str(attempts)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"child failed (exit {done.returncode}):\n" + "\n".join(done.stderr.splitlines()[-30:])
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench_sqlite(attempts: int) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="civicgrid-bench-bookings-"))
    try:
        return run_child(f"sqlite:///{workdir / 'bench.sqlite3'}", attempts)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def bench_postgres(attempts: int) -> dict:
    pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{PG_DB}"')
    try:
        return run_child(PG_URL, attempts)
    finally:
        pg_admin(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')


# --------------------------------------------------------------------------- child: Django in-process


def seed(attempts: int):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from civicgrid.bookings.models import OpeningHours, Resource
    from civicgrid.org.choices import Role, UnitKind
    from civicgrid.org.models import Membership
    from civicgrid.org.services import org_unit_create
    from civicgrid.portal.models import Verification

    User = get_user_model()
    now = timezone.now()
    city = org_unit_create(parent=None, kind=UnitKind.CITY, name="杭州市", code="330100")
    district = org_unit_create(parent=city, kind=UnitKind.DISTRICT, name="上城区", code="330102")
    street = org_unit_create(parent=district, kind=UnitKind.STREET, name="凯旋街道", code="330102010")
    community = org_unit_create(parent=street, kind=UnitKind.COMMUNITY, name="凯旋社区", code="330102010001")
    owner = User.objects.create(username="head01", full_name="社区书记")
    Membership.objects.create(user=owner, unit=community, role=Role.COMMUNITY_HEAD)
    room = Resource.objects.create(
        unit=community,
        kind="room",
        name="党群服务中心会议室",
        capacity=20,
        needs_approval=False,
        slot_minutes=60,
        created_by=owner,
        created_at=now,
        updated_at=now,
    )
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=room, weekday=d, opens=_time(8), closes=_time(21)) for d in range(7)
    )
    User.objects.bulk_create(
        User(username=f"resident{i:03d}", full_name=f"居民{i:03d}", kind="resident") for i in range(attempts)
    )
    residents = list(User.objects.filter(kind="resident").order_by("pk"))
    Membership.objects.bulk_create(Membership(user=u, unit=community, role=Role.RESIDENT) for u in residents)
    Verification.objects.bulk_create(
        Verification(
            user=u,
            full_name=u.full_name,
            id_masked="3301**********0000",
            unit=community,
            status="confirmed",
            created_at=now,
        )
        for u in residents
    )
    return room, residents


def _time(hour: int):
    from datetime import time as clock_time

    return clock_time(hour)


def connection_budget(wanted: int) -> int:
    from django.db import connection

    if connection.vendor != "postgresql":
        return wanted
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)"
        )
        free = cursor.fetchone()[0]
    connection.close()
    return max(4, min(wanted, free - PG_SPARE_CONNECTIONS))


def child(attempts: int) -> dict:
    import django

    django.setup()
    from datetime import datetime, timedelta

    from django.core.management import call_command
    from django.db import OperationalError, connection, connections
    from django.utils import timezone

    from civicgrid.bookings import services
    from civicgrid.bookings.models import Booking
    from civicgrid.core.errors import Conflict

    call_command("migrate", verbosity=0, interactive=False)
    room, residents = seed(attempts)
    day = timezone.localdate() + timedelta(days=1)
    starts_at = timezone.make_aware(datetime.combine(day, _time(10)))
    ends_at = starts_at + timedelta(hours=1)
    vendor = connection.vendor
    budget = connection_budget(len(residents))
    gate = threading.Semaphore(budget)
    start = threading.Event()
    lock = threading.Lock()
    outcomes: list[str] = []
    open_now = [0, 0]  # current, most at once

    def attempt(user):
        start.wait()
        with gate:
            with lock:
                open_now[0] += 1
                open_now[1] = max(open_now[1], open_now[0])
            outcome = "error"
            try:
                for _ in range(100):
                    try:
                        services.booking_create(
                            actor=user,
                            resource=room,
                            starts_at=starts_at,
                            ends_at=ends_at,
                            attendees=2,
                            purpose="楼道长例会",
                        )
                        outcome = "confirmed"
                        break
                    except Conflict as error:
                        outcome = "refused" if error.code == "slot_taken" else f"error: {error.code}"
                        break
                    except OperationalError as error:  # a neighbour holds the last connections for a moment
                        if "too many clients" not in str(error):
                            raise
                        connections.close_all()
                        time.sleep(0.05)
            except Exception as error:
                outcome = f"error: {error!r}"
            finally:
                connections.close_all()
                with lock:
                    open_now[0] -= 1
                    outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(user,)) for user in residents]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    start.set()
    for thread in threads:
        thread.join()
    wall_ms = (time.perf_counter() - started) * 1000
    held = Booking.objects.filter(resource=room, status__in=["pending", "confirmed"]).count()
    errors = [o for o in outcomes if o.startswith("error")]
    for text in sorted(set(errors))[:5]:
        log(f"{vendor}: {text}")
    return {
        "database": vendor,
        "attempts": len(outcomes),
        "confirmed": outcomes.count("confirmed"),
        "refused": outcomes.count("refused"),
        "errors": len(errors),
        "held_in_database": held,
        "wall_ms": round(wall_ms, 1),
        "open_connections": open_now[1],
        "connection_budget": budget,
    }


# --------------------------------------------------------------------------- table


def verdict(row: dict) -> str:
    ok = row["confirmed"] == 1 and row["held_in_database"] == 1 and row["errors"] == 0
    ok = ok and row["refused"] == row["attempts"] - 1
    return "pass" if ok else "FAIL"


def print_table(rows: list[dict]) -> None:
    header = f"{'database':<10}{'attempts':>9}{'confirmed':>11}{'refused':>9}{'errors':>8}{'wall ms':>10}{'open':>6}  target: 1 confirmed"
    print(header)
    for row in rows:
        if row.get("skipped"):
            print(f"{row['database']:<10}  skipped: {row['skipped']}")
            continue
        print(
            f"{row['database']:<10}{row['attempts']:>9}{row['confirmed']:>11}{row['refused']:>9}"
            f"{row['errors']:>8}{row['wall_ms']:>10,.1f}{row['open_connections']:>6}  {verdict(row)}"
        )


def figures_of(rows: list[dict]) -> list[dict]:
    found = []
    for row in rows:
        name = "concurrent bookings of one slot"
        if row.get("skipped", "").startswith("failed: "):
            found.append(shape.failed(name, row["skipped"][len("failed: ") :], db=row["database"]))
        elif row.get("skipped"):
            found.append(shape.skipped(name, row["skipped"], db=row["database"]))
        else:
            found.append(
                shape.check(
                    f"{name} ({row['attempts']} at once)",
                    verdict(row) == "pass",
                    target=f"exactly 1 confirmed, {row['attempts'] - 1} refused",
                    measured=(
                        f"{row['confirmed']} confirmed, {row['refused']} refused, {row['errors']} errors, "
                        f"{row['held_in_database']} held in the database; {row['wall_ms']:,.0f} ms"
                    ),
                    value=row["confirmed"],
                    goal=1,
                    db=row["database"],
                )
            )
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--attempts", type=int, default=100)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        print(json.dumps(child(args.attempts)))
        return 0
    rows, failed = [], False
    for name, bench in (("sqlite", bench_sqlite), ("postgres", bench_postgres)):
        if args.db not in (name, "both"):
            continue
        log(f"{name}: fresh database, {args.attempts} residents, {args.attempts} threads")
        try:
            rows.append(bench(args.attempts))
        except Skipped as note:
            rows.append({"database": name, "skipped": str(note)})
        except Exception as error:
            log(f"{name}: {error}")
            rows.append({"database": name, "skipped": f"failed: {str(error).splitlines()[0]}"})
            failed = True
    print_table(rows)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.json or ROOT / "bench" / "results" / f"bookings-{stamp}.json"
    shape.write(path, "bookings", figures_of(rows), {"attempts": args.attempts, "rows": rows})
    print(f"\nresults: {path}")
    failed = failed or any(verdict(r) != "pass" for r in rows if not r.get("skipped"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
