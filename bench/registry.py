#!/usr/bin/env python3
"""Registry benchmarks: multi-source import throughput and person search latency.

    .venv/bin/python bench/registry.py [--db sqlite|postgres|both] [--rows 100000] [--people 1000000]
                                       [--json bench/results/registry.json]

Import: N person rows from CSV and from XLSX go through preview (parse, validate, match) and
apply (create with history, source records), against a plain `bulk_create` of the same people
in a fresh database; the figure is the ratio (goal ≥ 0.3).
Search (PostgreSQL; SQLite too when asked): with --people people in the registry, the p95 of an
exact ID-number lookup and of a name-prefix search within one grid (goal ≤ 50 ms each).
The JSON (--json, default bench/results/registry-<timestamp>.json) carries the same figures in the
shape of bench/figures.py.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
import figures as shape  # noqa: E402  (bench/figures.py: the suite's shape of a figure)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "civicgrid_bench_registry"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂华玉兰萍红建国文辉鹏飞宇浩然思远欣怡雨涵"


def fresh_database(kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='cg-bench-')}/registry.sqlite3"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return f"postgres://postgres@127.0.0.1:5432/{PG_DB}"


def child(kind: str, mode: str, args) -> dict:
    """Run one measurement in a fresh process against a fresh database."""
    print(f"[registry] {kind}: {mode}: fresh database, migrate, measure", file=sys.stderr, flush=True)
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "civicgrid.settings.bench",
        "DATABASE_URL": fresh_database(kind),
        "BENCH_MODE": mode,
        "BENCH_ROWS": str(args.rows),
        "BENCH_PEOPLE": str(args.people),
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    out = subprocess.run(
        [sys.executable, __file__, "--child"], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- inside the child process


def _setup_rooms(n_rooms: int):
    from django.db import transaction

    from civicgrid.org.choices import UnitKind
    from civicgrid.org.services import org_unit_create
    from civicgrid.registry.models import Building, Entrance, Room

    with transaction.atomic():
        city = org_unit_create(parent=None, kind=UnitKind.CITY, name="基准市", code="339900")
        district = org_unit_create(parent=city, kind=UnitKind.DISTRICT, name="基准区", code="339901")
        street = org_unit_create(parent=district, kind=UnitKind.STREET, name="基准街道", code="339901001")
        community = org_unit_create(
            parent=street, kind=UnitKind.COMMUNITY, name="基准社区", code="339901001001"
        )
        grids = [
            org_unit_create(
                parent=community, kind=UnitKind.GRID, name=f"基准网格{i}", code=f"339901001001{i:03d}"
            )
            for i in range(1, 21)
        ]
        buildings = Building.objects.bulk_create(
            [Building(grid=grids[i % 20], road=f"基准路{i}号", name="1幢") for i in range(n_rooms // 24 + 1)]
        )
        entrances = Entrance.objects.bulk_create([Entrance(building=b, name="1单元") for b in buildings])
        rooms = Room.objects.bulk_create(
            [
                Room(entrance=e, grid_id=e.building.grid_id, number=f"{f}0{u}")
                for e in entrances
                for f in range(1, 13)
                for u in (1, 2)
            ],
            batch_size=5000,
        )
    return street, grids, rooms[:n_rooms]


def _rows(rooms, n: int, seed: int = 7):
    from civicgrid.registry.validators import id_check_digit

    rng = random.Random(seed)
    rooms_by_id = {r.pk: r for r in rooms}
    entrance_names = {}
    from civicgrid.registry.models import Entrance

    for e in Entrance.objects.select_related("building"):
        entrance_names[e.pk] = (e.building.road, e.building.name, e.name)
    rows = []
    for i in range(n):
        room = rooms[i % len(rooms)]
        road, building, entrance = entrance_names[room.entrance_id]
        # Unique by construction: one birth date per 1,000 rows, the sequence number within it.
        born = date(1950, 1, 1) + timedelta(days=i // 1000)
        first17 = f"330102{born:%Y%m%d}{i % 1000:03d}"
        rows.append(
            {
                "姓名": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2)),
                "公民身份号码": first17 + id_check_digit(first17),
                "联系电话": f"13{rng.randint(0, 999_999_999):09d}",
                "人口类别": "户籍",
                "与户主关系": "户主",
                "居住地址": f"{road}{building}{entrance}{room.number}",
            }
        )
    del rooms_by_id
    # Unique ID numbers: birth date + sequence cover 80 × 12 × 28 × 1000 combinations.
    seen = {}
    for row in rows:
        seen[row["公民身份号码"]] = row
    return list(seen.values())


def _csv(rows) -> bytes:
    import csv

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append(list(row.values()))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _admin(street):
    from civicgrid.accounts.services import user_create
    from civicgrid.org.choices import Role
    from civicgrid.org.services import membership_grant

    user = user_create(username="bench-admin", full_name="基准管理员")
    membership_grant(user=user, unit=street, role=Role.PLATFORM_ADMIN)
    return user


def measure_import(fmt: str, n: int) -> dict:
    from civicgrid.registry.choices import ImportSourceKind
    from civicgrid.registry.imports import DEFAULT_MAPPINGS, import_apply, import_preview
    from civicgrid.registry.models import Household, ImportSource, Person

    street, _grids, rooms = _setup_rooms(min(n, 20_000))
    rows = _rows(rooms, n)
    Household.objects.bulk_create([Household(room=r, grid_id=r.grid_id) for r in rooms], batch_size=5000)
    content = _csv(rows) if fmt == "csv" else _xlsx(rows)
    admin = _admin(street)
    source = ImportSource.objects.create(
        name="公安",
        kind=ImportSourceKind.PUBLIC_SECURITY,
        column_mapping=DEFAULT_MAPPINGS[ImportSourceKind.PUBLIC_SECURITY],
    )
    started = time.perf_counter()
    batch = import_preview(actor=admin, source=source, file_name=f"bench.{fmt}", content=content)
    previewed = time.perf_counter()
    import_apply(actor=admin, batch=batch)
    applied = time.perf_counter()
    created = Person.objects.count()
    return {
        "rows": len(rows),
        "created": created,
        "preview_s": previewed - started,
        "apply_s": applied - previewed,
        "total_s": applied - started,
        "counts": batch.counts,
    }


def measure_bulk_create(n: int) -> dict:
    from civicgrid.registry.models import Household, Person
    from civicgrid.registry.services import person_set_identity, person_set_phone

    _street, _grids, rooms = _setup_rooms(min(n, 20_000))
    rows = _rows(rooms, n)
    households = Household.objects.bulk_create(
        [Household(room=r, grid_id=r.grid_id) for r in rooms], batch_size=5000
    )
    started = time.perf_counter()
    people = []
    for i, row in enumerate(rows):
        household = households[i % len(households)]
        person = Person(full_name=row["姓名"], household=household, grid_id=household.grid_id)
        person_set_identity(person, row["公民身份号码"])
        person_set_phone(person, row["联系电话"])
        people.append(person)
    Person.objects.bulk_create(people, batch_size=2000)
    elapsed = time.perf_counter() - started
    return {"rows": len(rows), "total_s": elapsed}


def measure_search(n_people: int) -> dict:
    from django.db import connection

    from civicgrid.registry.models import Household, Person
    from civicgrid.registry.selectors import person_search
    from civicgrid.registry.services import person_set_identity

    street, grids, rooms = _setup_rooms(20_000)
    households = Household.objects.bulk_create(
        [Household(room=r, grid_id=r.grid_id) for r in rooms], batch_size=5000
    )
    load_started = time.perf_counter()
    ids = []
    batch = []
    rng = random.Random(3)
    from civicgrid.registry.validators import id_check_digit

    for i in range(n_people):
        household = households[i % len(households)]
        person = Person(
            full_name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(2)),
            household=household,
            grid_id=household.grid_id,
        )
        first17 = (
            f"{330100 + i % 97:06d}{1940 + i % 80}{1 + i % 12:02d}{1 + i % 28:02d}{i // 26880 % 1000:03d}"
        )
        number = first17 + id_check_digit(first17)
        person_set_identity(person, number)
        if i % 997 == 0:
            ids.append(number)
        batch.append(person)
        if len(batch) == 10_000:
            Person.objects.bulk_create(batch, batch_size=5000)
            batch = []
    if batch:
        Person.objects.bulk_create(batch, batch_size=5000)
    load_s = time.perf_counter() - load_started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE registry_person")
    user = _admin(street)
    samples = {"id_lookup": [], "name_prefix_in_grid": []}
    for i in range(300):
        number = ids[i % len(ids)]
        t = time.perf_counter()
        found = list(person_search(user=user, query=number))
        samples["id_lookup"].append((time.perf_counter() - t) * 1000)
        assert len(found) == 1, found
        grid = grids[i % len(grids)]
        t = time.perf_counter()
        list(
            person_search(
                user=user, query=SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)], grid_id=grid.pk
            )
        )
        samples["name_prefix_in_grid"].append((time.perf_counter() - t) * 1000)
    result = {"people": Person.objects.count(), "load_s": load_s}
    for name, values in samples.items():
        values = values[20:]
        result[name] = {"p50_ms": statistics.median(values), "p95_ms": statistics.quantiles(values, n=20)[18]}
    return result


def run_child() -> None:
    import django

    django.setup()
    mode, rows, people = (
        os.environ["BENCH_MODE"],
        int(os.environ["BENCH_ROWS"]),
        int(os.environ["BENCH_PEOPLE"]),
    )
    if mode in ("csv", "xlsx"):
        result = measure_import(mode, rows)
    elif mode == "bulk":
        result = measure_bulk_create(rows)
    else:
        result = measure_search(people)
    print(json.dumps(result, ensure_ascii=False))


def measure_database(kind: str, args, table: list, results: dict, found: list) -> None:
    """The import figures of one database, and on PostgreSQL the search figures."""
    bulk = child(kind, "bulk", args)
    results[f"{kind}.bulk_create"] = bulk
    base = bulk["rows"] / bulk["total_s"]
    table.append((kind, "plain bulk_create (reference)", f"{base:,.0f} rows/s", "—", "—", ""))
    found.append(
        shape.info(
            f"plain bulk_create of {bulk['rows']:,} people (reference)",
            f"{base:,.0f} rows/s",
            value=base,
            db=kind,
        )
    )
    for fmt in ("csv", "xlsx"):
        imported = child(kind, fmt, args)
        results[f"{kind}.import_{fmt}"] = imported
        rate = imported["rows"] / imported["total_s"]
        ratio = rate / base
        found.append(
            shape.at_least(
                f"import {fmt.upper()} of {imported['rows']:,} people (preview + apply)",
                ratio,
                0.3,
                target="≥ 0.3× bulk_create",
                measured=(
                    f"{rate:,.0f} rows/s (preview {imported['preview_s']:.1f} s, "
                    f"apply {imported['apply_s']:.1f} s)"
                ),
                ratio=ratio,
                db=kind,
            )
        )
        table.append(
            (
                kind,
                f"import {fmt.upper()} (preview + apply)",
                f"{rate:,.0f} rows/s",
                "≥ 0.3",
                f"{ratio:.2f}",
                "pass" if ratio >= 0.3 else "FAIL",
            )
        )
    if kind == "postgres" and not args.skip_search:
        search = child(kind, "search", args)
        results[f"{kind}.search"] = search
        for name in ("id_lookup", "name_prefix_in_grid"):
            p95 = search[name]["p95_ms"]
            found.append(
                shape.at_most(
                    f"search {name} ({search['people']:,} people)",
                    p95,
                    50,
                    measured=f"p50 {search[name]['p50_ms']:.2f} ms, p95 {p95:.2f} ms",
                    db=kind,
                )
            )
            table.append(
                (
                    kind,
                    f"search {name} ({search['people']:,} people)",
                    f"p50 {search[name]['p50_ms']:.2f} ms",
                    "p95 ≤ 50 ms",
                    f"{p95:.2f} ms",
                    "pass" if p95 <= 50 else "FAIL",
                )
            )


# ---------------------------------------------------------------- the driver


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.child:
        run_child()
        return 0
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    table, results = [], {"started": datetime.now(UTC).isoformat(), "rows": args.rows, "people": args.people}
    found = []
    for kind in kinds:
        try:
            measure_database(kind, args, table, results, found)
        except Exception as error:  # a failed child or an unreachable database: the next one still runs
            # A failed child's own traceback, not only "returned non-zero exit status".
            stderr = (getattr(error, "stderr", None) or "").strip()
            print(f"{kind}: {error}\n{stderr}", file=sys.stderr)
            results[f"{kind}.failed"] = {"error": str(error), "stderr": stderr}
            last = stderr.splitlines()[-1] if stderr else str(error)
            found.append(shape.failed("registry benchmarks", last, db=kind))
            table.append((kind, "FAILED (see above)", "", "", "", "FAIL"))
    widths = [
        max(len(str(row[i])) for row in [*table, ("db", "figure", "measured", "target", "ratio/p95", "")])
        for i in range(6)
    ]
    header = ("db", "figure", "measured", "target", "ratio/p95", "result")
    for row in [header, *table]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)))
    path = Path(args.json) if args.json else ROOT / "bench" / "results" / f"registry-{int(time.time())}.json"
    shape.write(path, "registry", found, results)
    print(f"\nwritten {path}")
    return 1 if any(f["measured"].startswith("FAILED") for f in found) else 0


if __name__ == "__main__":
    sys.exit(main())
