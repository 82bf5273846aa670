"""The COPY path: the same small city loaded into PostgreSQL by a separate `manage.py synth`, in the
database `civicgrid_synth_test` (dropped and made again). Skipped when PostgreSQL does not answer."""

import json
import os
import subprocess  # nosec B404
import sys
import tempfile
from pathlib import Path

import pytest

from civicgrid.synth.copy import schema_snapshot
from civicgrid.synth.load import bulk_models
from civicgrid.synth.tests.test_synth import PASSWORD

ROOT = Path(__file__).resolve().parents[3]
SERVER = os.environ.get("SYNTH_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = "civicgrid_synth_test"
SYNTH = (
    "synth", "--grids=20", "--people=200", "--cases=500", "--visits=500", "--seed=1",
    "--year-end=2026-11-01", f"--password={PASSWORD}", "--checksums",
)  # fmt: skip


def _answers() -> bool:
    try:
        import psycopg

        with psycopg.connect(f"{SERVER}/postgres", connect_timeout=2):
            return True
    except Exception:  # no server, no driver, no access: the test does not apply
        return False


pytestmark = pytest.mark.skipif(not _answers(), reason="PostgreSQL does not answer")


def _manage(*args: str, url: str = f"{SERVER}/{DATABASE}") -> str:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "civicgrid.settings.test",
    }
    done = subprocess.run(  # nosec B603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_copy_path_loads_the_same_city_and_puts_every_index_back(db):
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    _manage("migrate", "--no-input", "-v0")
    with psycopg.connect(f"{SERVER}/{DATABASE}") as conn:
        before = schema_snapshot(conn, bulk_models())
    out = _manage(*SYNTH)
    assert "索引与约束已原样重建：是" in out
    with psycopg.connect(f"{SERVER}/{DATABASE}") as conn:
        after = schema_snapshot(conn, bulk_models())
        counts = {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # nosec B608
            for table in ("registry_person", "cases_case", "fieldwork_visit")
        }
        # the sequences go on after the explicit ids
        top = conn.execute("SELECT max(id) FROM cases_case").fetchone()[0]
        following = conn.execute("SELECT nextval(pg_get_serial_sequence('cases_case', 'id'))").fetchone()[0]
    assert after == before
    assert any("case_red_due_open" in d for d in after["cases_case"])
    assert counts == {"registry_person": 200, "cases_case": 500, "fieldwork_visit": 500}
    assert following == top + 1
    copied = json.loads(out.split("CHECKSUMS ", 1)[1].splitlines()[0])
    # The same rows as the executemany path, into a fresh SQLite database: the test database of this
    # run may have lost the migrations' reference rows to an earlier test's flush.
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = f"sqlite:///{tmp}/city.sqlite3"
        _manage("migrate", "--no-input", "-v0", url=sqlite)
        out = _manage(*SYNTH, url=sqlite)
    assert copied == json.loads(out.split("CHECKSUMS ", 1)[1].splitlines()[0])
