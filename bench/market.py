#!/usr/bin/env python3
"""Business-circle distance search: latency of the merchant search with 50,000 merchants.

Issue target: "Merchant distance search: p95 ≤ 50 ms with 50,000 merchants (SQLite and PostgreSQL)."

Usage (from the project root, with the project's .venv):

    .venv/bin/python bench/market.py                        # both databases
    .venv/bin/python bench/market.py --db sqlite --searches 500
    .venv/bin/python bench/market.py --merchants 100000 --json bench/results/market.json

Options: --db sqlite|postgres|both (both), --merchants 50000, --searches 200 (after 20 warm-up
searches), --radius 1000 (metres), --seed 7, --json FILE (default bench/results/market-<time>.json).

For each database it
 1. makes a fresh database: an SQLite file in a temporary directory, or `civicgrid_bench_market` on
    postgres://postgres@127.0.0.1:5432 (dropped and re-created, left in place afterwards; skipped
    with a note when PostgreSQL does not answer), and runs `migrate`;
 2. in a child process (settings civicgrid.settings.bench, Django in-process, no HTTP) builds a
    street of 14 communities and a platform admin, then seeds the merchants over a city-sized area,
    about 20 × 20 km around 30.29 N 120.17 E: 40 % around downtown (a normal spread of 2 km), the rest
    evenly over the area; food and services commonest; one in twenty waiting for moderation or
    closed (never found). bulk_create in batches of 5,000; PostgreSQL gets an ANALYZE afterwards
    (what autovacuum would do after a bulk load; SQLite gets none, as the app never runs one);
 3. runs the searches through the selector `market.selectors.merchants_near` (the code the page and
    the API call) from random points drawn like the merchants (people live where the shops are),
    alternately without a category and with a random one, radius --radius, nearest 50: the bounding-
    box prefilter on the (category, lat, lng) or (lat, lng) index, then haversine in Python. It
    records each search's time (p50/p95/p99), how many candidates the box held and how many
    merchants were within the radius, and the query plan of both kinds of search;
 4. prints a table — database, kind, merchants, searches, p50, p95, p99 ms, target p95 ≤ 50 ms,
    pass/fail — and writes everything to the JSON file.

Exit status: 0 all targets met; 3 a target was missed; 1 a database failed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import figures as shape  # noqa: E402  (bench/figures.py: the suite's shape of a figure)

PYTHON = sys.executable
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "civicgrid_bench_market"
TARGET_P95_MS = 50.0
WARMUP = 20

CENTRE = (30.29, 120.17)
HALF_SIDE_M = 10_000  # the area is 20 × 20 km
DOWNTOWN_SHARE = 0.4
DOWNTOWN_SIGMA_M = 2_000
CATEGORY_WEIGHTS = {"food": 35, "services": 25, "housing": 15, "clothing": 15, "transport": 10}
M_PER_DEG_LAT = 111_195.0


def fresh_database(kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='cg-bench-market-')}/market.sqlite3"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def postgres_answers() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception:
        return False


def run_database(kind: str, args) -> dict:
    """Migrate a fresh database, then seed and measure in a child process."""
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "civicgrid.settings.bench",
        "DATABASE_URL": fresh_database(kind),
        "BENCH_MERCHANTS": str(args.merchants),
        "BENCH_SEARCHES": str(args.searches),
        "BENCH_RADIUS": str(args.radius),
        "BENCH_SEED": str(args.seed),
    }
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [PYTHON, __file__, "--child"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- inside the child process


def point(rng: random.Random) -> tuple[float, float]:
    """A point of the city: downtown-heavy, inside the 20 × 20 km square."""
    m_per_deg_lng = M_PER_DEG_LAT * math.cos(math.radians(CENTRE[0]))
    while True:
        if rng.random() < DOWNTOWN_SHARE:
            north, east = rng.gauss(0, DOWNTOWN_SIGMA_M), rng.gauss(0, DOWNTOWN_SIGMA_M)
        else:
            north, east = rng.uniform(-HALF_SIDE_M, HALF_SIDE_M), rng.uniform(-HALF_SIDE_M, HALF_SIDE_M)
        if abs(north) <= HALF_SIDE_M and abs(east) <= HALF_SIDE_M:
            return CENTRE[0] + north / M_PER_DEG_LAT, CENTRE[1] + east / m_per_deg_lng


def build_street():
    from civicgrid.accounts.services import user_create
    from civicgrid.org.choices import Role, UnitKind
    from civicgrid.org.services import membership_grant, org_unit_create

    city = org_unit_create(parent=None, kind=UnitKind.CITY, name="杭州市", code="330100")
    district = org_unit_create(parent=city, kind=UnitKind.DISTRICT, name="上城区", code="330102")
    street = org_unit_create(parent=district, kind=UnitKind.STREET, name="凯旋街道", code="330102010")
    communities = [
        org_unit_create(
            parent=street, kind=UnitKind.COMMUNITY, name=f"第{i + 1}社区", code=f"330102010{i + 1:03d}"
        )
        for i in range(14)
    ]
    user = user_create(username="bench-market", full_name="基准管理员")
    membership_grant(user=user, unit=street, role=Role.PLATFORM_ADMIN)
    return communities, user


def seed(n: int, communities, rng: random.Random) -> float:
    from django.db import connection

    from civicgrid.core import clock
    from civicgrid.market.choices import MerchantStatus
    from civicgrid.market.models import Merchant

    categories, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    now = clock.now()
    started = time.perf_counter()
    batch = []
    for i in range(n):
        lat, lng = point(rng)
        state = rng.random()
        batch.append(
            Merchant(
                name=f"商户{i:05d}",
                category=rng.choices(categories, weights)[0],
                address=f"测试路{i % 500 + 1}号",
                lat=lat,
                lng=lng,
                hours="8:00–20:00",
                offers="会员九折" if i % 3 == 0 else "",
                phone=f"0571-86{i % 1_000_000:06d}",
                community=communities[i % len(communities)],
                status=MerchantStatus.PENDING if state < 0.03 else MerchantStatus.PUBLISHED,
                is_active=not 0.03 <= state < 0.05,
                created_at=now,
                updated_at=now,
            )
        )
        if len(batch) == 5000:
            Merchant.objects.bulk_create(batch)
            batch = []
    if batch:
        Merchant.objects.bulk_create(batch)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE market_merchant")
    return time.perf_counter() - started


def plans(user) -> dict:
    """The database's plan for the prefilter query, with and without a category."""
    from django.db import connection

    from civicgrid.market.choices import MerchantStatus
    from civicgrid.market.geo import bounding_box
    from civicgrid.market.models import Merchant

    south, north, west, east = bounding_box(*CENTRE, 1000)
    rows = Merchant.objects.filter(
        lat__range=(south, north), lng__range=(west, east), status=MerchantStatus.PUBLISHED, is_active=True
    )
    found = {}
    for name, query in (("all", rows), ("category", rows.filter(category="food"))):
        sql, params = query.values_list("pk", "lat", "lng").query.sql_with_params()
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            found[name] = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
    return found


def measure(user, searches: int, radius: int, rng: random.Random) -> dict:
    from civicgrid.market.geo import bounding_box
    from civicgrid.market.models import Merchant
    from civicgrid.market.selectors import merchants_near

    categories = list(CATEGORY_WEIGHTS)
    samples: dict[str, list[float]] = {"without category": [], "with category": []}
    found, candidates = [], []
    for i in range(WARMUP + searches):
        lat, lng = point(rng)
        category = rng.choice(categories) if i % 2 else None
        started = time.perf_counter()
        nearby = merchants_near(user=user, lat=lat, lng=lng, radius_m=radius, category=category)
        elapsed = (time.perf_counter() - started) * 1000
        if i < WARMUP:
            continue
        samples["with category" if category else "without category"].append(elapsed)
        found.append(nearby.total)
        if i % 10 == 0:  # the box's size, for the record (counted apart from the timing)
            south, north, west, east = bounding_box(lat, lng, radius)
            box = Merchant.objects.filter(lat__range=(south, north), lng__range=(west, east))
            candidates.append(box.filter(category=category).count() if category else box.count())
    samples["all searches"] = samples["without category"] + samples["with category"]
    return {
        "latency_ms": {name: summary(values) for name, values in samples.items()},
        "within_radius": summary(found),
        "box_candidates": summary(candidates),
    }


def summary(values) -> dict:
    if len(values) < 2:
        return {"n": len(values)}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "n": len(values),
        "p50": statistics.median(values),
        "p95": cuts[94],
        "p99": cuts[98],
        "max": max(values),
        "mean": statistics.fmean(values),
    }


def run_child() -> None:
    import django

    django.setup()
    from django.db import connection

    from civicgrid.market.models import Merchant

    rng = random.Random(int(os.environ["BENCH_SEED"]))
    communities, user = build_street()
    load_s = seed(int(os.environ["BENCH_MERCHANTS"]), communities, rng)
    result = {
        "vendor": connection.vendor,
        "merchants": Merchant.objects.count(),
        "load_s": load_s,
        "plans": plans(user),
        **measure(user, int(os.environ["BENCH_SEARCHES"]), int(os.environ["BENCH_RADIUS"]), rng),
    }
    print(json.dumps(result, ensure_ascii=False))


# ---------------------------------------------------------------- the driver


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--merchants", type=int, default=50_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--radius", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.child:
        run_child()
        return 0
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results: dict = {"started": datetime.now(UTC).isoformat(), "args": vars(args)}
    table, status, found = [], 0, []
    for kind in kinds:
        if kind == "postgres" and not postgres_answers():
            print("postgres: not answering on 127.0.0.1:5432, skipped", file=sys.stderr)
            results[kind] = {"skipped": "PostgreSQL does not answer"}
            found.append(shape.skipped("merchant search", "PostgreSQL does not answer", db=kind))
            continue
        try:
            result = run_database(kind, args)
        except subprocess.CalledProcessError as error:
            print(f"{kind}: failed\n{error.stderr or ''}", file=sys.stderr)
            results[kind] = {"failed": str(error), "stderr": error.stderr}
            found.append(
                shape.failed("merchant search", str(error), target=f"p95 ≤ {TARGET_P95_MS:g} ms", db=kind)
            )
            status = 1
            continue
        results[kind] = result
        for name, figures in result["latency_ms"].items():
            passed = figures["p95"] <= TARGET_P95_MS
            found.append(
                shape.at_most(
                    f"merchant search, {name} ({result['merchants']:,} merchants, {figures['n']} searches)",
                    figures["p95"],
                    TARGET_P95_MS,
                    measured=(
                        f"p50 {figures['p50']:.2f} ms, p95 {figures['p95']:.2f} ms, "
                        f"p99 {figures['p99']:.2f} ms"
                    ),
                    db=kind,
                )
            )
            if not passed and status == 0:
                status = 3
            table.append(
                (
                    kind,
                    name,
                    f"{result['merchants']:,}",
                    str(figures["n"]),
                    f"{figures['p50']:.2f}",
                    f"{figures['p95']:.2f}",
                    f"{figures['p99']:.2f}",
                    f"p95 ≤ {TARGET_P95_MS:g} ms",
                    "pass" if passed else "FAIL",
                )
            )
    header = ("database", "searches", "merchants", "n", "p50 ms", "p95 ms", "p99 ms", "target", "result")
    widths = [max(len(row[i]) for row in [header, *table]) for i in range(len(header))]
    print()
    for row in [header, *table]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    for kind in kinds:
        result = results.get(kind, {})
        if "within_radius" in result:
            print(
                f"\n{kind}: loaded {result['merchants']:,} merchants in {result['load_s']:.1f} s; "
                f"within {args.radius} m: median {result['within_radius']['p50']:.0f}, "
                f"max {result['within_radius']['max']:.0f}; "
                f"box candidates: median {result['box_candidates']['p50']:.0f}, "
                f"max {result['box_candidates']['max']:.0f}"
            )
            for name, plan in result["plans"].items():
                print(f"  plan ({name}): " + " | ".join(plan))
    path = Path(args.json) if args.json else ROOT / "bench" / "results" / f"market-{int(time.time())}.json"
    shape.write(path, "market", found, results)
    print(f"\nwritten {path}")
    return status


if __name__ == "__main__":
    sys.exit(main())
