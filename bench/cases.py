#!/usr/bin/env python3
"""Problem-flow centre benchmarks on PostgreSQL: the deadline sweep and the centre list over 1 M cases.

    .venv/bin/python bench/cases.py [--cases 1000000] [--sweeps 50] [--runs 200] [--due 10000]
                                    [--no-events] [--keep-indexes] [--no-candidate-index]
                                    [--wait-quiet 120] [--json bench/results/cases-<timestamp>.json]
                                    [--database civicgrid_bench_cases]

The driver makes a fresh database `civicgrid_bench_cases` (or --database; dropped and re-created, left
in place afterwards): migrate, then `demo --scale 0` (the demo street's tree, accounts, SLA policies,
categories, routing rules and calendar; no registry households, no demo cases — checked). Then two
child processes run against it, both with one fixed moment NOW:

1. load — a synthetic loader writes --cases cases by binary COPY (psycopg 3 `cursor.copy()`), spread
   over the street's 169 grids: ~8 % awaiting claim, ~10 % claimed / dispatched / verified, a little
   of every other state, the rest closed; ids follow time (finished cases first). The deadline
   columns follow the SLA policies (working-day limits on the calendar, as sla.add_hours) and are
   consistent with NOW: every open case is either not yet due or already carries the sweep's mark
   (yellow_notified_at / red_at), so a sweep at NOW has nothing to do. The plain indexes are dropped
   for the COPY and rebuilt after it (--keep-indexes: COPY into the indexed table). Unless
   --no-events, the timeline gets one event per step taken (server-side INSERT … SELECT). Then
   VACUUM ANALYZE and a CHECKPOINT.
2. measure —
   * sweep with nothing due: --sweeps timed `sweep(now=NOW)` after warm-up (goal p95 ≤ 50 ms), and
     EXPLAIN ANALYZE of the three queries the sweep sent (captured, not re-typed), checked for the
     partial indexes case_claim_due_open / case_yellow_due_open / case_red_due_open;
   * centre page: the same variants as whole pages (`/cases/?…`) through Django's test client in the
     measuring process, at NOW (time-machine): middleware, session, scoping, rows and chrome (goal
     p95 ≤ 50 ms);
   * centre list: `centre_list(...)` evaluated to its first 50 rows for the community head `head01`
     and the street dispatcher `dispatcher01` — plain, with a category, with light=red — --runs runs
     each after 10 warm-up runs, the user's memberships read afresh each run as in a request (goal
     p95 ≤ 50 ms), with EXPLAIN ANALYZE of each; then the same with candidate indexes built in the
     bench database only (CANDIDATE_INDEXES; dropped again; --no-candidate-index skips this);
   * sweep with --due actions due: 20 % awaiting claim past their claim limit, 40 % held cases past
     their yellow moment, 40 % past their deadline (yellow already notified), made by moving each
     chosen case's whole timeline back; one timed sweep → actions (dispatched + yellow + red) per
     second (goal ≥ 2,000/s), split by step with queries, round-trip and COMMIT time; then a second
     sweep must find nothing.

Each measurement records the share of the machine other processes took meanwhile ("other CPU"); the
driver first waits (up to --wait-quiet seconds) for the machine to be quiet. Prints one table
(figure, target, measured, result) and the plan of the slowest centre list, and writes everything —
samples, plans, SQL, and the table's figures in the shape of bench/figures.py — as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import figures as shape  # noqa: E402  (bench/figures.py: the suite's shape of a figure)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "civicgrid_bench_cases"  # the default of --database
HOUR = 3600.0
DAY = 86400
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SWEEP_INDEXES = ("case_claim_due_open", "case_yellow_due_open", "case_red_due_open")
# Not in the app: built in the bench database only, to see whether indexes would help the centre list —
# the list's order within a status, and the "already red" half of light=red (for a BitmapOr with the
# first index's stage_due_at <= now).
CANDIDATE_INDEXES = {
    "bench_case_status_due": "CREATE INDEX bench_case_status_due ON cases_case (status, stage_due_at, reported_at)",
    "bench_case_red": "CREATE INDEX bench_case_red ON cases_case (status, red_at) WHERE red_at IS NOT NULL",
}
LIST_GOAL_MS = 50.0
SWEEP_GOAL_MS = 50.0
DUE_GOAL_PER_S = 2000.0

# Share of each state; the rest (~80 %) is closed.
MIX = [
    ("awaiting_claim", 0.080),
    ("claimed", 0.040),
    ("dispatched", 0.030),
    ("verified", 0.030),
    ("resolved", 0.008),
    ("dispatcher_queue", 0.003),
    ("reported", 0.002),
    ("disputed", 0.001),
    ("merged", 0.004),
]
# Values of the NOT NULL columns the loader does not always set (Django keeps defaults in Python).
DEFAULTS = {
    "is_anonymous": False,
    "contact_consent": True,
    "severity": 2,
    "warning_level": "",
    "checklist": [],
    "is_public": False,
    "outcome": "",
    "outcome_note": "",
    "return_count": 0,
    "needs_binding_decision": False,
    "status_before_dispute": "",
    "paused_seconds": 0,
    "rating_comment": "",
}
# The timestamps a case's timeline consists of (moved together when a case is made due).
TIMELINE = [
    "reported_at",
    "entered_centre_at",
    "assigned_at",
    "verified_at",
    "resolved_at",
    "closed_at",
    "claim_due_at",
    "verify_due_at",
    "resolve_due_at",
    "dispute_due_at",
    "stage_started_at",
    "stage_due_at",
    "stage_yellow_at",
    "paused_at",
]


def pg_url(database: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{database}"


def fresh_database(database: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    return pg_url(database)


def child_env(args, now: datetime, huey_dir: str) -> dict:
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "civicgrid.settings.bench",
        "DATABASE_URL": pg_url(args.database),
        # Keep any task the sweep enqueues out of the project's var/huey.sqlite3.
        "HUEY_SQLITE_PATH": str(Path(huey_dir) / "huey.sqlite3"),
        "BENCH_NOW": now.isoformat(),
        "BENCH_CASES": str(args.cases),
        "BENCH_SWEEPS": str(args.sweeps),
        "BENCH_RUNS": str(args.runs),
        "BENCH_DUE": str(args.due),
        "BENCH_EVENTS": "0" if args.no_events else "1",
        "BENCH_KEEP_INDEXES": "1" if args.keep_indexes else "0",
        "BENCH_CANDIDATE": "0" if args.no_candidate_index else "1",
        "BENCH_SEED": str(args.seed),
    }


def child(mode: str, env: dict) -> dict:
    """Run one phase in a fresh process; progress goes to stderr, the result is the last stdout line."""
    out = subprocess.run(
        [sys.executable, __file__, "--child"],
        cwd=ROOT,
        env=env | {"BENCH_MODE": mode},
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- other work on the machine (Linux /proc)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
OTHER_CPU_WARN_PCT = 10.0


def machine_cpu_seconds() -> tuple[float, float] | None:
    """(busy, total) CPU seconds since boot over all cores."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / CLOCK_TICKS, sum(fields) / CLOCK_TICKS


def process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, IndexError, ValueError):
        return 0.0


def postgres_aux_pids() -> list[int]:
    """PostgreSQL's own processes (postmaster, WAL writer, checkpointer, …), not client backends."""
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
        if "(" not in title and "[local]" not in title:
            pids.append(int(entry.name))
    return pids


class CpuShare:
    """Share of the machine (100 = all cores) that work other than this process, its database backend
    and PostgreSQL's own processes took while a measurement ran: above ~10 % a neighbour disturbed
    the figure."""

    def __init__(self, backend_pid: int | None):
        self.pids = [p for p in (backend_pid, *postgres_aux_pids()) if p]

    def __enter__(self):
        self.machine = machine_cpu_seconds()
        self.own = self._own()
        return self

    def _own(self) -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        return me.ru_utime + me.ru_stime + sum(process_cpu_seconds(pid) for pid in self.pids)

    def __exit__(self, *exc):
        machine, own = machine_cpu_seconds(), self._own()
        self.other_pct = None
        if machine and self.machine and machine[1] > self.machine[1]:
            busy = machine[0] - self.machine[0] - (own - self.own)
            self.other_pct = round(max(busy, 0.0) * 100 / (machine[1] - self.machine[1]), 1)


def wait_for_quiet(max_wait: float) -> float | None:
    """Wait up to max_wait seconds for the machine to be nearly idle; return the busy share last seen."""
    deadline, announced = time.monotonic() + max_wait, False
    while True:
        before = machine_cpu_seconds()
        time.sleep(1.0)
        after = machine_cpu_seconds()
        if not before or not after or after[1] <= before[1]:
            return None
        busy = round(100 * (after[0] - before[0]) / (after[1] - before[1]), 1)
        if busy <= OTHER_CPU_WARN_PCT:
            return busy
        if time.monotonic() >= deadline:
            log(f"WARNING: the machine is still {busy:.0f}% busy with other work; measuring anyway")
            return busy
        if not announced:
            log(f"the machine is {busy:.0f}% busy with other work; waiting up to {max_wait:.0f} s")
            announced = True


def backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def percentiles(values: list[float]) -> dict:
    values = sorted(values)
    return {
        "n": len(values),
        "p50_ms": statistics.median(values),
        "p95_ms": statistics.quantiles(values, n=20, method="inclusive")[18],
        "max_ms": values[-1],
        "min_ms": values[0],
    }


# ---------------------------------------------------------------- inside the child process


class WorkClock:
    """sla.add_hours / yellow_moment in O(log n) for epoch seconds: a day counts whole when it is a
    workday (weekday rule, CalendarDay overrides), as in civicgrid.cases.sla. Local days are taken at
    the zone's offset at NOW (Asia/Shanghai has no DST)."""

    def __init__(self, first: date, last: date, overrides: dict[date, bool], offset: int):
        n = (last - first).days + 1
        days = [first + timedelta(days=i) for i in range(n)]
        self.work = [overrides.get(d, d.weekday() < 5) for d in days]
        self.cum = [0]
        for w in self.work:
            self.cum.append(self.cum[-1] + (DAY if w else 0))
        self.start = (first - date(1970, 1, 1)).days * DAY - offset
        self.offset = offset

    def w(self, t: float) -> float:
        x = t - self.start
        i = int(x // DAY)
        return self.cum[i] + (x - i * DAY if self.work[i] else 0)

    def t(self, w: float) -> float:
        i = max(bisect_left(self.cum, w) - 1, 0)
        return self.start + i * DAY + (w - self.cum[i])

    def add(self, t: float, hours: float, working: bool) -> float:
        return self.t(self.w(t) + hours * HOUR) if working else t + hours * HOUR

    def yellow(self, start: float, due: float, ratio: float, working: bool) -> float:
        if not working:
            return start + (due - start) * ratio
        ws = self.w(start)
        return self.t(ws + (self.w(due) - ws) * ratio)


class Street:
    """What the loader needs from the demo street, read once."""

    def __init__(self):
        from civicgrid.cases.demo import DESCRIPTIONS
        from civicgrid.cases.models import Category, RoutingRule
        from civicgrid.org.choices import Role, UnitKind
        from civicgrid.org.models import Membership, OrgUnit

        units = list(OrgUnit.objects.order_by("path"))
        by_path = {u.path: u for u in units}
        self.grids = [u for u in units if u.kind == UnitKind.GRID]
        assert len(self.grids) == 169, len(self.grids)
        self.community_of = {g.pk: by_path[g.path[: -OrgUnit.steplen]].pk for g in self.grids}
        self.grid_name = {g.pk: g.name for g in self.grids}
        self.box = {}
        for g in self.grids:
            ring = g.boundary["coordinates"][0]
            self.box[g.pk] = (ring[0][1], ring[2][1] - ring[0][1], ring[0][0], ring[2][0] - ring[0][0])
        self.worker = dict(
            Membership.objects.filter(role=Role.GRID_WORKER, is_active=True).values_list("unit_id", "user_id")
        )
        self.volunteers = list(
            Membership.objects.filter(role=Role.VOLUNTEER).values_list("user_id", flat=True).order_by("pk")
        )
        self.first_department = next(u.pk for u in units if u.kind == UnitKind.DEPARTMENT)
        rules = {r.category_id: r for r in RoutingRule.objects.all()}
        self.categories = []
        for c in Category.objects.select_related("policy").order_by("sort"):
            p = c.policy
            rule = rules.get(c.pk)
            self.categories.append(
                {
                    "id": c.pk,
                    "code": c.code,
                    "policy_id": p.pk,
                    "rewarded": c.is_rewarded,
                    "anonymous": c.allows_anonymous,
                    "claim": float(p.claim_hours),
                    "verify": float(p.verify_hours) if p.verify_hours else None,
                    "resolve": float(p.resolve_hours),
                    "dispute": float(p.dispute_hours) if p.dispute_hours and c.is_rewarded else None,
                    "ratio": float(p.yellow_ratio),
                    "working": p.working_days,
                    "to_community": bool(rule and rule.to_case_community),
                    "department": rule.target_id if rule and rule.target_id else self.first_department,
                    "texts": DESCRIPTIONS[c.code],
                }
            )

    def dispatched_to(self, category: dict, grid_id: int) -> int:
        return self.community_of[grid_id] if category["to_community"] else category["department"]


def case_rows(n: int, now_ts: float, street: Street, clock: WorkClock, seed: int, columns: list[str], times):
    """Yield n COPY rows (ids 1..n, in `columns` order) consistent with the moment now_ts."""
    rng = random.Random(seed)
    rand, uniform, choice = rng.random, rng.uniform, rng.choice
    bounds, acc = [], 0.0
    for status, share in MIX:
        acc += share
        bounds.append((acc, status))
    grids = [g.pk for g in street.grids]
    base = dict.fromkeys(columns) | DEFAULTS
    three_years = 3 * 365 * DAY

    def marks(r: dict, start: float, due: float, yellow: float) -> None:
        """Set the running stage; a passed yellow moment or deadline carries the sweep's mark."""
        r["stage_started_at"], r["stage_due_at"], r["stage_yellow_at"] = start, due, yellow
        if yellow <= now_ts:
            r["yellow_notified_at"] = min(yellow + uniform(1, 300), now_ts - 1)
        if due <= now_ts:
            r["red_at"] = min(due + uniform(1, 300), now_ts - 1)

    def assign(r: dict, cat: dict, assigned: float) -> tuple[float | None, float]:
        """The deadlines set at the first claim or dispatch (services._assignment_fields)."""
        verify_due = assigned + cat["verify"] * HOUR if cat["verify"] else None
        resolve_due = clock.add(assigned, cat["resolve"], cat["working"])
        r["assigned_at"], r["verify_due_at"], r["resolve_due_at"] = assigned, verify_due, resolve_due
        if cat["dispute"]:
            r["dispute_due_at"] = assigned + cat["dispute"] * HOUR
        return verify_due, resolve_due

    def hold(r: dict, cat: dict, grid: int, claimed: bool) -> None:
        """Claimed by the grid worker, or dispatched where the routing rules send it."""
        if claimed:
            r["holder_id"], r["holder_user_id"] = grid, street.worker[grid]
        else:
            r["holder_id"] = street.dispatched_to(cat, grid)

    def held_stage(r: dict, cat: dict, assigned: float, verify_due, resolve_due, verified: bool) -> None:
        """services._held_stage: on-site verification first, then resolution."""
        if not verified and verify_due is not None:
            marks(r, assigned, verify_due, assigned + (verify_due - assigned) * cat["ratio"])
        else:
            yellow = clock.yellow(assigned, resolve_due, cat["ratio"], cat["working"])
            marks(r, assigned, resolve_due, yellow)

    # Ids follow time, as in real use: the finished cases first, oldest first, then the open ones.
    statuses = [
        next((name for bound, name in bounds if u < bound), "closed") for u in (rand() for _ in range(n))
    ]
    finished = [s for s in statuses if s in ("closed", "merged")]
    statuses = finished + [s for s in statuses if s not in ("closed", "merged")]
    finished_at = sorted(now_ts - uniform(10 * DAY, three_years) for _ in finished)
    for pk, status in enumerate(statuses, start=1):
        r = base.copy()
        cat = choice(street.categories)
        if status == "disputed" and not cat["rewarded"]:  # only rewarded reports can be disputed
            cat = choice([c for c in street.categories if c["rewarded"]])
        grid = choice(grids)
        lat0, dlat, lng0, dlng = street.box[grid]
        r |= {
            "id": pk,
            "status": status,
            "lat": lat0 + dlat * rand(),
            "lng": lng0 + dlng * rand(),
            "description": choice(cat["texts"]),
            "address": street.grid_name[grid],
            "grid_id": grid,
            "category_id": cat["id"],
            "policy_id": cat["policy_id"],
        }
        if cat["rewarded"]:
            r["channel"], r["reporter_id"] = "rewarded_report", choice(street.volunteers)
        else:
            r["channel"], r["reporter_id"] = "visit", street.worker[grid]
        r["is_anonymous"] = cat["anonymous"] and rand() < 0.2
        claim_h = cat["claim"]

        if status == "awaiting_claim":
            if rand() < 0.01:  # returned by its holder: the held clock ran on, and went red
                assigned = now_ts - uniform(12, 20) * DAY
                reported = assigned - uniform(0.1, 0.9) * claim_h * HOUR
                verify_due, resolve_due = assign(r, cat, assigned)
                held_stage(r, cat, assigned, verify_due, resolve_due, False)
                r["return_count"] = 1
                r["claim_due_at"] = now_ts + uniform(0.1, 0.95) * claim_h * HOUR
            else:  # services._claim_stage, at least two minutes before the claim limit
                reported = now_ts - uniform(0.0, claim_h * HOUR - 120)
                due = reported + claim_h * HOUR
                r["claim_due_at"] = due
                marks(r, reported, due, reported + (due - reported) * cat["ratio"])
            r["entered_centre_at"] = reported
        elif status in ("claimed", "dispatched", "verified", "disputed", "resolved"):
            verified = status in ("verified", "resolved") or (status == "disputed" and rand() < 0.5)
            if verified or not cat["verify"]:  # the resolution stage runs; calendar span of the limit
                span = cat["resolve"] * (1.45 if cat["working"] else 1.0)
            else:
                span = cat["verify"]
            age = uniform(0.02, 1.12) * span * HOUR  # about one in ten held cases is past its deadline
            if status == "disputed":  # within the dispute window
                age = uniform(0.05, 0.95) * cat["dispute"] * HOUR
            assigned = now_ts - age
            reported = assigned - uniform(0.05, 0.95) * claim_h * HOUR
            r["entered_centre_at"] = reported
            verify_due, resolve_due = assign(r, cat, assigned)
            claimed = status == "claimed" or (status != "dispatched" and rand() < 0.5)
            hold(r, cat, grid, claimed)
            if verified and verify_due is not None:
                r["verified_at"] = assigned + (now_ts - assigned) * uniform(0.05, 0.5)
            if status == "resolved":  # waiting for the check: no running deadline
                r["resolved_at"] = now_ts - uniform(60, min(age * 0.4, 24 * HOUR))
                if r["resolved_at"] > resolve_due:
                    r["red_at"] = resolve_due + 60
                r["outcome_note"] = "已协调处理完毕"
            else:
                held_stage(r, cat, assigned, verify_due, resolve_due, verified)
                if status == "disputed":
                    r["status_before_dispute"] = (
                        "verified" if verified else "claimed" if claimed else "dispatched"
                    )
                elif rand() < 0.02 and r["red_at"] is None:  # paused (缓办): the clock stopped
                    paused = assigned + (now_ts - assigned) * uniform(0.3, 0.9)
                    r["paused_at"] = paused
                    r["stage_started_at"] = r["stage_due_at"] = r["stage_yellow_at"] = None
                    if r["yellow_notified_at"] is not None and r["yellow_notified_at"] > paused:
                        r["yellow_notified_at"] = None
        elif status == "dispatcher_queue":  # no rule matched at the claim limit, overdue since
            reported = now_ts - (claim_h + uniform(0.5, 48)) * HOUR
            due = reported + claim_h * HOUR
            r["entered_centre_at"] = reported
            marks(r, reported, due, reported + (due - reported) * cat["ratio"])
        elif status == "reported":  # an assistant's patrol report, waiting for the grid worker
            reported = now_ts - uniform(60, 24 * HOUR)
            r["channel"] = "patrol"
        else:  # closed or merged, at least ten days ago
            reported = finished_at[pk - 1]
            r["entered_centre_at"] = reported
            if status == "merged" and pk > 1:
                r |= {"merged_into_id": pk - 1, "outcome": "duplicate"}
                r["closed_at"] = reported + uniform(0.2, claim_h) * HOUR
            else:
                r["status"] = "closed"
                assigned = reported + uniform(0.05, 1.0) * claim_h * HOUR
                verify_due, resolve_due = assign(r, cat, assigned)
                hold(r, cat, grid, rand() < 0.6)
                verified_at = assigned + uniform(0.5, 20) * HOUR
                resolved = verified_at + rng.expovariate(1 / 30) * HOUR
                r |= {"verified_at": verified_at, "resolved_at": resolved}
                r["closed_at"] = resolved + uniform(1, 24) * HOUR
                yellow = clock.yellow(assigned, resolve_due, cat["ratio"], cat["working"])
                if resolved > yellow:
                    r["yellow_notified_at"] = yellow + 60
                if resolved > resolve_due:
                    r["red_at"] = resolve_due + 60
                x = rand()
                outcome = (
                    "resolved" if x < 0.9 else "unable" if x < 0.94 else "not_ours" if x < 0.97 else "invalid"
                )
                r["outcome"] = outcome
                r["outcome_note"] = "经核查已整改到位" if outcome == "resolved" else "无法处理"
                if cat["rewarded"]:
                    r["is_valid_report"] = outcome == "resolved"
                if rand() < 0.3:
                    r["rating"] = rng.randint(3, 5)
        r["reported_at"] = reported  # the database derives the number from it and the id
        for name in times:
            if r[name] is not None:
                r[name] = EPOCH + timedelta(seconds=r[name])
        yield [r[name] for name in columns]


def load(n: int, now: datetime, seed: int, events: bool, keep_indexes: bool) -> dict:
    from django.conf import settings
    from django.db import connection, transaction

    from civicgrid.cases.models import CalendarDay, Case
    from civicgrid.registry.models import Household, Person

    assert not Case.objects.exists(), "the bench database already has cases"
    street = Street()
    demo = {
        "grids": len(street.grids),
        "categories": len(street.categories),
        "cases_before": Case.objects.count(),
        "households": Household.objects.count(),
        "people": Person.objects.count(),
        "calendar_days": CalendarDay.objects.count(),
    }
    from zoneinfo import ZoneInfo

    offset = int(ZoneInfo(settings.TIME_ZONE).utcoffset(now.replace(tzinfo=None)).total_seconds())
    first, last = (now - timedelta(days=4 * 365)).date(), (now + timedelta(days=120)).date()
    overrides = dict(CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "is_workday"))
    clock = WorkClock(first, last, overrides, offset)
    result: dict = {"demo": demo, "cases": n, "indexes_during_copy": keep_indexes}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, udt_name FROM information_schema.columns "
            "WHERE table_name = 'cases_case' AND is_generated = 'NEVER' ORDER BY ordinal_position"
        )
        columns, types = zip(*cursor.fetchall(), strict=True)
        # Plain indexes are built after the COPY; the primary key and the unique number stay.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'cases_case' AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = 'cases_case'::regclass)"
        )
        secondary = [] if keep_indexes else cursor.fetchall()
    times = [c for c, t in zip(columns, types, strict=True) if t == "timestamptz"]
    rows = case_rows(n, now.timestamp(), street, clock, seed, list(columns), times)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for name, _definition in secondary:
            cursor.execute(f'DROP INDEX "{name}"')
        copy_sql = f"COPY cases_case ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
        with cursor.cursor.copy(copy_sql) as copy:  # the psycopg cursor under Django's wrapper
            copy.set_types(list(types))
            for i, row in enumerate(rows, start=1):
                copy.write_row(row)
                if i % 200_000 == 0:
                    log(f"  copied {i:,} cases ({time.perf_counter() - started:.0f} s)")
        copied = time.perf_counter()
        # The foreign keys are DEFERRABLE INITIALLY DEFERRED: check them now, before the index build.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        checked = time.perf_counter()
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in secondary:
            cursor.execute(definition)
        indexed = time.perf_counter()
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))"
        )
    committed = time.perf_counter()
    result |= {
        "copy_s": copied - started,
        "fk_check_s": checked - copied,
        "index_s": indexed - checked,
        "secondary_indexes_rebuilt": [name for name, _ in secondary],
        "load_s": committed - started,
        "rows_per_s": n / (committed - started),
    }
    log(
        f"  {n:,} cases: COPY {copied - started:.1f} s, foreign keys {checked - copied:.1f} s, "
        f"indexes {indexed - checked:.1f} s"
    )
    if events:
        t = time.perf_counter()
        with connection.cursor() as cursor:
            # One timeline entry per step taken; grid workers claim, rules dispatch.
            cursor.execute(
                """
                INSERT INTO cases_caseevent (case_id, kind, actor_id, unit_id, at, note, data)
                SELECT id, 'reported', reporter_id, NULL, reported_at, '', '{}'::jsonb FROM cases_case
                UNION ALL
                SELECT id, CASE WHEN holder_user_id IS NULL THEN 'dispatched' ELSE 'claimed' END,
                       holder_user_id, holder_id, assigned_at, '', '{}'::jsonb
                  FROM cases_case WHERE assigned_at IS NOT NULL
                UNION ALL
                SELECT id, CASE WHEN status = 'merged' THEN 'merged' ELSE 'closed' END, NULL, holder_id,
                       closed_at, outcome_note, '{}'::jsonb
                  FROM cases_case WHERE closed_at IS NOT NULL
                """
            )
            result["events"] = cursor.rowcount
        result["events_s"] = time.perf_counter() - t
        log(f"  {result['events']:,} timeline events in {result['events_s']:.1f} s")
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) cases_case")
        cursor.execute("VACUUM (ANALYZE) cases_caseevent")
        cursor.execute("SELECT status, count(*) FROM cases_case GROUP BY status ORDER BY 2 DESC")
        result["status_mix"] = dict(cursor.fetchall())
        cursor.execute(
            "SELECT pg_total_relation_size('cases_case'), pg_total_relation_size('cases_caseevent')"
        )
        case_bytes, event_bytes = cursor.fetchone()
        cursor.execute("CHECKPOINT")  # so that the load's writes are not flushed while measuring
    result |= {
        "vacuum_analyze_checkpoint_s": time.perf_counter() - t,
        "case_mb": case_bytes / 2**20,
        "event_mb": event_bytes / 2**20,
    }
    return result


class QueryLog:
    """Collect (sql, params, ms, started) of every query run inside `connection.execute_wrapper(log)`;
    `ms` is the round trip as the client sees it (server time + network + driver)."""

    def __init__(self):
        self.queries: list[tuple[str, tuple, float, float]] = []

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, (time.perf_counter() - t) * 1000, t))

    @property
    def db_ms(self) -> float:
        return sum(q[2] for q in self.queries)


class CommitLog:
    """Time every COMMIT Django sends (bench instrumentation: wraps this connection's `_commit`)."""

    def __init__(self, connection):
        self.connection = connection
        self.commits: list[tuple[float, float]] = []  # (started, ms)

    def __enter__(self):
        original = self.connection._commit

        def timed():
            t = time.perf_counter()
            try:
                return original()
            finally:
                self.commits.append((t, (time.perf_counter() - t) * 1000))

        self.connection._commit = timed
        return self

    def __exit__(self, *exc):
        del self.connection._commit


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(r[0] for r in cursor.fetchall())


def due_counts(now: datetime) -> dict:
    """What a sweep at `now` would act on (the same conditions as civicgrid.cases.sweep)."""
    from civicgrid.cases.choices import OPEN_STATUSES, CaseStatus
    from civicgrid.cases.models import Case

    open_ = {"status__in": sorted(OPEN_STATUSES), "paused_at__isnull": True}
    return {
        "claim": Case.objects.filter(status=CaseStatus.AWAITING_CLAIM, claim_due_at__lte=now).count(),
        "yellow": Case.objects.filter(
            **open_, yellow_notified_at__isnull=True, stage_yellow_at__lte=now
        ).count(),
        "red": Case.objects.filter(**open_, red_at__isnull=True, stage_due_at__lte=now).count(),
    }


def measure_sweep_idle(now: datetime, sweeps: int) -> dict:
    from django.db import connection

    from civicgrid.cases.sweep import sweep

    due = due_counts(now)
    assert not any(due.values()), f"something is due at NOW: {due}"
    for _ in range(5):
        assert sweep(now=now) == {"dispatched": 0, "yellow": 0, "red": 0}
    samples = []
    with CpuShare(backend_pid()) as cpu:
        for _ in range(sweeps):
            t = time.perf_counter()
            done = sweep(now=now)
            samples.append((time.perf_counter() - t) * 1000)
            assert not any(done.values()), done
    queries = QueryLog()
    with connection.execute_wrapper(queries):
        sweep(now=now)
    plans = []
    for (sql, params, _ms, _t), index in zip(queries.queries, SWEEP_INDEXES, strict=True):
        plan = explain(sql, params)
        used = re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+)", plan)
        used += re.findall(r"Bitmap Index Scan on (\w+)", plan)
        plans.append(
            {
                "expected_index": index,
                "indexes_used": used,
                "uses_expected": index in used,
                "sql": sql,
                "params": [str(p) for p in params],
                "plan": plan,
            }
        )
        log(f"  sweep query → {', '.join(used) or 'no index'}\n{plan}")
    return {
        "due_before": due,
        "other_cpu_pct": cpu.other_pct,
        "queries": len(queries.queries),
        **percentiles(samples),
        "samples_ms": samples,
        "plans": plans,
    }


def list_variants() -> list[tuple[str, str, dict]]:
    from civicgrid.cases.choices import Light
    from civicgrid.cases.models import Category

    category = Category.objects.get(code="sanitation")
    return [
        ("head01 awaiting_claim", "head01", {}),
        (f"head01 awaiting_claim + category {category.code}", "head01", {"category": category.pk}),
        ("head01 awaiting_claim + light=red", "head01", {"light": Light.RED}),
        ("dispatcher01 awaiting_claim (street)", "dispatcher01", {}),
        (f"dispatcher01 + category {category.code}", "dispatcher01", {"category": category.pk}),
        ("dispatcher01 + light=red", "dispatcher01", {"light": Light.RED}),
    ]


def measure_centre(now: datetime, runs: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from civicgrid.cases.choices import CaseStatus
    from civicgrid.cases.selectors import centre_list
    from civicgrid.org.selectors import forget_memberships

    User = get_user_model()
    results = []
    for label, username, filters in list_variants():
        user = User.objects.get(username=username)

        def once(user=user, filters=filters) -> list:
            forget_memberships(user)  # each request reads the user's memberships afresh
            return list(centre_list(user=user, now=now, status=CaseStatus.AWAITING_CLAIM, **filters)[:50])

        for _ in range(10):
            rows = once()
        samples = []
        with CpuShare(backend_pid()) as cpu:
            for _ in range(runs):
                t = time.perf_counter()
                once()
                samples.append((time.perf_counter() - t) * 1000)
        queries = QueryLog()
        with connection.execute_wrapper(queries):
            once()
        sql, params, _ms, _t = next(q for q in queries.queries if "cases_case" in q[0])
        plan = explain(sql, params)
        stats = percentiles(samples)
        results.append(
            {
                "label": label,
                "user": username,
                "filters": {k: str(v) for k, v in filters.items()},
                "rows": len(rows),
                "other_cpu_pct": cpu.other_pct,
                "queries": len(queries.queries),
                **stats,
                "sql": sql,
                "params": [str(p) for p in params],
                "plan": plan,
            }
        )
        log(f"  {label}: {len(rows)} rows, p50 {stats['p50_ms']:.1f} ms, p95 {stats['p95_ms']:.1f} ms")
    return results


def measure_centre_page(now: datetime, runs: int) -> list[dict]:
    """The whole centre page — middleware, session, scoping, list, rows, chrome — through Django's
    test client in this process, at the moment NOW (time-machine), for the same variants."""
    import time_machine
    from django.contrib.auth import get_user_model
    from django.test import Client

    from civicgrid.core.testing import log_in

    User = get_user_model()
    results = []
    with time_machine.travel(now, tick=False):
        for label, username, filters in list_variants():
            client = Client(HTTP_HOST="127.0.0.1")
            # Past the second factor: community heads sign in with a TOTP code.
            log_in(client, User.objects.get(username=username))
            url = "/cases/?" + "&".join(f"{k}={v.pk if hasattr(v, 'pk') else v}" for k, v in filters.items())
            for _ in range(10):
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            rows = response.content.decode().count('data-testid="case-row"')
            samples = []
            with CpuShare(backend_pid()) as cpu:
                for _ in range(runs):
                    t = time.perf_counter()
                    client.get(url)
                    samples.append((time.perf_counter() - t) * 1000)
            stats = percentiles(samples)
            results.append(
                {"label": label, "url": url, "rows": rows, "other_cpu_pct": cpu.other_pct, **stats}
            )
            log(f"  page {label}: {rows} rows, p50 {stats['p50_ms']:.1f} ms, p95 {stats['p95_ms']:.1f} ms")
    return results


def measure_centre_with_candidates(now: datetime, runs: int) -> dict:
    """The centre list again with CANDIDATE_INDEXES built in the bench database (dropped afterwards)."""
    from django.db import connection

    with connection.cursor() as cursor:
        t = time.perf_counter()
        for definition in CANDIDATE_INDEXES.values():
            cursor.execute(definition)
        built = time.perf_counter() - t
    try:
        variants = measure_centre(now, runs)
    finally:
        with connection.cursor() as cursor:
            for name in CANDIDATE_INDEXES:
                cursor.execute(f'DROP INDEX "{name}"')
    return {"indexes": list(CANDIDATE_INDEXES.values()), "build_s": built, "variants": variants}


def make_due(now: datetime, total: int, seed: int) -> dict:
    """Shift chosen open cases' whole timelines back so that `total` sweep actions fall due at now."""
    from django.db import connection, transaction

    claim, yellow = total // 5, total * 2 // 5
    red = total - claim - yellow
    # Every timestamp of the case moves back by the same shift (the marks are set explicitly).
    shifted = ", ".join(f"{c} = c.{c} - d.shift" for c in TIMELINE)
    minutes_ago = "(%s::timestamptz - (1 + random() * 29) * interval '1 minute')"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
        # Awaiting claim, never returned: the claim limit passed 1–30 minutes ago (the yellow moment
        # long before, and notified then), so the one action left is the dispatch.
        cursor.execute(
            f"""
            WITH d AS (
                SELECT id, claim_due_at - {minutes_ago} AS shift FROM cases_case
                 WHERE status = 'awaiting_claim' AND return_count = 0 AND claim_due_at > %s
                 ORDER BY random() LIMIT %s
            )
            UPDATE cases_case c SET {shifted}, yellow_notified_at = c.stage_yellow_at - d.shift + interval '1 minute'
              FROM d WHERE c.id = d.id
            """,
            [now, now, claim],
        )
        claimed = cursor.rowcount
        # Held, running and green: half turn yellow (1–30 minutes ago, deadline still ahead), half
        # pass their deadline (1–30 minutes ago; the yellow was notified when it came).
        cursor.execute(
            """
            CREATE TEMP TABLE bench_green ON COMMIT DROP AS
            SELECT id, row_number() OVER (ORDER BY random()) AS n FROM cases_case
             WHERE status IN ('claimed', 'dispatched', 'verified') AND paused_at IS NULL
               AND yellow_notified_at IS NULL AND red_at IS NULL AND stage_yellow_at > %s
            """,
            [now],
        )
        cursor.execute(
            f"""
            WITH d AS (
                SELECT c.id, c.stage_yellow_at - {minutes_ago} AS shift
                  FROM bench_green g JOIN cases_case c ON c.id = g.id WHERE g.n <= %s
            )
            UPDATE cases_case c SET {shifted} FROM d WHERE c.id = d.id
            """,
            [now, yellow],
        )
        yellowed = cursor.rowcount
        cursor.execute(
            f"""
            WITH d AS (
                SELECT c.id, c.stage_due_at - {minutes_ago} AS shift
                  FROM bench_green g JOIN cases_case c ON c.id = g.id WHERE g.n > %s AND g.n <= %s
            )
            UPDATE cases_case c SET {shifted},
                   yellow_notified_at = c.stage_yellow_at - d.shift + interval '1 minute'
              FROM d WHERE c.id = d.id
            """,
            [now, yellow, yellow + red],
        )
        reddened = cursor.rowcount
    return {"claim": claimed, "yellow": yellowed, "red": reddened, "due_now": due_counts(now)}


def measure_sweep_due(now: datetime, total: int, seed: int) -> dict:
    from django.db import connection
    from django.urls import reverse

    from civicgrid.audit.models import AuditEvent
    from civicgrid.cases.models import Case
    from civicgrid.cases.sweep import sweep
    from civicgrid.notifications.models import Notification

    made = make_due(now, total, seed)
    log(f"  made due: {made}")
    # A worker that has been running has these ready: the URL resolver (notification links) and
    # the routing and notification modules.
    reverse("cases:detail", args=[1])
    before = {"notifications": Notification.objects.count(), "audit": AuditEvent.objects.count()}
    queries = QueryLog()
    pid = backend_pid()
    with connection.execute_wrapper(queries), CommitLog(connection) as commits, CpuShare(pid) as cpu:
        t0 = time.perf_counter()
        done = sweep(now=now)
        end = time.perf_counter()
    elapsed = end - t0
    actions = done["dispatched"] + done["yellow"] + done["red"]
    log(f"  swept: {done} in {elapsed:.1f} s")
    t = time.perf_counter()
    again = sweep(now=now)
    second_ms = (time.perf_counter() - t) * 1000
    kinds: dict[str, int] = {}
    by_sql: dict[str, list[float]] = {}
    for sql, _params, ms, _t in queries.queries:
        verb = sql.lstrip().split(None, 1)[0].upper()
        kinds[verb] = kinds.get(verb, 0) + 1
        by_sql.setdefault(re.sub(r"\s+", " ", sql)[:200], []).append(ms)
    top = sorted(by_sql.items(), key=lambda item: -sum(item[1]))[:15]
    # The three steps, told apart by the first query of the yellow and of the red loop.
    marks = [t0]
    for order_by in ('ORDER BY "cases_case"."stage_yellow_at"', 'ORDER BY "cases_case"."stage_due_at"'):
        marks.append(next((q[3] for q in queries.queries if order_by in q[0] and q[3] >= marks[-1]), end))
    marks.append(end)
    steps = {}
    for i, step in enumerate(("dispatched", "yellow", "red")):
        inside = [q for q in queries.queries if marks[i] <= q[3] < marks[i + 1]]
        committed = [c[1] for c in commits.commits if marks[i] <= c[0] < marks[i + 1]]
        seconds = marks[i + 1] - marks[i]
        steps[step] = {
            "actions": done[step],
            "seconds": seconds,
            "per_s": done[step] / seconds if seconds else None,
            "queries": len(inside),
            "queries_per_action": len(inside) / max(done[step], 1),
            "db_s": sum(q[2] for q in inside) / 1000,
            "commits": len(committed),
            "commit_s": sum(committed) / 1000,
        }
    return {
        "made_due": made,
        "other_cpu_pct": cpu.other_pct,
        "done": done,
        "actions": actions,
        "elapsed_s": elapsed,
        "actions_per_s": actions / elapsed,
        "queries": len(queries.queries),
        "queries_by_verb": kinds,
        "top_queries": [
            {"sql": sql, "count": len(ms), "total_s": sum(ms) / 1000, "mean_ms": sum(ms) / len(ms)}
            for sql, ms in top
        ],
        "queries_per_action": len(queries.queries) / max(actions, 1),
        "steps": steps,
        "db_round_trips_s": queries.db_ms / 1000,
        "commits": len(commits.commits),
        "commit_s": sum(c[1] for c in commits.commits) / 1000,
        "commit_p50_ms": statistics.median(c[1] for c in commits.commits) if commits.commits else None,
        "outside_db_s": elapsed - queries.db_ms / 1000 - sum(c[1] for c in commits.commits) / 1000,
        "notifications_written": Notification.objects.count() - before["notifications"],
        "audit_rows_written": AuditEvent.objects.count() - before["audit"],
        "marked": {
            "yellow_at_now": Case.objects.filter(yellow_notified_at=now).count(),
            "red_at_now": Case.objects.filter(red_at=now).count(),
        },
        "second_sweep": again,
        "second_sweep_ms": second_ms,
        "due_after": due_counts(now),
    }


def run_child() -> None:
    import django

    django.setup()
    mode = os.environ["BENCH_MODE"]
    now = datetime.fromisoformat(os.environ["BENCH_NOW"])
    seed = int(os.environ["BENCH_SEED"])
    if mode == "load":
        result = load(
            int(os.environ["BENCH_CASES"]),
            now,
            seed,
            events=os.environ["BENCH_EVENTS"] == "1",
            keep_indexes=os.environ["BENCH_KEEP_INDEXES"] == "1",
        )
    else:
        log("sweep, nothing due")
        result = {"sweep_idle": measure_sweep_idle(now, int(os.environ["BENCH_SWEEPS"]))}
        log("centre list")
        result["centre"] = measure_centre(now, int(os.environ["BENCH_RUNS"]))
        log("centre page")
        result["centre_page"] = measure_centre_page(now, int(os.environ["BENCH_RUNS"]))
        if os.environ["BENCH_CANDIDATE"] == "1":
            log(f"centre list with candidate indexes: {'; '.join(CANDIDATE_INDEXES.values())}")
            result["centre_candidate"] = measure_centre_with_candidates(now, int(os.environ["BENCH_RUNS"]))
        log("sweep with cases due")
        result["sweep_due"] = measure_sweep_due(now, int(os.environ["BENCH_DUE"]), seed)
    print(json.dumps(result, ensure_ascii=False, default=str))


# ---------------------------------------------------------------- the driver


def noisy(pct: float | None) -> str:
    return f" [other CPU {pct:.0f} %]" if pct is not None and pct > OTHER_CPU_WARN_PCT else ""


def figures_of(results: dict, args) -> list[dict]:
    """The table's rows in the shape of bench/figures.py (all on PostgreSQL)."""
    db = "postgres"
    load_r = results["load"]
    found = [
        shape.info(
            f"load {load_r['cases']:,} cases (binary COPY + index build)",
            f"{load_r['load_s']:.1f} s ({load_r['rows_per_s']:,.0f} rows/s)",
            value=load_r["load_s"],
            db=db,
        )
    ]
    idle = results["sweep_idle"]
    found.append(
        shape.at_most(
            f"sweep, nothing due ({idle['n']} runs)",
            idle["p95_ms"],
            SWEEP_GOAL_MS,
            measured=f"p50 {idle['p50_ms']:.2f} ms, p95 {idle['p95_ms']:.2f} ms{noisy(idle['other_cpu_pct'])}",
            db=db,
        )
    )
    for plan in idle["plans"]:
        found.append(
            shape.check(
                f"  sweep query uses {plan['expected_index']}",
                plan["uses_expected"],
                target="yes",
                measured=", ".join(plan["indexes_used"]) or "no index (seq scan)",
                db=db,
            )
        )
    for kind, rows in (("centre list", results["centre"]), ("centre page", results["centre_page"])):
        for row in rows:
            found.append(
                shape.at_most(
                    f"{kind}: {row['label']} ({row['rows']} rows)",
                    row["p95_ms"],
                    LIST_GOAL_MS,
                    measured=f"p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms{noisy(row['other_cpu_pct'])}",
                    db=db,
                )
            )
    due = results["sweep_due"]
    done = due["done"]
    found.append(
        shape.at_least(
            f"sweep with {args.due:,} due",
            due["actions_per_s"],
            DUE_GOAL_PER_S,
            unit="actions/s",
            measured=(
                f"{due['actions_per_s']:,.0f}/s ({done['dispatched']} dispatched + {done['yellow']} yellow + "
                f"{done['red']} red in {due['elapsed_s']:.1f} s){noisy(due['other_cpu_pct'])}"
            ),
            db=db,
        )
    )
    again = due["second_sweep"]
    found.append(
        shape.check(
            "second sweep afterwards",
            not any(again.values()) and not any(due["due_after"].values()),
            target="does nothing",
            measured=f"{again['dispatched']}/{again['yellow']}/{again['red']} in {due['second_sweep_ms']:.1f} ms",
            db=db,
        )
    )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--sweeps", type=int, default=50, help="timed sweeps with nothing due")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per centre-list variant")
    parser.add_argument("--due", type=int, default=10_000, help="sweep actions made due")
    parser.add_argument("--no-events", action="store_true", help="load no timeline events")
    parser.add_argument(
        "--keep-indexes", action="store_true", help="COPY into the indexed table (no drop and rebuild)"
    )
    parser.add_argument(
        "--no-candidate-index",
        action="store_true",
        help="skip re-measuring the centre list with candidate indexes (bench database only)",
    )
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=120,
        help="before loading and before measuring, wait up to this many seconds for other work to stop",
    )
    parser.add_argument("--seed", type=int, default=44)
    parser.add_argument(
        "--database",
        default=PG_DB,
        help="PostgreSQL database to (re)create and leave in place (so that runs of different people do not collide)",
    )
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.child:
        run_child()
        return
    started = time.perf_counter()
    now = datetime.now(UTC).replace(microsecond=0)
    results: dict = {
        "started": now.isoformat(),
        "now": now.isoformat(),
        "args": vars(args),
        "database": args.database,
    }
    with tempfile.TemporaryDirectory(prefix="cg-bench-cases-") as huey_dir:
        env = child_env(args, now, huey_dir)
        log(f"fresh database {args.database}: migrate, demo --scale 0")
        fresh_database(args.database)
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run(
            [sys.executable, "manage.py", "demo", "--scale", "0", "--quiet-logins"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        results["quiet_before_load_pct"] = wait_for_quiet(args.wait_quiet)
        log(f"loading {args.cases:,} cases")
        results["load"] = load_result = child("load", env)
        demo = load_result["demo"]
        assert demo["cases_before"] == 0 and demo["households"] == 0 and demo["people"] == 0, demo
        results["quiet_before_measuring_pct"] = wait_for_quiet(args.wait_quiet)
        log("measuring")
        results |= child("measure", env)
    results["total_s"] = time.perf_counter() - started

    table = []
    load_r = results["load"]
    events = f"; + {load_r['events']:,} events {load_r['events_s']:.1f} s" if "events" in load_r else ""
    table.append(
        (
            f"load {load_r['cases']:,} cases (binary COPY + index build)",
            "—",
            f"{load_r['load_s']:.1f} s ({load_r['rows_per_s']:,.0f} rows/s: COPY {load_r['copy_s']:.1f} s, "
            f"FK checks {load_r['fk_check_s']:.1f} s, indexes {load_r['index_s']:.1f} s){events}",
            "",
        )
    )
    idle = results["sweep_idle"]
    table.append(
        (
            f"sweep, nothing due ({idle['n']} runs)",
            f"p95 ≤ {SWEEP_GOAL_MS:.0f} ms",
            f"p50 {idle['p50_ms']:.2f} ms, p95 {idle['p95_ms']:.2f} ms{noisy(idle['other_cpu_pct'])}",
            "pass" if idle["p95_ms"] <= SWEEP_GOAL_MS else "FAIL",
        )
    )
    for plan in idle["plans"]:
        table.append(
            (
                f"  sweep query uses {plan['expected_index']}",
                "yes",
                ", ".join(plan["indexes_used"]) or "no index (seq scan)",
                "pass" if plan["uses_expected"] else "FAIL",
            )
        )
    candidate = results.get("centre_candidate", {}).get("variants", [])
    for i, row in enumerate(results["centre"]):
        table.append(
            (
                f"centre list: {row['label']} ({row['rows']} rows)",
                f"p95 ≤ {LIST_GOAL_MS:.0f} ms",
                f"p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms{noisy(row['other_cpu_pct'])}",
                "pass" if row["p95_ms"] <= LIST_GOAL_MS else "FAIL",
            )
        )
        if i < len(candidate):
            other = candidate[i]
            table.append(
                (
                    "  same, with the candidate indexes",
                    "(not in app)",
                    f"p50 {other['p50_ms']:.1f} ms, p95 {other['p95_ms']:.1f} ms{noisy(other['other_cpu_pct'])}",
                    "info",
                )
            )
    for row in results["centre_page"]:
        table.append(
            (
                f"centre page: {row['label']} ({row['rows']} rows)",
                f"p95 ≤ {LIST_GOAL_MS:.0f} ms",
                f"p50 {row['p50_ms']:.1f} ms, p95 {row['p95_ms']:.1f} ms{noisy(row['other_cpu_pct'])}",
                "pass" if row["p95_ms"] <= LIST_GOAL_MS else "FAIL",
            )
        )
    due = results["sweep_due"]
    done = due["done"]
    table.append(
        (
            f"sweep with {args.due:,} due",
            f"≥ {DUE_GOAL_PER_S:,.0f} actions/s",
            f"{due['actions_per_s']:,.0f}/s ({done['dispatched']} dispatched + {done['yellow']} yellow + "
            f"{done['red']} red in {due['elapsed_s']:.1f} s; {due['queries_per_action']:.1f} queries/action)"
            f"{noisy(due['other_cpu_pct'])}",
            "pass" if due["actions_per_s"] >= DUE_GOAL_PER_S else "FAIL",
        )
    )
    for step, figures in due["steps"].items():
        rate = f"{figures['per_s']:,.0f}/s" if figures["per_s"] else "—"
        table.append(
            (
                f"  step: {step}",
                "",
                f"{figures['actions']} in {figures['seconds']:.1f} s = {rate}; "
                f"{figures['queries_per_action']:.1f} queries/action, {figures['db_s']:.1f} s in queries, "
                f"{figures['commits']} commits {figures['commit_s']:.1f} s",
                "",
            )
        )
    again = due["second_sweep"]
    table.append(
        (
            "second sweep afterwards",
            "does nothing",
            f"{again['dispatched']}/{again['yellow']}/{again['red']} in {due['second_sweep_ms']:.1f} ms",
            "pass" if not any(again.values()) and not any(due["due_after"].values()) else "FAIL",
        )
    )
    slowest = max(results["centre"], key=lambda r: r["p95_ms"])
    found = figures_of(results, args)
    header = ("figure", "target", "measured", "result")
    widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(4)]
    print(
        f"\nPostgreSQL, {load_r['cases']:,} cases, NOW = {now.isoformat()}  (whole run {results['total_s']:.0f} s)\n"
    )
    for row in [header, *table]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    print(f"\nslowest centre list: {slowest['label']}\n{slowest['plan']}")
    if candidate:
        print(
            "\ncandidate indexes (bench database only): " + "; ".join(results["centre_candidate"]["indexes"])
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = Path(args.json) if args.json else ROOT / "bench" / "results" / f"cases-{stamp}.json"
    shape.write(path, "cases", found, results)
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
