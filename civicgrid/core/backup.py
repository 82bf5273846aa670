"""Backup and restore of the database and the uploaded files (manage.py backup / restore).

A backup is a directory: the database (SQLite: an online copy through SQLite's backup API, taken
while the platform runs; PostgreSQL: `pg_dump --format=custom`), the uploaded files as
`media.tar.gz`, and `manifest.json` with every table's row count and checksum. A restore puts
the database and the files back and then recounts every table: it fails loudly when one differs
from the manifest.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar.gz"


class BackupError(Exception):
    pass


def _engine() -> str:
    return connection.vendor  # "sqlite" or "postgresql"


def fingerprints() -> dict[str, dict]:
    """Row count and SHA-256 of every table's rows in primary-key order."""
    result = {}
    with connection.cursor() as cursor:
        introspection = connection.introspection
        for table in sorted(introspection.table_names(cursor)):
            keys = introspection.get_primary_key_columns(cursor, table) or []
            quoted = connection.ops.quote_name(table)
            order = ", ".join(connection.ops.quote_name(k) for k in keys) or "1"
            cursor.execute(f"SELECT * FROM {quoted} ORDER BY {order}")  # nosec B608
            digest, rows = hashlib.sha256(), 0
            while batch := cursor.fetchmany(2000):
                for row in batch:
                    values = tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                    digest.update(repr(values).encode())
                rows += len(batch)
            result[table] = {"rows": rows, "sha256": digest.hexdigest()}
    return result


def _pg_env() -> dict:
    db = connection.settings_dict
    env = os.environ | {
        "PGHOST": db["HOST"] or "",
        "PGPORT": str(db["PORT"] or ""),
        "PGUSER": db["USER"] or "",
    }
    if db["PASSWORD"]:
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _run(command: list[str]) -> None:
    done = subprocess.run(command, env=_pg_env(), capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} 失败：{done.stderr.strip()[:500]}")


def backup(target: Path) -> Path:
    """Write a backup into a new directory under `target`; returns the directory."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = Path(target) / f"civicgrid-{stamp}"
    folder.mkdir(parents=True)
    engine = _engine()
    if engine == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(folder / "database.sqlite3") as copy:
            connection.connection.backup(copy)
        copy.close()
    elif engine == "postgresql":
        dump = folder / "database.dump"
        _run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", connection.settings_dict["NAME"]])
    else:
        raise BackupError(f"不支持的数据库：{engine}")
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(folder / MEDIA_ARCHIVE, "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname=".")
    manifest = {
        "created_at": datetime.now(UTC).isoformat(),
        "engine": engine,
        "tables": fingerprints(),
        "media_files": sum(1 for p in media.rglob("*") if p.is_file()) if media.exists() else 0,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    return folder


def restore(folder: Path) -> dict:
    """Put the backup in `folder` back in place of the current data and files, then check every table
    against the manifest. Returns the manifest."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} 不是完整的备份（缺少或无法读取 {MANIFEST}）") from error
    engine = _engine()
    if manifest["engine"] != engine:
        raise BackupError(f"备份来自 {manifest['engine']}，当前数据库是 {engine}")
    if engine == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(folder / "database.sqlite3") as source:
            source.backup(connection.connection)
        source.close()
    else:
        for alias in connections:  # nothing of ours may hold a table that pg_restore drops
            connections[alias].close()
        name = connection.settings_dict["NAME"]
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction", f"--dbname={name}",
              str(folder / "database.dump")])  # fmt: skip
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.rmtree(media)
    media.mkdir(parents=True)
    with tarfile.open(folder / MEDIA_ARCHIVE, "r:gz") as archive:
        archive.extractall(media, filter="data")  # no absolute paths, links out or devices
    found = fingerprints()
    different = sorted(
        t for t in manifest["tables"].keys() | found.keys() if manifest["tables"].get(t) != found.get(t)
    )
    if different:
        raise BackupError(f"恢复后以下数据表与备份不一致：{', '.join(different)}")
    return manifest
