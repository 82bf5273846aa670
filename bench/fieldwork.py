#!/usr/bin/env python3
"""Field workbench benchmarks: policy search over 10,000 items and the grid worker's "my day" page.

    .venv/bin/python bench/fieldwork.py [--db sqlite|postgres|both] [--only search|myday]
                                        [--items 10000] [--queries 300]
                                        [--households 600] [--cases 50] [--requests 300] [--warmup 30]
                                        [--other-grids 168] [--background-cases 20000]
                                        [--retries 3] [--wait-quiet 120] [--profile]
                                        [--rev HEAD]
                                        [--json bench/results/fieldwork-<timestamp>.json]

For each database the driver makes a fresh database — an SQLite file in a temporary directory, or
`civicgrid_bench_fieldwork` on postgres://postgres@127.0.0.1:5432 (dropped and re-created, left in
place afterwards; PostgreSQL is skipped, with a note, when it does not answer) — runs `migrate` and
`demo --scale 0` (the demo street: 169 grids, accounts, SLA policies, case categories, routing
rules, calendar and the 13 service groups with their visit intervals; no households, no cases), then
one child process (settings `civicgrid.settings.bench`: DEBUG off) seeds and measures:

1. Policy search. The 88 demo items of fieldwork/data/service_items.json are loaded through
   `demo.load_policy_library` (item_save, the real path); the rest up to --items are variants of
   them — local versions per Hangzhou district and street, yearly editions, implementation rules —
   with recombined eligibility sentences, materials, steps, offices and a local policy document,
   about 8 % of them superseded (inactive). Their search words come from
   `search.index_text` exactly as `services.item_reindex` makes them, but the rows go in with
   `bulk_create` (SQLite fills the FTS5 table by its triggers; PostgreSQL fills the stored vector column
   and its GIN index). Then `selectors.items_search(user=grid001, query=q)` for the questions of
   data/search_questions.json: one warm-up round of all questions, then --queries timed searches
   cycling the list, the user's memberships read afresh each time as in a request.
   Goal: p95 ≤ 30 ms. Also reported: SQL per search, and how often the expected item (or one of
   its local versions) comes first / within the 20 results.
2. My day. In the grid of `grid001` (凯旋社区第01网格): --households households in buildings,
   entrances and rooms; 1–5 people each, 1–2 (sometimes 3) of them graded members of service
   groups (GroupMembership with a grade, so a visit interval of 7–180 days; a few no longer
   living or no longer active); a visit history of 2–6 visits per household, the last one
   0.1–1.25 intervals ago (about a quarter of the households are due or overdue; a few never
   visited); --cases open cases reported, claimed (holder = the grid, holder_user = grid001) and
   partly verified or resolved through the case services, so `cases.selectors.my_cases` returns
   them. Around it, so that the tables are as large as a whole street's: the same households,
   people, group members and visits in --other-grids other grids (168: every grid of the demo
   street, ~100,000 households) with their own workers, and --background-cases cases written in
   bulk across the street's grids (95 % closed; the open ones never in the worker's grid).
   `--other-grids 0 --background-cases 0` is the quick variant (one grid alone).
   Then GET /fieldwork/ and GET /api/v1/fieldwork/my-day with Django's test Client
   (force_login as grid001, so the whole middleware stack runs: session, user, memberships, staff
   idle time-out, second factor, CSP …): --warmup requests, then --requests timed ones each.
   Goal: page p95 ≤ 150 ms (the API row is shown against the same goal). SQL queries per request
   are counted on separate requests, and their time in the database is measured by replaying each
   captured SELECT (5 times, all rows fetched; on SQLite most of a query's work happens while rows
   are fetched, after `execute` returns). `selectors.my_day` alone is timed too (info row).

Every measurement first waits (up to --wait-quiet s) for the machine to be quiet and records the
share of the CPU other processes took meanwhile ("other CPU"); above 10 % it is measured again
(--retries) and the least disturbed attempt is kept. --profile adds a cProfile of 50 page and 50 API
requests (top functions, to stderr and the JSON). --rev measures a clean `git archive` of a commit
instead of the working tree (use it while someone is editing the app).

Prints one table (database × measurement × p50/p95/p99 × target × met?) and writes everything —
samples, SQL of one request, plans of the slowest search, and the table's figures in the shape of
bench/figures.py — as JSON (bench/results/ is git-ignored).
Exit status 0 (also when PostgreSQL was skipped), 1 when a check failed (a request not 200, a page
without the expected content).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import random
import re
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import figures as shape  # noqa: E402  (bench/figures.py: the suite's shape of a figure)

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DB = "civicgrid_bench_fieldwork"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
WORKER = "grid001"
SEARCH_GOAL_MS = 30.0
PAGE_GOAL_MS = 150.0
OTHER_CPU_WARN_PCT = 10.0

DISTRICTS = {
    "上城区": [
        "凯旋街道",
        "采荷街道",
        "闸弄口街道",
        "四季青街道",
        "彭埠街道",
        "九堡街道",
        "笕桥街道",
        "湖滨街道",
    ],
    "拱墅区": ["米市巷街道", "湖墅街道", "小河街道", "和睦街道", "拱宸桥街道", "大关街道", "上塘街道"],
    "西湖区": ["北山街道", "西溪街道", "灵隐街道", "翠苑街道", "文新街道", "古荡街道", "留下街道"],
    "滨江区": ["西兴街道", "长河街道", "浦沿街道"],
    "萧山区": ["城厢街道", "北干街道", "蜀山街道", "新塘街道", "宁围街道"],
    "余杭区": ["余杭街道", "五常街道", "仓前街道", "闲林街道", "良渚街道"],
    "临平区": ["临平街道", "东湖街道", "南苑街道", "星桥街道"],
    "钱塘区": ["下沙街道", "白杨街道", "河庄街道", "义蓬街道"],
    "富阳区": ["富春街道", "东洲街道", "银湖街道"],
    "临安区": ["锦城街道", "锦北街道", "玲珑街道"],
    "桐庐县": ["桐君街道", "旧县街道", "城南街道"],
    "淳安县": ["千岛湖镇", "文昌镇"],
    "建德市": ["新安江街道", "洋溪街道", "更楼街道"],
}
EXTRA_MATERIALS = [
    "户口簿",
    "居住证",
    "近期一寸免冠照片",
    "委托书及受托人身份证（委托办理的）",
    "家庭经济状况核对授权书",
    "本人银行卡复印件",
]
VISIT_NOTES = [
    "入户走访，家庭情况稳定。",
    "了解近期生活情况，无特殊需求。",
    "宣传防诈骗知识。",
    "核实家庭成员信息。",
    "老人身体状况良好，提醒注意用电安全。",
    "送达高温慰问品，了解用药情况。",
    "协助预约家庭医生上门随访。",
]
# Service groups a household member is graded in (demo codes), with rough weights.
GROUP_WEIGHTS = {
    "elderly_alone": 14,
    "elderly_80": 14,
    "disabled": 10,
    "low_income": 8,
    "assistance": 8,
    "party_member": 14,
    "veteran": 6,
    "unemployed": 8,
    "left_behind_child": 4,
    "special_care_family": 3,
    "key_youth": 3,
    "mental_health": 3,
    "community_correction": 2,
}


# ---------------------------------------------------------------- the machine (Linux /proc)

# The same accounting as the problem-flow bench.
from cases import log, machine_cpu_seconds, postgres_aux_pids, process_cpu_seconds  # noqa: E402


class ParallelWorkers(threading.Thread):
    """Follow the CPU time of PostgreSQL's parallel workers for one backend. They live only while a
    query runs, so they are looked for every 0.1 s (new processes only: about 1 ms a time); the CPU
    of a worker that came and went between two looks counts as other work."""

    def __init__(self, backend_pid: int):
        super().__init__(daemon=True)
        self.title = f"parallel worker for PID {backend_pid}".encode()
        self.known: dict[int, bool] = {}  # pid → is one of our parallel workers
        self.cpu: dict[int, float] = {}
        self.stopped = threading.Event()

    def look(self) -> None:
        try:
            pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
        except OSError:
            return
        for pid in pids:
            if pid not in self.known:
                try:
                    self.known[pid] = self.title in Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    self.known[pid] = False
            if self.known[pid]:
                seconds = process_cpu_seconds(pid)
                if seconds:
                    self.cpu[pid] = max(self.cpu.get(pid, 0.0), seconds)

    def run(self) -> None:
        self.look()  # workers already there at the start are not ours to count
        self.cpu.clear()
        while not self.stopped.wait(0.1):
            self.look()

    def stop(self) -> float:
        self.stopped.set()
        self.join()
        self.look()
        return sum(self.cpu.values())


class CpuShare:
    """Share of the machine (100 = all cores) that work other than this process, its database backend,
    the backend's parallel workers and PostgreSQL's own processes took while a measurement ran."""

    def __init__(self, backend_pid: int | None):
        self.pids = [p for p in (backend_pid, *(postgres_aux_pids() if backend_pid else [])) if p]
        self.workers = ParallelWorkers(backend_pid) if backend_pid else None
        self.other_pct = None
        self.parallel_workers_s = 0.0

    def __enter__(self):
        self.machine = machine_cpu_seconds()
        self.own = self._own()
        if self.workers:
            self.workers.start()
        return self

    def _own(self) -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        return me.ru_utime + me.ru_stime + sum(process_cpu_seconds(pid) for pid in self.pids)

    def __exit__(self, *exc):
        if self.workers:
            self.parallel_workers_s = self.workers.stop()
        machine, own = machine_cpu_seconds(), self._own() + self.parallel_workers_s
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
            log(f"  WARNING: the machine is still {busy:.0f}% busy with other work; measuring anyway")
            return busy
        if not announced:
            log(f"  the machine is {busy:.0f}% busy with other work; waiting up to {max_wait:.0f} s")
            announced = True


def percentiles(values: list[float]) -> dict:
    values = sorted(values)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {
        "n": len(values),
        "p50_ms": statistics.median(values),
        "p95_ms": cuts[94],
        "p99_ms": cuts[98],
        "min_ms": values[0],
        "max_ms": values[-1],
        "mean_ms": statistics.fmean(values),
    }


# ---------------------------------------------------------------- the driver's helpers


def postgres_answers() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return None


def fresh_database(kind: str, tmp: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp}/fieldwork.sqlite3"
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return PG_URL


def export_revision(rev: str, into: Path) -> str:
    """Extract the files of commit `rev` into `into` (git archive; the repository is not touched)."""
    sha = subprocess.run(
        ["git", "rev-parse", "--verify", f"{rev}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "archive", "--format=tar", sha], cwd=ROOT, capture_output=True, check=True
    )
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(into, filter="data")
    return sha


def describe_source(rev: str | None, sha: str | None) -> str:
    if sha:
        return f"{sha[:10]} (clean export of --rev {rev})"
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short=10", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
    )
    if head.returncode:
        return "working tree (not a git checkout)"
    return f"{head.stdout.strip()}{' + uncommitted changes' if dirty.stdout.strip() else ''} (working tree)"


def run_database(kind: str, args, app_root: Path) -> dict:
    """Fresh database, migrate, demo --scale 0, then the child that seeds and measures."""
    with tempfile.TemporaryDirectory(prefix="cg-bench-fieldwork-") as tmp:
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "civicgrid.settings.bench",
            "DATABASE_URL": fresh_database(kind, Path(tmp)),
            # Tasks a case report enqueues stay out of the project's var/huey.sqlite3.
            "HUEY_SQLITE_PATH": str(Path(tmp) / "huey.sqlite3"),
            "MEDIA_ROOT": str(Path(tmp) / "media"),
            "BENCH_APP_ROOT": str(app_root),
            "BENCH_ARGS": json.dumps(vars(args)),
        }
        env.pop("PYTHONPATH", None)
        t = time.perf_counter()
        log(f"{kind}: migrate, demo --scale 0")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0", "--skip-checks"],
            cwd=app_root,
            env=env,
            check=True,
        )
        subprocess.run(
            [sys.executable, "manage.py", "demo", "--scale", "0", "--quiet-logins", "--skip-checks"],
            cwd=app_root,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        setup_s = time.perf_counter() - t
        out = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child"],
            cwd=app_root,
            env=env,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["migrate_demo_s"] = setup_s
    return result


# ---------------------------------------------------------------- inside the child: instrumentation


class QueryLog:
    """Collect (sql, params, ms) of every query run inside `connection.execute_wrapper(log)`. The time
    is what `execute` took: on SQLite most of a query's work happens later, while rows are fetched, so
    `replay` measures the database's share properly."""

    def __init__(self):
        self.queries: list[tuple[str, tuple, float]] = []

    def __call__(self, execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((sql, params, (time.perf_counter() - t) * 1000))


def replay(queries: list[tuple[str, tuple, float]], runs: int = 5) -> list[dict]:
    """Run each captured SELECT again `runs` times, all rows fetched: its median time in the database
    (with the driver's row fetching, without Django's model building)."""
    from django.db import connection

    timed = []
    for sql, params, _ms in queries:
        if not sql.lstrip().upper().startswith("SELECT"):
            timed.append({"sql": re.sub(r"\s+", " ", sql)[:600], "ms": None, "rows": None})
            continue
        samples, rows = [], 0
        for _ in range(runs):
            with connection.cursor() as cursor:
                t = time.perf_counter()
                cursor.execute(sql, params)
                rows = len(cursor.fetchall())
                samples.append((time.perf_counter() - t) * 1000)
        timed.append(
            {"sql": re.sub(r"\s+", " ", sql)[:600], "ms": round(statistics.median(samples), 3), "rows": rows}
        )
    return timed


def backend_pid() -> int | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def measured(label: str, once, runs: int, warmup: int, args, before_timing=None) -> dict:
    """Warm up, then time `once()` `runs` times; again (up to --retries) when others took the CPU."""
    attempts = []
    for attempt in range(1 + max(args.retries, 0)):
        quiet = wait_for_quiet(args.wait_quiet)
        for _ in range(warmup):
            once()
        if before_timing:
            before_timing()
        samples = []
        with CpuShare(backend_pid()) as cpu:
            for _ in range(runs):
                t = time.perf_counter()
                once()
                samples.append((time.perf_counter() - t) * 1000)
        stats = percentiles(samples) | {
            "other_cpu_pct": cpu.other_pct,
            "busy_before_pct": quiet,
            "parallel_workers_cpu_s": round(cpu.parallel_workers_s, 2),
        }
        attempts.append((stats, samples))
        log(
            f"  {label}: p50 {stats['p50_ms']:.1f} ms, p95 {stats['p95_ms']:.1f} ms, p99 {stats['p99_ms']:.1f} ms"
            f" (other CPU {cpu.other_pct if cpu.other_pct is not None else '?'} %)"
        )
        if cpu.other_pct is None or cpu.other_pct <= OTHER_CPU_WARN_PCT:
            break
        if attempt < args.retries:
            log(f"  {label}: disturbed by other work, measuring again")
    best, samples = min(attempts, key=lambda a: a[0]["other_cpu_pct"] or 0.0)
    return best | {
        "attempts": len(attempts),
        "discarded": [a[0] for a in attempts if a[0] is not best],
        "samples_ms": [round(s, 3) for s in samples],
    }


def profile(label: str, once, runs: int) -> dict:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        once()
    profiler.disable()
    report = {}
    for key in ("cumulative", "tottime"):
        buffer = io.StringIO()
        pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(key).print_stats(35)
        report[key] = buffer.getvalue()
    log(f"  profile of {runs} × {label} (cumulative):\n{report['cumulative']}")
    log(f"  profile of {runs} × {label} (own time):\n{report['tottime']}")
    return report


# ---------------------------------------------------------------- inside the child: policy search


def _sentences(text: str) -> list[str]:
    return [s + "。" for s in text.split("。") if s.strip()]


def item_variants(data: dict, total: int, rng: random.Random):
    """Yield dicts of variants of the demo items (local versions, yearly editions …) up to `total`."""
    base_items = data["items"]
    by_line: dict[str, list[dict]] = {}
    for item in base_items:
        by_line.setdefault(item["line"], []).append(item)
    districts = list(DISTRICTS)
    k = 0
    while True:
        for item in base_items:
            if k >= total:
                return
            k += 1
            n = k // len(base_items)
            district = districts[(k + n) % len(districts)]
            street = rng.choice(DISTRICTS[district])
            year = 2019 + (k * 7 + n) % 8
            title = item["title"]
            pattern = (n + k) % 8
            titles = [
                f"{title}（{district}）",
                f"{district}{title}",
                f"{title}（{district}{street}）",
                f"{year}年度{title}",
                f"{district}{title}（{year}年版）",
                f"{title}（{street}便民服务中心）",
                f"{title}（{year}年修订·{district}）",
                f"杭州市{district}{title}办事指南",
            ]
            new_title = titles[pattern][:120]
            yearly = pattern in (3, 4, 6)
            active = not (yearly and year < 2023 and rng.random() < 0.4)
            sentences = _sentences(item.get("eligibility", ""))
            local = rng.choice(["本区", district, f"{district}范围内"])
            sentences = [s.replace("本市", local) for s in sentences]
            other = rng.choice(by_line[item["line"]])
            borrowed = _sentences(other.get("eligibility", ""))
            extra = [
                f"{district}户籍居民及在{district}连续居住满{rng.choice((1, 2, 3, 5))}年的持证人员可按本指南办理。",
                f"本指南自{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日起施行，原{year - 1}年版同时废止。",
                f"{street}辖区居民可就近在{street}便民服务中心提交申请，也可申请帮办代办。",
                "行动不便的老年人、残疾人等可预约上门办理。",
                f"申请人可通过“浙里办”APP搜索“{title}”在线提交。",
            ]
            eligibility = "".join(
                sentences
                + rng.sample(extra, 2)
                + ([rng.choice(borrowed)] if borrowed and rng.random() < 0.6 else [])
            )
            materials = list(item.get("materials", []))
            rng.shuffle(materials)
            if len(materials) > 2 and rng.random() < 0.3:
                materials.pop()
            if rng.random() < 0.5:
                materials.append(rng.choice(EXTRA_MATERIALS))
            office = item.get("office", "")
            office = f"{street}{office[2:]}" if office.startswith("街道") else f"{district}{office}"
            process = [
                p.replace("街道", street, 1) if rng.random() < 0.5 else p for p in item.get("process", [])
            ]
            documents = list(item.get("documents", []))
            documents.append(
                {
                    "level": "district" if pattern != 7 else "city",
                    "title": f"《{district}{title}实施细则》",
                    "number": f"{district[:2]}政办发〔{year}〕{rng.randint(1, 120)}号",
                }
            )
            time_limit = item.get("time_limit", "")
            if re.match(r"^\d+个工作日$", time_limit) and rng.random() < 0.4:
                time_limit = f"{rng.choice((3, 5, 7, 10, 15, 20))}个工作日"
            yield {
                "line": item["line"],
                "code": f"{item['code']}-{k:05d}",
                "title": new_title,
                "eligibility": eligibility,
                "materials": materials,
                "process": process,
                "office": office,
                "time_limit": time_limit,
                "fee": item.get("fee", ""),
                "documents": documents,
                "is_active": active,
            }


def seed_items(total: int, seed: int) -> dict:
    from django.db import connection, transaction

    from civicgrid.fieldwork.choices import DocumentLevel
    from civicgrid.fieldwork.demo import load_policy_library
    from civicgrid.fieldwork.models import PolicyDocument, ServiceItem, ServiceLine
    from civicgrid.fieldwork.search import DATA, index_text

    t0 = time.perf_counter()
    demo_items = load_policy_library()  # item_save: the real path, with its reindex
    loaded = time.perf_counter()
    data = json.loads((DATA / "service_items.json").read_text(encoding="utf-8"))
    lines = {line.code: line for line in ServiceLine.objects.all()}
    levels = set(DocumentLevel.values)
    rng = random.Random(seed)
    words_s, insert_s, made, inactive = 0.0, 0.0, 0, 0
    batch: list[tuple[ServiceItem, list[dict]]] = []

    def flush():
        nonlocal insert_s
        t = time.perf_counter()
        with transaction.atomic():
            items = ServiceItem.objects.bulk_create([item for item, _docs in batch])
            PolicyDocument.objects.bulk_create(
                [
                    PolicyDocument(
                        item=item,
                        level=d["level"] if d["level"] in levels else DocumentLevel.DISTRICT,
                        title=d["title"][:200],
                        number=d.get("number", "")[:100],
                    )
                    for item, (_i, docs) in zip(items, batch, strict=True)
                    for d in docs
                ]
            )
        insert_s += time.perf_counter() - t
        batch.clear()

    for variant in item_variants(data, total - demo_items, rng):
        t = time.perf_counter()
        documents = " ".join(d["title"] for d in variant["documents"])
        # The body as services.item_reindex builds it.
        body = " ".join(
            [
                variant["eligibility"],
                " ".join(variant["materials"]),
                " ".join(variant["process"]),
                variant["office"],
                documents,
            ]
        )
        search_title, search_body = index_text(variant["title"], body)
        words_s += time.perf_counter() - t
        item = ServiceItem(
            line=lines[variant["line"]],
            code=variant["code"],
            title=variant["title"],
            eligibility=variant["eligibility"],
            materials=variant["materials"],
            process=variant["process"],
            office=variant["office"][:100],
            time_limit=variant["time_limit"][:40],
            fee=variant["fee"][:40],
            is_active=variant["is_active"],
            search_title=search_title,
            search_body=search_body,
        )
        inactive += not variant["is_active"]
        batch.append((item, variant["documents"]))
        made += 1
        if len(batch) == 500:
            flush()
            if made % 2000 == 0:
                log(f"  {demo_items + made:,} items ({time.perf_counter() - t0:.0f} s)")
    if batch:
        flush()
    t = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM (ANALYZE) fieldwork_serviceitem")
            cursor.execute("VACUUM (ANALYZE) fieldwork_policydocument")
            cursor.execute("SELECT pg_total_relation_size('fieldwork_serviceitem')")
            size = cursor.fetchone()[0]
            cursor.execute("SELECT pg_relation_size('fieldwork_item_search_vector')")
            index_size = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT count(*) FROM fieldwork_item_fts")
            size, index_size = None, None
            fts_rows = cursor.fetchone()[0]
    result = {
        "items": ServiceItem.objects.count(),
        "active": ServiceItem.objects.filter(is_active=True).count(),
        "inactive_variants": inactive,
        "demo_items_via_item_save": demo_items,
        "demo_load_s": loaded - t0,
        "variants": made,
        "index_text_s": words_s,
        "bulk_insert_s": insert_s,
        "analyze_s": time.perf_counter() - t,
        "seed_s": time.perf_counter() - t0,
    }
    if connection.vendor == "postgresql":
        result |= {"table_mb": size / 2**20, "gin_index_mb": index_size / 2**20}
    else:
        result["fts_rows"] = fts_rows
    return result


def explain_search(query: str) -> list[dict]:
    """The plan of each SQL statement one search sends (EXPLAIN ANALYZE on PostgreSQL)."""
    from django.db import connection

    from civicgrid.fieldwork import search

    captured = []

    def capture(execute, sql, params, many, context):
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        search.search_ids(query)
    plans = []
    for sql, params in captured:
        prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            rows = cursor.fetchall()
        plan = "\n".join(r[0] if len(r) == 1 else " | ".join(str(x) for x in r) for r in rows)
        plans.append(
            {"sql": re.sub(r"\s+", " ", sql).strip(), "params": [str(p) for p in params], "plan": plan}
        )
    return plans


def measure_search(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from civicgrid.fieldwork import search, selectors
    from civicgrid.fieldwork.search import DATA
    from civicgrid.org.selectors import forget_memberships

    log(f"policy search: seeding {args.items:,} items")
    seeded = seed_items(args.items, args.seed)
    log(
        f"  {seeded['items']:,} items ({seeded['active']:,} active) in {seeded['seed_s']:.0f} s"
        f" (index_text {seeded['index_text_s']:.0f} s, inserts {seeded['bulk_insert_s']:.0f} s)"
    )
    questions = json.loads((DATA / "search_questions.json").read_text(encoding="utf-8"))
    user = get_user_model().objects.get(username=WORKER)
    search.synonyms()
    search._jieba()  # loaded once per worker process, not per request

    def ask(q: str) -> list:
        forget_memberships(user)  # each request reads the user's memberships afresh
        return selectors.items_search(user=user, query=q)

    # Quality and cost of each question, once.
    per_question = []
    for entry in questions:
        queries = QueryLog()
        with connection.execute_wrapper(queries):
            found = ask(entry["q"])
        codes = [item.code for item in found]
        family = [c == entry["expect"] or c.startswith(entry["expect"] + "-") for c in codes]
        per_question.append(
            {
                "q": entry["q"],
                "expect": entry["expect"],
                "terms": search.query_terms(entry["q"]),
                "results": len(codes),
                "first": codes[0] if codes else None,
                "top1": bool(family and family[0]),
                "top20": any(family),
                "queries": len(queries.queries),
                "sql_ms": sum(q["ms"] or 0 for q in replay(queries.queries, runs=3)),
            }
        )
    cycle = [q["q"] for q in questions]
    stats = time_searches("items_search", ask, cycle, args)
    result = {
        "seed": seeded,
        "questions": len(questions),
        "top1": sum(q["top1"] for q in per_question),
        "top20": sum(q["top20"] for q in per_question),
        "queries_per_search": statistics.mean(q["queries"] for q in per_question),
        "queries_per_search_max": max(q["queries"] for q in per_question),
        "per_question": per_question,
        "plans_of_slowest": explain_search(stats["slowest_questions_median_ms"][0][0]),
        **stats,
    }
    if args.profile:
        result["profile"] = profile("items_search (whole question list)", lambda: [ask(q) for q in cycle], 1)
    return result


def time_searches(label: str, ask, cycle: list[str], args) -> dict:
    """--queries searches cycling the questions after one warm-up round; the slowest questions."""
    position = {"i": 0}
    times: dict[str, list[float]] = {}

    def once():
        q = cycle[position["i"] % len(cycle)]
        position["i"] += 1
        t = time.perf_counter()
        ask(q)
        times.setdefault(q, []).append((time.perf_counter() - t) * 1000)

    stats = measured(label, once, args.queries, len(cycle), args, before_timing=times.clear)
    slowest = sorted(((q, statistics.median(v)) for q, v in times.items()), key=lambda item: -item[1])
    return stats | {"slowest_questions_median_ms": slowest[:5]}


# Not in the app: built in the bench database only, to see what a change of the index would buy.
# ---------------------------------------------------------------- inside the child: my day


def _populate_grid(
    grid, worker, n_households: int, rng, names, groups, now, tag: str, today_visits: int = 0
) -> dict:
    """Buildings, rooms, households, people, graded group members and a visit history in one grid."""
    from civicgrid.fieldwork.models import Visit
    from civicgrid.registry.choices import PersonStatus, Relation, ResidenceType, RoomUse
    from civicgrid.registry.models import Building, Entrance, GroupMembership, Household, Person, Room

    per_building = 2 * 12 * 2  # entrances × floors × rooms per floor
    n_buildings = math.ceil(n_households * 1.12 / per_building)
    ring = grid.boundary["coordinates"][0] if grid.boundary else None
    buildings = Building.objects.bulk_create(
        [
            Building(
                grid=grid,
                road=f"{tag}路{i + 1}号",
                name=f"{b + 1}幢",
                lat=ring[0][1] + (ring[2][1] - ring[0][1]) * rng.random() if ring else None,
                lng=ring[0][0] + (ring[2][0] - ring[0][0]) * rng.random() if ring else None,
            )
            for i, b in ((j // 4, j % 4) for j in range(n_buildings))
        ]
    )
    entrances = Entrance.objects.bulk_create(
        [Entrance(building=b, name=f"{e}单元") for b in buildings for e in (1, 2)]
    )
    rooms = Room.objects.bulk_create(
        [
            Room(
                entrance=e,
                grid=grid,
                number=f"{floor}0{unit}",
                floor=floor,
                use=rng.choices((RoomUse.SELF_OCCUPIED, RoomUse.RENTED), weights=(75, 25))[0],
                owner_name=names(),
                area=rng.choice((48, 62, 75, 89, 96, 120)),
            )
            for e in entrances
            for floor in range(1, 13)
            for unit in (1, 2)
        ],
        batch_size=2000,
    )
    chosen = sorted(rng.sample(rooms, n_households), key=lambda r: r.pk)
    households = Household.objects.bulk_create(
        [Household(room=r, grid=grid) for r in chosen], batch_size=2000
    )
    people, graded_of = [], []
    for household in households:
        size = rng.choices((1, 2, 3, 4, 5), weights=(20, 32, 26, 15, 7))[0]
        members = []
        for i in range(size):
            status = rng.choices(
                (PersonStatus.LIVING, PersonStatus.MOVED_OUT, PersonStatus.DECEASED), weights=(96, 2.5, 1.5)
            )[0]
            members.append(
                Person(
                    full_name=names(),
                    household=household,
                    grid=grid,
                    relation=Relation.HEAD
                    if i == 0
                    else rng.choice((Relation.SPOUSE, Relation.CHILD, Relation.PARENT)),
                    residence_type=ResidenceType.REGISTERED,
                    status=status,
                )
            )
        people.extend(members)
        graded = min(size, rng.choices((1, 2, 3), weights=(55, 40, 5))[0])
        graded_of.append((household, members[:graded]))
    Person.objects.bulk_create(people, batch_size=2000)
    codes = list(GROUP_WEIGHTS)
    memberships, interval_of, since_of = [], {}, {}
    for household, members in graded_of:
        for person in members:
            group = groups[rng.choices(codes, weights=list(GROUP_WEIGHTS.values()))[0]]
            grade = rng.choice((1, 2, 2, 3))
            recent = rng.random() < 0.02
            since = (now - timedelta(days=rng.uniform(1, 9) if recent else rng.uniform(30, 1500))).date()
            active = rng.random() > 0.03
            memberships.append(
                GroupMembership(person=person, group=group, grade=grade, since=since, is_active=active)
            )
            interval = [group.visit_days_grade_1, group.visit_days_grade_2, group.visit_days_grade_3][
                grade - 1
            ]
            if active and person.status == PersonStatus.LIVING and interval:
                interval_of[household.pk] = min(interval_of.get(household.pk, interval), interval)
                since_of[household.pk] = min(since_of.get(household.pk, since), since)
    GroupMembership.objects.bulk_create(memberships, batch_size=2000)
    visits, never, last_of = [], 0, {}
    for household in households:
        interval = interval_of.get(household.pk) or rng.choice((30, 90, 180))  # ungraded: occasional visits
        if household.pk in since_of and (now.date() - since_of[household.pk]).days < 10:
            never += 1
            continue  # joined a group recently, never visited yet
        if household.pk in interval_of and rng.random() < 0.02:
            never += 1
            continue
        if household.pk not in interval_of and rng.random() < 0.5:
            continue
        ago = rng.uniform(0.1, 1.25) * interval
        last_of[household.pk] = now - timedelta(days=ago)
        for _ in range(rng.randint(2, 6)):
            visited = now - timedelta(days=ago, hours=rng.uniform(0, 8))
            visits.append(
                Visit(
                    grid=grid,
                    household=household,
                    visitor=worker,
                    visited_at=visited,
                    met=rng.choice(("户主", "本人", "家属")),
                    notes=rng.choice(VISIT_NOTES),
                    lat=household.room.entrance.building.lat,
                    lng=household.room.entrance.building.lng,
                    data_confirmed=rng.random() < 0.3,
                )
            )
            ago += interval * rng.uniform(0.8, 1.2)
    if today_visits:  # what the worker did this morning (the page's "today" and "recent" lists)
        for household in rng.sample(households, today_visits):
            visits.append(
                Visit(
                    grid=grid,
                    household=household,
                    visitor=worker,
                    visited_at=now - timedelta(minutes=rng.uniform(10, 150)),
                    met="户主",
                    notes=rng.choice(VISIT_NOTES),
                )
            )
            last_of[household.pk] = now
    Visit.objects.bulk_create(visits, batch_size=2000)
    today = now.date()
    due = 0
    for household in households:
        if household.pk not in interval_of:
            continue
        last = last_of.get(household.pk)
        if last is None or (last + timedelta(days=interval_of[household.pk])).date() <= today:
            due += 1
    return {
        "households": len(households),
        "people": len(people),
        "group_memberships": len(memberships),
        "scheduled_households": len(interval_of),
        "visits": len(visits),
        "never_visited": never,
        "due_estimate": due,
    }


def _open_cases(worker, grid, n: int, rng, now) -> dict:
    """n open cases in the worker's grid, reported and claimed through the case services."""
    from civicgrid.cases import services
    from civicgrid.cases.choices import Channel
    from civicgrid.cases.demo import DESCRIPTIONS
    from civicgrid.cases.models import Case, Category

    categories = list(Category.objects.filter(is_active=True).select_related("policy"))
    ring = grid.boundary["coordinates"][0]
    made = {"claimed": 0, "verified": 0, "resolved": 0}
    for i in range(n):
        category = categories[i % len(categories)]
        claim_hours = float(category.policy.claim_hours)
        reported = now - timedelta(hours=rng.uniform(2, 24 * 12))
        case = services.case_report(
            actor=worker,
            channel=Channel.REWARDED_REPORT if category.is_rewarded else Channel.VISIT,
            category=category,
            description=rng.choice(DESCRIPTIONS.get(category.code, ["走访发现的问题"])),
            lat=ring[0][1] + (ring[2][1] - ring[0][1]) * rng.uniform(0.1, 0.9),
            lng=ring[0][0] + (ring[2][0] - ring[0][0]) * rng.uniform(0.1, 0.9),
            grid=grid,
            now=reported,
        )
        claimed = reported + timedelta(hours=rng.uniform(0.05, 0.8) * claim_hours)
        claimed = min(claimed, now - timedelta(minutes=5))
        case = services.case_claim(case=case, actor=worker, now=claimed)
        made["claimed"] += 1
        stage = rng.random()
        verified = claimed + timedelta(hours=rng.uniform(0.5, 20))
        if stage < 0.4 or verified > now:
            continue
        case = services.case_verify(case=case, actor=worker, note="已到现场核实", now=verified)
        made["verified"] += 1
        resolved = verified + timedelta(hours=rng.uniform(1, 48))
        if stage < 0.85 or resolved > now:
            continue
        services.case_resolve(case=case, actor=worker, note="已协调处理完毕", now=resolved)
        made["resolved"] += 1
    made["open_held_by_grid"] = (
        Case.objects.filter(holder=grid).exclude(status__in=["closed", "merged"]).count()
    )
    return made


def _background_cases(n: int, grid, grids, rng, now) -> dict:
    """n cases written in bulk across the street's grids (the worker's among them): 95 % closed, the rest
    open and held by their grid's worker (never in the worker's grid: its open cases are exactly --cases)."""
    from civicgrid.cases.models import Case, Category
    from civicgrid.org.choices import Role
    from civicgrid.org.models import Membership

    if n <= 0:
        return {"cases": 0}
    categories = list(Category.objects.filter(is_active=True).select_related("policy"))
    worker_of = dict(
        Membership.objects.filter(role=Role.GRID_WORKER, is_active=True).values_list("unit_id", "user_id")
    )
    generated = getattr(Case._meta.get_field("number"), "generated", False)
    rows = []
    for i in range(n):
        g = rng.choice(grids)
        home = g.pk == grid.pk
        category = rng.choice(categories)
        reported = now - timedelta(days=rng.uniform(14, 3 * 365))
        closed = reported + timedelta(hours=rng.uniform(2, 24 * 10))
        open_ = not home and rng.random() < 0.05
        fields = {
            "channel": "visit",
            "category": category,
            "policy": category.policy,
            "description": "历史问题",
            "address": g.name,
            "grid": g,
            "reporter_id": worker_of.get(g.pk),
            "status": "claimed" if open_ else "closed",
            "holder": g,
            "holder_user_id": worker_of.get(g.pk),
            "reported_at": reported,
            "entered_centre_at": reported,
            "assigned_at": reported + timedelta(hours=1),
            "stage_started_at": now - timedelta(days=1) if open_ else None,
            "stage_due_at": now + timedelta(days=rng.uniform(-2, 6)) if open_ else None,
            "stage_yellow_at": now + timedelta(days=rng.uniform(-3, 3)) if open_ else None,
            "resolved_at": None if open_ else closed - timedelta(hours=1),
            "closed_at": None if open_ else closed,
            "outcome": "" if open_ else "resolved",
        }
        if not generated:
            fields["number"] = f"B{i + 1:014d}"
        rows.append(Case(**fields))
    Case.objects.bulk_create(rows, batch_size=2000)
    return {"cases": n, "in_worker_grid": sum(1 for r in rows if r.grid_id == grid.pk)}


def seed_my_day(args) -> tuple[object, object, dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from civicgrid.accounts.demo import NameSource
    from civicgrid.core import clock
    from civicgrid.org.choices import Role, UnitKind
    from civicgrid.org.models import Membership, OrgUnit
    from civicgrid.registry.models import ServiceGroup

    rng = random.Random(args.seed + 1)
    source = NameSource(seed=args.seed + 2)
    names = source.next
    now = clock.now()
    worker = get_user_model().objects.get(username=WORKER)
    grid = (
        Membership.objects.select_related("unit").get(user=worker, role=Role.GRID_WORKER, is_active=True).unit
    )
    groups = {g.code: g for g in ServiceGroup.objects.all()}
    missing = set(GROUP_WEIGHTS) - set(groups)
    assert not missing, f"demo service groups missing: {missing}"
    grids = list(OrgUnit.objects.filter(kind=UnitKind.GRID, is_active=True).order_by("code"))
    others = [g for g in grids if g.pk != grid.pk][: max(args.other_grids, 0)]
    worker_of = {
        m.unit_id: m.user
        for m in Membership.objects.filter(
            role=Role.GRID_WORKER, is_active=True, unit__in=others
        ).select_related("user")
    }
    t0 = time.perf_counter()
    with transaction.atomic():
        mine = _populate_grid(
            grid, worker, args.households, rng, names, groups, now, "凯旋基准", today_visits=3
        )
    log(f"  worker's grid: {mine}")
    with transaction.atomic():
        for i, other in enumerate(others):
            _populate_grid(
                other, worker_of[other.pk], args.households, rng, names, groups, now, f"基准{i + 1}"
            )
    log(f"  {len(others)} other grids × {args.households} households ({time.perf_counter() - t0:.0f} s)")
    t = time.perf_counter()
    with transaction.atomic():
        background = _background_cases(args.background_cases, grid, grids, rng, now)
    cases = _open_cases(worker, grid, args.cases, rng, now)
    log(f"  cases: {cases}; background {background} ({time.perf_counter() - t:.0f} s)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("CHECKPOINT")
    return (
        worker,
        grid,
        {
            "worker": WORKER,
            "grid": grid.name,
            "worker_grid": mine,
            "other_grids": len(others),
            "open_cases": cases,
            "background_cases": background,
            "seed_s": time.perf_counter() - t0,
        },
    )


def measure_my_day(args) -> dict:
    from django.db import connection
    from django.test import Client

    from civicgrid.fieldwork import selectors
    from civicgrid.fieldwork.models import Visit
    from civicgrid.org.selectors import forget_memberships
    from civicgrid.registry.models import Household

    log(
        f"my day: seeding {args.households} households (+ {args.other_grids} other grids), "
        f"{args.cases} open cases, {args.background_cases:,} background cases"
    )
    worker, grid, seeded = seed_my_day(args)
    day = selectors.my_day(user=worker)
    seeded["page_figures"] = {
        "due_total": day.due_total,
        "due_shown": len(day.due),
        "cases_shown": len(day.cases),
        "lights": {
            light: sum(1 for c in day.cases if c["light"] == light)
            for light in {c["light"] for c in day.cases}
        },
        "unread": day.unread,
        "visits_today": day.visits_today,
        "households_in_grid": Household.objects.filter(grid=grid).count(),
        "visits_in_grid": Visit.objects.filter(grid=grid).count(),
    }
    log(f"  my day shows: {seeded['page_figures']}")
    problems = []
    if len(day.cases) < min(args.cases, 50):
        problems.append(f"my_day lists {len(day.cases)} cases, expected {min(args.cases, 50)}")

    client = Client(SERVER_NAME="127.0.0.1")  # ALLOWED_HOSTS of the bench settings
    client.force_login(worker)
    page = client.get("/fieldwork/")
    if page.status_code != 200 or "我的一天" not in page.content.decode():
        problems.append(f"GET /fieldwork/ answered {page.status_code}")
    elif page.content.decode().count('data-testid="due-visit"') != len(day.due):
        problems.append("the page does not list the due households")
    api = client.get("/api/v1/fieldwork/my-day")
    if api.status_code != 200 or "due_total" not in api.json():
        problems.append(f"GET /api/v1/fieldwork/my-day answered {api.status_code}")
    result = {
        "seed": seeded,
        "problems": problems,
        "page_bytes": len(page.content),
        "api_bytes": len(api.content),
    }
    if problems:
        log(f"  PROBLEMS: {problems}")
        return result

    def get(url: str):
        def once():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")

        return once

    def selector_once():
        forget_memberships(worker)
        selectors.my_day(user=worker)

    for key, label, once in (
        ("page", "GET /fieldwork/", get("/fieldwork/")),
        ("api", "GET /api/v1/fieldwork/my-day", get("/api/v1/fieldwork/my-day")),
        ("selector", "selectors.my_day alone", selector_once),
    ):
        stats = measured(label, once, args.requests, args.warmup, args)
        # SQL per request, on separate instrumented requests.
        per_request = []
        for _ in range(10):
            queries = QueryLog()
            with connection.execute_wrapper(queries):
                once()
            per_request.append(queries)
        sql = replay(per_request[-1].queries)
        stats |= {
            "queries": statistics.median(len(q.queries) for q in per_request),
            "db_ms": sum(q["ms"] or 0 for q in sql),
            "sql": sql,
        }
        log(
            f"  {label}: {stats['queries']:.0f} queries, {stats['db_ms']:.1f} ms of them in the database (replayed)"
        )
        if args.profile:
            stats["profile"] = profile(label, once, 50)
        result[key] = stats
    return result


def run_child() -> None:
    app_root = os.environ.get("BENCH_APP_ROOT", str(ROOT))
    sys.path.insert(0, app_root)
    import warnings

    import django

    # whitenoise warns once that STATIC_ROOT does not exist (no collectstatic in a bench database).
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.db import connection

    args = argparse.Namespace(**json.loads(os.environ["BENCH_ARGS"]))
    result: dict = {"vendor": connection.vendor}
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT sqlite_version()")
            result["server"] = f"SQLite {cursor.fetchone()[0]}"
    else:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            result["server"] = f"PostgreSQL {cursor.fetchone()[0]}"
    if args.only in (None, "search"):
        result["search"] = measure_search(args)
    if args.only in (None, "myday"):
        result["my_day"] = measure_my_day(args)
    print(json.dumps(result, ensure_ascii=False, default=str))


# ---------------------------------------------------------------- the driver


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def table_rows(kind: str, result: dict) -> list[tuple]:
    rows = []

    def add(label, stats, goal=None, queries="", note=""):
        other = stats.get("other_cpu_pct")
        disturbed = f"other CPU {other:.0f} %" if other is not None and other > OTHER_CPU_WARN_PCT else ""
        met = "" if goal is None else ("yes" if stats["p95_ms"] <= goal else "NO")
        rows.append(
            (
                kind,
                label,
                fmt(stats["p50_ms"]),
                fmt(stats["p95_ms"]),
                fmt(stats["p99_ms"]),
                "—" if goal is None else f"p95 ≤ {goal:.0f} ms",
                met or "info",
                queries,
                "; ".join(x for x in (note, disturbed) if x),
            )
        )

    search = result.get("search")
    if search:
        add(
            f"policy search, {search['seed']['items']:,} items ({search['n']} queries)",
            search,
            SEARCH_GOAL_MS,
            f"{search['queries_per_search']:.1f}",
            f"expected item first {search['top1']}/{search['questions']}, in top 20 {search['top20']}/{search['questions']}",
        )
    day = result.get("my_day")
    if day and not day.get("problems"):
        figures = day["seed"]["page_figures"]
        households = day["seed"]["worker_grid"]["households"]
        for key, label, goal in (
            ("page", "my-day page GET /fieldwork/", PAGE_GOAL_MS),
            ("api", "my-day API GET /api/v1/fieldwork/my-day", PAGE_GOAL_MS),
            ("selector", "  selectors.my_day alone", None),
        ):
            stats = day[key]
            note = ""
            if key == "page":
                note = (
                    f"{households} households, {figures['due_total']} due ({figures['due_shown']} shown), "
                    f"{figures['cases_shown']} cases; {stats['db_ms']:.1f} ms in SQL"
                )
            elif key in ("api", "selector"):
                note = f"{stats['db_ms']:.1f} ms in SQL"
            add(label, stats, goal, f"{stats['queries']:.0f}", note)
    elif day:
        rows.append((kind, "my day", "", "", "", "", "FAILED", "", "; ".join(day["problems"])))
    return rows


def figures_of(kind: str, result: dict) -> list[dict]:
    """The rows of table_rows() in the shape of bench/figures.py (the selector alone is information)."""
    found = []

    def latency(label: str, stats: dict, goal: float | None, note: str = "") -> None:
        measured = f"p50 {fmt(stats['p50_ms'])} ms, p95 {fmt(stats['p95_ms'])} ms" + (
            f"; {note}" if note else ""
        )
        other = stats.get("other_cpu_pct")
        if other is not None and other > OTHER_CPU_WARN_PCT:
            measured += f" [other CPU {other:.0f} %]"
        if goal is None:
            found.append(shape.info(label, measured, value=stats["p95_ms"], db=kind))
        else:
            found.append(shape.at_most(label, stats["p95_ms"], goal, measured=measured, db=kind))

    search = result.get("search")
    if search:
        latency(
            f"policy search, {search['seed']['items']:,} items ({search['n']} queries)",
            search,
            SEARCH_GOAL_MS,
            f"expected item first {search['top1']}/{search['questions']}, "
            f"in top 20 {search['top20']}/{search['questions']}",
        )
    day = result.get("my_day")
    if day and not day.get("problems"):
        households = day["seed"]["worker_grid"]["households"]
        for key, label, goal in (
            ("page", f"my-day page GET /fieldwork/ ({households} households)", PAGE_GOAL_MS),
            ("api", "my-day API GET /api/v1/fieldwork/my-day", PAGE_GOAL_MS),
            ("selector", "  selectors.my_day alone", None),
        ):
            stats = day[key]
            latency(label, stats, goal, f"{stats['queries']:.0f} queries, {stats['db_ms']:.1f} ms in SQL")
    elif day:
        found.append(shape.failed("my day", "; ".join(day["problems"]), db=kind))
    return found


def print_table(rows: list[tuple]) -> None:
    header = ("database", "measurement", "p50 ms", "p95 ms", "p99 ms", "target", "met?", "SQL/req", "notes")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    right = {2, 3, 4, 7}
    for row in [header, *rows]:
        cells = [
            str(cell).rjust(width) if i in right and row is not header else str(cell).ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--only", choices=["search", "myday"], default=None, help="run one of the two parts")
    parser.add_argument("--items", type=int, default=10_000, help="service items in the policy library")
    parser.add_argument("--queries", type=int, default=300, help="timed searches (cycling the questions)")
    parser.add_argument("--households", type=int, default=600, help="households in the worker's grid")
    parser.add_argument("--cases", type=int, default=50, help="open cases held by the worker's grid")
    parser.add_argument(
        "--other-grids",
        type=int,
        default=168,
        help="other grids populated the same way (168: the whole street)",
    )
    parser.add_argument(
        "--background-cases", type=int, default=20_000, help="cases written in bulk across the street"
    )
    parser.add_argument("--requests", type=int, default=300, help="timed requests per my-day row")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per my-day row")
    parser.add_argument("--retries", type=int, default=3, help="re-measure when other work took > 10 %% CPU")
    parser.add_argument("--wait-quiet", type=float, default=120, help="seconds to wait for a quiet machine")
    parser.add_argument("--profile", action="store_true", help="cProfile the rows (to stderr and the JSON)")
    parser.add_argument("--rev", default=None, help="measure a clean git archive of this commit")
    parser.add_argument("--seed", type=int, default=663)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if args.child:
        run_child()
        return 0
    if args.queries < 1 or args.requests < 1 or args.households < 1:
        parser.error("--queries, --requests and --households must be positive")
    started = datetime.now(UTC)
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results: dict = {"started": started.isoformat(), "args": vars(args)}
    rows, notes, failed, found = [], [], False, []
    with tempfile.TemporaryDirectory(prefix="cg-bench-fieldwork-src-") as export_dir:
        app_root, sha = ROOT, None
        if args.rev:
            app_root = Path(export_dir)
            sha = export_revision(args.rev, app_root)
        results["source"] = describe_source(args.rev, sha)
        log(f"source: {results['source']}")
        for kind in kinds:
            if kind == "postgres":
                why = postgres_answers()
                if why:
                    notes.append(f"PostgreSQL skipped: it does not answer on 127.0.0.1:5432 ({why})")
                    log(notes[-1])
                    found.append(
                        shape.skipped("field workbench", f"PostgreSQL does not answer ({why})", db=kind)
                    )
                    continue
            t = time.perf_counter()
            try:
                results[kind] = run_database(kind, args, app_root)
            except subprocess.CalledProcessError as error:  # the step's own output went to stderr above
                log(f"{kind}: {error}")
                results[kind] = {"failed": str(error)}
                rows.append((kind, "field workbench", "", "", "", "", "FAILED", "", str(error)))
                found.append(shape.failed("field workbench", str(error), db=kind))
                failed = True
                continue
            results[kind]["total_s"] = time.perf_counter() - t
            rows += table_rows(kind, results[kind])
            found += figures_of(kind, results[kind])
            day = results[kind].get("my_day")
            failed |= bool(day and day.get("problems"))
    results["finished"] = datetime.now(UTC).isoformat()
    print(f"\nCivicGrid field workbench bench · {results['source']} · {started:%Y-%m-%d %H:%M} UTC\n")
    print_table(rows)
    for kind in kinds:
        search = results.get(kind, {}).get("search")
        if search:
            slow = ", ".join(f"{q} {ms:.1f} ms" for q, ms in search["slowest_questions_median_ms"][:3])
            print(f"\n{kind}: slowest questions (median): {slow}")
            missed = [q["q"] for q in search["per_question"] if not q["top20"]]
            if missed:
                print(f"{kind}: expected item not in the 20 results for: {', '.join(missed)}")
    for note in notes:
        print(f"\nnote: {note}")
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    path = Path(args.json) if args.json else ROOT / "bench" / "results" / f"fieldwork-{stamp}.json"
    shape.write(path, "fieldwork", found, results)
    print(f"\nwritten {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
