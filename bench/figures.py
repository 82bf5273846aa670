"""The figures of a benchmark in one shape, so that bench/suite.py can put every script in one table.

Each bench script keeps its own table and its own JSON, and adds to that JSON (the file named by
--json) two keys at the top:

    {"script": "market",
     "figures": [{"figure": "merchant search, all searches (50,000 merchants)",
                  "target": "p95 ≤ 50 ms", "measured": "p50 3.10 ms, p95 6.70 ms",
                  "value": 6.7, "goal": 50.0, "ratio": None, "pass": True, "db": "sqlite"}, ...],
     ...the script's own keys...}

* figure — what was measured, in words; unique within a script and database.
* target — the goal as people read it ("p95 ≤ 50 ms", "≥ 0.5× ninja_list", "exactly 1 confirmed");
  empty for a figure kept for information.
* measured — the measurement as people read it, with whatever context helps (p50 next to p95 …).
* value / goal — the number the target is judged on and its limit (None when there is none).
* ratio — only for targets that are ratios (a row's req/s over its reference row's, an import's
  rows/s over plain bulk_create's): the ratio itself; None otherwise.
* pass — True met, False missed (or the measurement failed), None for information and for a
  database that was skipped.
* db — "postgres", "sqlite" or None (not tied to a database).

Standard library only: bench scripts import it before Django is set up, and in processes that
never set it up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Figure = dict[str, Any]


def db_name(vendor: str | None) -> str | None:
    """The database as figures name it: Django's "postgresql" vendor is "postgres"."""
    if not vendor:
        return None
    return "postgres" if vendor.startswith("postgres") else vendor


def _number(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def figure(
    name: str,
    *,
    target: str = "",
    measured: str = "",
    value: float | None = None,
    goal: float | None = None,
    ratio: float | None = None,
    passed: bool | None = None,
    db: str | None = None,
) -> Figure:
    return {
        "figure": name,
        "target": target,
        "measured": measured,
        "value": _number(value),
        "goal": _number(goal),
        "ratio": _number(ratio),
        "pass": passed,
        "db": db_name(db),
    }


def _goal_text(goal: float) -> str:
    return f"{goal:,.2f}".rstrip("0").rstrip(".") if goal != int(goal) else f"{int(goal):,}"


def at_most(
    name: str,
    value: float | None,
    goal: float,
    *,
    unit: str = "ms",
    what: str = "p95",
    measured: str | None = None,
    target: str | None = None,
    ratio: float | None = None,
    db: str | None = None,
) -> Figure:
    """A figure whose value must not exceed goal (a latency, a duration). A missing value fails."""
    return figure(
        name,
        target=target or f"{what} ≤ {_goal_text(goal)} {unit}".strip(),
        measured=measured if measured is not None else ("—" if value is None else f"{value:,.2f} {unit}"),
        value=value,
        goal=goal,
        ratio=ratio,
        passed=value is not None and value <= goal,
        db=db,
    )


def at_least(
    name: str,
    value: float | None,
    goal: float,
    *,
    unit: str = "",
    measured: str | None = None,
    target: str | None = None,
    ratio: float | None = None,
    db: str | None = None,
) -> Figure:
    """A figure whose value must reach goal (a rate, a ratio). A missing value fails."""
    return figure(
        name,
        target=target or f"≥ {_goal_text(goal)} {unit}".strip(),
        measured=measured
        if measured is not None
        else ("—" if value is None else f"{value:,.2f} {unit}".strip()),
        value=value,
        goal=goal,
        ratio=ratio,
        passed=value is not None and value >= goal,
        db=db,
    )


def check(
    name: str,
    ok: bool,
    *,
    target: str,
    measured: str,
    value: float | None = None,
    goal: float | None = None,
    db: str | None = None,
) -> Figure:
    """A yes/no figure: a count that must be exact, an index that must be used, a ledger unchanged."""
    return figure(name, target=target, measured=measured, value=value, goal=goal, passed=bool(ok), db=db)


def info(
    name: str, measured: str, *, value: float | None = None, ratio: float | None = None, db: str | None = None
) -> Figure:
    """A figure kept for context (a load time, a reference rate): no target, never fails."""
    return figure(name, measured=measured, value=value, ratio=ratio, db=db)


def skipped(name: str, reason: str, *, db: str | None = None) -> Figure:
    """A measurement not taken because its database is not there (not a failure)."""
    return figure(name, measured=f"skipped: {reason}", db=db)


def failed(name: str, reason: str, *, target: str = "", db: str | None = None) -> Figure:
    """A measurement that could not be taken because something broke: counts as missed."""
    return figure(name, target=target, measured=f"FAILED: {reason}", passed=False, db=db)


def any_failed(figures: list[Figure]) -> bool:
    return any(f.get("pass") is False for f in figures)


def with_figures(script: str, figures: list[Figure], payload: dict[str, Any]) -> dict[str, Any]:
    """The script's own JSON with "script" and "figures" in front (its own keys are kept as they are)."""
    return {"script": script, "figures": figures, **payload}


def write(path: Path | str, script: str, figures: list[Figure], payload: dict[str, Any]) -> Path:
    """Write the script's JSON with its figures; the same serialisation every script used before."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document = with_figures(script, figures, payload)
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def read(path: Path | str) -> dict[str, Any]:
    """A results file written by write(); ValueError when it holds no figures list."""
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(document, dict) or not isinstance(document.get("figures"), list):
        raise ValueError(f"{path}: no figures list")
    return document


def result_text(passed: bool | None) -> str:
    return "info" if passed is None else ("pass" if passed else "FAIL")


def text_table(header: tuple[str, ...], rows: list[tuple[str, ...]], *, right: set[int] | None = None) -> str:
    """Plain columns, left-aligned unless listed in right; trailing blanks stripped."""
    right = right or set()
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = []
    for n, row in enumerate([header, *rows]):
        cells = [
            str(cell).rjust(width) if i in right and n else str(cell).ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)
