#!/usr/bin/env python3
"""Every benchmark in one command: one table of every figure against its target, one JSON file.

Usage (from the project root, with the project's .venv):

    .venv/bin/python bench/suite.py                          # every script at its own sizes
    .venv/bin/python bench/suite.py --quick                  # small sizes, a smoke run (minutes)
    .venv/bin/python bench/suite.py --only market,bookings --db sqlite
    .venv/bin/python bench/suite.py --skip cases,portal --timeout 1800
    .venv/bin/python bench/suite.py --quick --args registry="--rows 5000"
    .venv/bin/python bench/suite.py --list                   # the scripts and their quick sizes

Options: --only a,b / --skip a,b (script names, see --list); --quick (each script's small sizes, see
QUICK below); --db sqlite|postgres|both (default: each script's own default; a script that cannot
measure the database asked for shows a skipped row; one that takes a single database at a time is run
once per database); --timeout SECONDS per script run (0: none; a script past it is stopped like
Ctrl-C: SIGTERM to its process group, SIGKILL a minute later); --args NAME="..." extra options for
one script (repeatable; appended after the suite's own, so they win); --json FILE (default
bench/results/suite-<UTC timestamp>.json).

The scripts run one after the other (the machine has two cores; two benchmarks at once would measure
each other). Each writes its own table and log lines to bench/results/suite-<timestamp>-<script>.log
and its JSON next to it; the suite prints one progress line per script, then ONE table — script,
database, figure, target, measured, ratio, result — built from the "figures" list every script puts
in its JSON (the shape is described in bench/figures.py). bench/mixed.py and bench/cockpit.py join
the run when they are there: their --help says whether they take --db and --quick.

A script that exits without a results file, or with a non-zero status its figures do not explain
(a crash, a missing tool such as wrk, a timeout), is one failed row with its exit status and the last
line of its stderr; the last lines of that stderr are printed under the table and kept in the JSON.

Exit status: 0 when no figure failed; 1 when any figure failed or any script crashed; 2 for bad
options. Standard library only.
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
sys.path.insert(0, str(BENCH_DIR))
import figures as shape  # noqa: E402  (bench/figures.py)

PYTHON = ROOT / ".venv" / "bin" / "python"
STDERR_TAIL = 20
MEASURED_WIDTH = 110  # the table cuts longer "measured" texts; the JSON keeps them whole
KILL_GRACE_S = 60  # after SIGTERM, time for a script to stop its servers and write partial results


@dataclass(frozen=True)
class Script:
    name: str
    file: str  # under bench/
    about: str
    dbs: tuple[str, ...] = ("sqlite", "postgres")  # the databases it can measure
    both: bool = True  # accepts --db both (otherwise run once per database)
    db_option: bool = True  # has a --db option at all
    quick: str = ""  # options for --quick
    needs: tuple[str, ...] = ()  # programs it needs on PATH
    optional: bool = False  # part of the run only when the file is there (options read from --help)


# Cheapest first, so that a smoke run reports something useful early. The quick sizes keep every step
# of each script (seeding, the measurement, the checks) and only make the data and the runs smaller.
SCRIPTS: list[Script] = [
    Script(
        "bookings",
        "bookings.py",
        "100 concurrent bookings of one slot: exactly 1 confirmed",
        quick="--attempts 20",
    ),
    Script(
        "activities",
        "activities.py",
        "200 concurrent sign-ups for 50 places: 50 confirmed + 150 waiting in order",
        quick="--people 40 --places 10 --threads 8",
    ),
    Script(
        "market",
        "market.py",
        "merchant distance search over 50,000 merchants: p95 ≤ 50 ms",
        quick="--merchants 5000 --searches 60",
    ),
    Script(
        "registry",
        "registry.py",
        "import ≥ 0.3× bulk_create; person search over 1 M people p95 ≤ 50 ms (PostgreSQL)",
        quick="--rows 2000 --people 20000",
    ),
    Script(
        "scoring",
        "scoring.py",
        "monthly close of 2,000 grids and 1 M cases ≤ 60 s",
        dbs=("postgres", "sqlite"),
        both=False,
        quick="--grids 100 --cases 20000 --visits 5",
    ),
    Script(
        "fieldwork",
        "fieldwork.py",
        "policy search p95 ≤ 30 ms; my-day page and API p95 ≤ 150 ms",
        quick="--items 500 --queries 40 --households 60 --cases 10 --requests 40 --warmup 5 "
        "--other-grids 0 --background-cases 0 --retries 0 --wait-quiet 10",
    ),
    Script(
        "cases",
        "cases.py",
        "sweep and centre list/page over 1 M cases (PostgreSQL): p95 ≤ 50 ms, ≥ 2,000 actions/s",
        dbs=("postgres",),
        db_option=False,
        quick="--cases 20000 --sweeps 10 --runs 20 --due 500 --no-candidate-index --wait-quiet 10",
    ),
    Script(
        "run",
        "run.py",
        "HTTP rows under wrk: case report ≥ 0.5× insert, centre page ≥ 0.5× the 20-row list",
        quick="--duration 3 --wait-quiet 10 --retries 0",
        needs=("wrk",),
    ),
    Script(
        "portal",
        "portal.py",
        "portal pages: single-client p95 ≤ 50 ms, req/s ≥ 0.5× the 20-row list",
        quick="--duration 3 --requests 40 --publications 5000 --news 100 --wait-quiet 10 --retries 0 "
        "--profile never",
        needs=("wrk",),
    ),
    Script(
        "mixed",
        "mixed.py",
        "mixed load on the production profile against the 20-row list (PostgreSQL; when bench/mixed.py "
        "is there)",
        dbs=("postgres",),
        quick="--web 1 --steps 8,16 --warmup 3 --measure 5 --ref-duration 3",
        needs=("wrk",),
        optional=True,
    ),
    Script(
        "cockpit",
        "cockpit.py",
        "leaders' cockpit pages over 1 M cases and 2 M visits (PostgreSQL, when bench/cockpit.py is there)",
        dbs=("postgres",),
        quick="--cases 20000 --visits 40000 --grids 100 --communities 5 --runs 10 --warmup 2",
        optional=True,
    ),
]
BY_NAME = {script.name: script for script in SCRIPTS}


@dataclass
class Run:
    """One invocation of one script (a script taking one database at a time has one per database)."""

    script: str
    db: str | None
    command: list[str]
    log: str
    json: str
    exit_status: int | None = None
    seconds: float = 0.0
    timed_out: bool = False
    interrupted: bool = False
    stderr_tail: list[str] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


class Interrupted(Exception):
    pass


def raise_interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# --------------------------------------------------------------------------- planning


def read_options(script: Script) -> Script:
    """For a script written apart from the suite: --db and its choices, and --quick, from its --help.
    Without --db it keeps the databases declared above; quick options its --help does not list are
    dropped (a script that offers --quick gets that instead)."""
    path = BENCH_DIR / script.file
    try:
        done = subprocess.run(
            [str(python()), str(path), "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return script
    text = done.stdout
    choices = re.search(r"--db \{([^}]*)\}", text)
    dbs = tuple(c for c in choices.group(1).split(",") if c in ("sqlite", "postgres")) if choices else ()
    offered = set(re.findall(r"--[a-z][a-z0-9-]*", text))
    quick = "--quick" if "--quick" in offered else " ".join(known_options(script.quick, offered))
    return Script(
        script.name,
        script.file,
        script.about,
        dbs=dbs or script.dbs,
        both=bool(choices and "both" in choices.group(1).split(",")),
        db_option=bool(choices),
        quick=quick,
        needs=script.needs,
        optional=True,
    )


def known_options(options: str, offered: set[str]) -> list[str]:
    """The options (each with the values after it) whose name is among offered."""
    kept: list[str] = []
    keep = False
    for token in shlex.split(options):
        if token.startswith("--"):
            keep = token in offered
        if keep:
            kept.append(shlex.quote(token))
    return kept


def python() -> Path | str:
    return PYTHON if PYTHON.exists() else sys.executable


def planned_dbs(script: Script, wanted: str | None) -> tuple[list[str | None], str]:
    """The --db value of each run of the script, or ([], why) when it cannot measure what was asked."""
    if wanted is None or not script.db_option:
        if wanted and not set(databases(wanted)) & set(script.dbs):
            return [], f"measures {' and '.join(script.dbs)} only"
        return [None], ""
    asked = [db for db in databases(wanted) if db in script.dbs]
    if not asked:
        return [], f"measures {' and '.join(script.dbs)} only"
    if len(asked) == 2 and script.both:
        return ["both"], ""
    return list(asked), ""


def databases(wanted: str) -> list[str]:
    return ["sqlite", "postgres"] if wanted == "both" else [wanted]


def names(spec: str | None, parser: argparse.ArgumentParser, option: str) -> list[str]:
    if not spec:
        return []
    chosen = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BY_NAME]
    if unknown:
        parser.error(f"{option}: unknown script(s) {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    return chosen


def extra_args(pairs: list[str], parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    extra: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in BY_NAME:
            parser.error(f'--args wants NAME="options" with a known script name, not {pair!r}')
        extra.setdefault(name, []).extend(shlex.split(value))
    return extra


# --------------------------------------------------------------------------- running


def execute(run: Run, timeout: float) -> None:
    """Run one script: stdout and stderr to its log (stderr's last lines kept), stopped at the timeout."""
    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    started = time.monotonic()
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    process: subprocess.Popen | None = None
    reader: threading.Thread | None = None
    with open(run.log, "ab", buffering=0) as log:
        log.write(f"$ {shlex.join(run.command)}\n\n".encode())

        def copy_stderr(stream) -> None:
            for line in iter(stream.readline, b""):
                log.write(line)
                text = line.decode("utf-8", "replace").rstrip()
                if text:
                    tail.append(text)

        try:
            process = subprocess.Popen(
                run.command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.PIPE,
                start_new_session=True,  # its own process group: stopped as a whole, servers included
            )
            reader = threading.Thread(target=copy_stderr, args=(process.stderr,), daemon=True)
            reader.start()
            process.wait(timeout=timeout or None)
        except subprocess.TimeoutExpired:
            run.timed_out = True
            stop(process)
        except KeyboardInterrupt:
            run.interrupted = True
            if process is not None:
                stop(process)
        finally:
            if reader is not None:
                reader.join(timeout=10)
    run.exit_status = process.returncode if process is not None else None
    run.seconds = time.monotonic() - started
    run.stderr_tail = list(tail)
    if run.interrupted:
        raise Interrupted


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the script's group (the bench scripts stop their servers on it), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, KILL_GRACE_S), (signal.SIGKILL, 10)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
        except KeyboardInterrupt:  # a second Ctrl-C: no more waiting
            continue


def collect(run: Run) -> None:
    """The run's figures from its JSON, plus a failed row for whatever they do not explain."""
    why = ""
    try:
        document = shape.read(run.json)
    except FileNotFoundError:
        why = "no results file"
    except ValueError as exc:
        why = f"results file unreadable ({exc})"
    else:
        run.figures = [f for f in document["figures"] if isinstance(f, dict)]
    last = run.stderr_tail[-1] if run.stderr_tail else ""
    if run.timed_out:
        why = f"stopped after the --timeout; {why}" if why else "stopped after the --timeout"
    elif run.interrupted:
        why = f"interrupted; {why}" if why else "interrupted"
    elif not why and run.exit_status != 0 and not shape.any_failed(run.figures):
        why = "non-zero exit status, yet no figure failed"
    if why:
        status = f"exit status {run.exit_status}"
        run.note = f"{why}; {status}" + (f": {last}" if last else "")
        run.figures.append(
            shape.failed(f"({status})", f"{why}" + (f"; stderr: {last}" if last else ""), db=run.db)
        )
    for f in run.figures:
        f["script"] = run.script
        if run.db and run.db != "both" and not f.get("db"):
            f["db"] = run.db


def verdict(run: Run) -> str:
    failed = sum(1 for f in run.figures if f.get("pass") is False)
    passed = sum(1 for f in run.figures if f.get("pass") is True)
    word = "FAIL" if failed else ("pass" if passed else "info")
    return f"{word} · {passed} pass, {failed} fail, {len(run.figures) - passed - failed} info"


# --------------------------------------------------------------------------- report


def outcome(f: dict[str, Any]) -> str:
    """pass / FAIL / info, and "skip" for a measurement not taken (its database is not there)."""
    if f.get("pass") is None and str(f.get("measured") or "").startswith("skipped"):
        return "skip"
    return shape.result_text(f.get("pass"))


def format_table(figures: list[dict[str, Any]]) -> str:
    rows = []
    for f in figures:
        measured = str(f.get("measured") or "")
        if len(measured) > MEASURED_WIDTH:
            measured = measured[: MEASURED_WIDTH - 1] + "…"
        ratio = f.get("ratio")
        rows.append(
            (
                str(f.get("script", "")),
                str(f.get("db") or ""),
                str(f.get("figure", "")),
                str(f.get("target") or ""),
                measured,
                "" if ratio is None else f"{ratio:.2f}×",
                outcome(f),
            )
        )
    header = ("script", "db", "figure", "target", "measured", "ratio", "result")
    return shape.text_table(header, rows, right={5})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", help="comma-separated script names (default: all)")
    parser.add_argument("--skip", help="comma-separated script names to leave out")
    parser.add_argument("--quick", action="store_true", help="small sizes and short runs: a smoke run")
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres", "both"),
        help="database(s) to measure (default: each script's own)",
    )
    parser.add_argument("--timeout", type=float, default=0, help="seconds per script run (0: no limit)")
    parser.add_argument(
        "--args", action="append", default=[], metavar='NAME="OPTIONS"', help="extra options for one script"
    )
    parser.add_argument(
        "--json", type=Path, help="the combined results (default bench/results/suite-<stamp>.json)"
    )
    parser.add_argument("--list", action="store_true", help="print the scripts and exit")
    args = parser.parse_args(argv)
    only, skip = names(args.only, parser, "--only"), names(args.skip, parser, "--skip")
    extra = extra_args(args.args, parser)
    if args.timeout < 0:
        parser.error("--timeout must not be negative")

    if args.list:
        for script in SCRIPTS:
            there = "" if (BENCH_DIR / script.file).exists() else "  (not there)"
            print(f"{script.name:<11}{script.about}{there}")
            if script.quick:
                print(f"{'':<11}--quick: {script.quick}")
        return 0

    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    json_path = args.json or RESULTS_DIR / f"suite-{stamp}.json"
    chosen = [s for s in SCRIPTS if (not only or s.name in only) and s.name not in skip]
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_interrupted)
    signal.signal(signal.SIGHUP, raise_interrupted)

    runs: list[Run] = []
    figures: list[dict[str, Any]] = []
    interrupted = False
    print(
        f"CivicGrid benchmark suite · {started:%Y-%m-%d %H:%M} UTC · {len(chosen)} scripts"
        f"{' · quick' if args.quick else ''} · db: {args.db or 'each script its own'}",
        flush=True,
    )
    try:
        for number, script in enumerate(chosen, 1):
            label = f"[{number}/{len(chosen)}] {script.name:<10}"
            if not (BENCH_DIR / script.file).exists():
                message = f"bench/{script.file} is not there"
                print(f"{label} skipped: {message}", flush=True)
                if script.name in only:
                    figures.append({**shape.skipped("(script)", message), "script": script.name})
                continue
            if script.optional:
                script = read_options(script)
            missing = [program for program in script.needs if not shutil.which(program)]
            if missing:
                message = f"needs {', '.join(missing)} (apt-get install -y {' '.join(missing)})"
                print(f"{label} FAIL: {message}", flush=True)
                figures.append({**shape.failed("(not run)", message), "script": script.name})
                continue
            plan, why = planned_dbs(script, args.db)
            if not plan:
                print(f"{label} skipped: {why}", flush=True)
                figures.append(
                    {
                        **shape.skipped("(script)", why, db=args.db if args.db != "both" else None),
                        "script": script.name,
                    }
                )
                continue
            for db in plan:
                suffix = f"-{db}" if db and len(plan) > 1 else ""
                base = RESULTS_DIR / f"suite-{stamp}-{script.name}{suffix}"
                command = [str(python()), str(BENCH_DIR / script.file)]
                command += ["--db", db] if db else []
                command += shlex.split(script.quick) if args.quick else []
                command += extra.get(script.name, [])
                command += ["--json", f"{base}.json"]
                run = Run(script.name, db, command, log=f"{base}.log", json=f"{base}.json")
                runs.append(run)
                shown = " ".join(command[2:-2])
                print(f"{label} {shown} … ", end="", flush=True)
                try:
                    execute(run, args.timeout)
                except Interrupted:
                    interrupted = True
                collect(run)
                figures += run.figures
                print(f"{verdict(run)} · {run.seconds:,.0f} s · {relative(run.log)}", flush=True)
                if interrupted:
                    break
            if interrupted:
                print("interrupted: the scripts after this one were not run", flush=True)
                break
    except KeyboardInterrupt:  # between two runs (a run in progress is stopped inside execute)
        interrupted = True
        print("\ninterrupted: the scripts after this one were not run", flush=True)

    finished = datetime.now(UTC)
    print()
    print(format_table(figures))
    counts = collections.Counter(outcome(f) for f in figures)
    print(
        f"\n{len(figures)} figures: {counts['pass']} pass, {counts['FAIL']} FAIL, {counts['info']} info, "
        f"{counts['skip']} skipped · "
        f"{len(runs)} script runs in {(finished - started).total_seconds() / 60:.1f} min"
    )
    for run in runs:
        if run.note:
            print(f"\n{run.script}{f' ({run.db})' if run.db else ''}: {run.note}")
            if run.stderr_tail:
                print("  last lines of stderr:\n" + "\n".join(f"    {line}" for line in run.stderr_tail))
    payload = {
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "cores": os.cpu_count(),
        "passed": not shape.any_failed(figures) and not interrupted,
        "runs": [
            {
                "script": run.script,
                "db": run.db,
                "command": run.command,
                "exit_status": run.exit_status,
                "seconds": round(run.seconds, 1),
                "timed_out": run.timed_out,
                "interrupted": run.interrupted,
                "log": run.log,
                "json": run.json,
                "note": run.note,
                "stderr_tail": run.stderr_tail,
            }
            for run in runs
        ],
    }
    shape.write(json_path, "suite", figures, payload)
    print(f"\nwritten {relative(json_path)}")
    return 1 if shape.any_failed(figures) or interrupted else 0


def relative(path: Path | str) -> str:
    path = Path(path)
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    sys.exit(main())
