"""Writing generated rows fast: PostgreSQL binary COPY, SQLite batched executemany.

Rows arrive as tuples of plain Python values in the order of the given fields: aware datetimes,
dates, Decimals, dicts or lists for JSON columns. Values are written as they are — no model
`save()`, no field `pre_save()` — so `auto_now_add` columns take the value the generator chose and
two runs with the same seed write the same bytes.

On PostgreSQL the secondary indexes and the unique and foreign-key constraints of the big tables
are dropped before the load and put back after it, each with its own definition as the catalogue
reports it (`pg_indexes.indexdef`, `pg_get_constraintdef`), or for the indexes of a model's Meta
with the SQL its migration ran: one sorted index build per index and one
anti-join per foreign key cost a fraction of maintaining them row by row (a deferred foreign key
even queues one trigger event per row until commit). Primary keys stay, because other tables'
foreign keys point at them. `schema_snapshot()` reads the same catalogue, so a test can check that
what was put back is exactly what was there.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from datetime import UTC
from itertools import islice

from django.db import models

SQLITE_BATCH = 5000


def columns_of(model: type[models.Model], fields: list[str]) -> list[models.Field]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in fields]


def _sqlite_converter(field: models.Field) -> Callable | None:
    """How a generated value is stored by Django on SQLite (see its DatabaseOperations.adapt_*)."""
    kind = field.get_internal_type()
    if kind == "DateTimeField":
        return lambda v: None if v is None else v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if kind == "DateField":
        return lambda v: None if v is None else v.isoformat()
    if kind == "JSONField":
        return lambda v: None if v is None else json.dumps(v)
    return None


class Writer:
    """Writes rows of one model at a time through one database connection, inside the caller's
    transaction."""

    def __init__(self, connection, progress: Callable[[str], None] = lambda message: None):
        self.connection = connection
        self.vendor = connection.vendor
        self.progress = progress

    # ------------------------------------------------------------------------------------ rows

    def write(self, model: type[models.Model], fields: list[str], rows: Iterable[tuple]) -> int:
        table = model._meta.db_table
        if self.vendor == "postgresql":
            return self._copy(table, fields, rows)
        return self._executemany(model, table, fields, rows)

    def _copy(self, table: str, fields: list[str], rows: Iterable[tuple]) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(
                "SELECT column_name, udt_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                [table],
            )
            types = dict(cursor.fetchall())
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            n = 0
            started = time.perf_counter()
            sql = f'COPY "{table}" ({_columns(fields)}) FROM STDIN (FORMAT BINARY)'
            with raw.copy(sql) as copy:
                copy.set_types([types[c] for c in fields])
                write_row = copy.write_row
                for row in rows:
                    write_row(row)
                    n += 1
                    if n % 250_000 == 0:
                        self.progress(f"    {table}: {n:,} ({time.perf_counter() - started:.0f} s)")
        return n

    def _executemany(self, model, table: str, fields: list[str], rows: Iterable[tuple]) -> int:
        converters = [(i, c) for i, f in enumerate(columns_of(model, fields)) if (c := _sqlite_converter(f))]
        # Table and column names of the models themselves; every value is a parameter.
        sql = f'INSERT INTO "{table}" ({_columns(fields)}) VALUES ({", ".join(["%s"] * len(fields))})'  # nosec B608
        n = 0
        rows = iter(rows)
        with self.connection.cursor() as cursor:
            while batch := list(islice(rows, SQLITE_BATCH)):
                if converters:
                    converted = []
                    for row in batch:
                        row = list(row)
                        for i, convert in converters:
                            row[i] = convert(row[i])
                        converted.append(row)
                    batch = converted
                cursor.executemany(sql, batch)
                n += len(batch)
        return n

    # ---------------------------------------------------------------------- spilled text rows

    def write_text(self, model: type[models.Model], fields: list[str], path: str) -> int:
        """Load a file of tab-separated rows in PostgreSQL's COPY text format (`\\N` for NULL;
        timestamps as `YYYY-MM-DD HH:MM:SS+00`): what the case generator spills its timeline into,
        since a second COPY cannot run while the cases' one streams."""
        table = model._meta.db_table
        if self.vendor == "postgresql":
            n = 0
            with self.connection.cursor() as cursor:
                sql = f'COPY "{table}" ({_columns(fields)}) FROM STDIN'
                with cursor.cursor.copy(sql) as copy, open(path, "rb") as source:
                    while block := source.read(1 << 20):
                        n += block.count(b"\n")
                        copy.write(block)
            return n
        columns = columns_of(model, fields)
        parsers = []
        for field in columns:
            kind = field.get_internal_type()
            if kind in ("ForeignKey", "BigAutoField", "AutoField", "IntegerField", "BigIntegerField"):
                parsers.append(int)
            elif kind == "DateTimeField":
                parsers.append(lambda v: v[:-3])  # naive UTC, as Django keeps it on SQLite
            else:
                parsers.append(_unescape)

        def rows():
            with open(path, encoding="utf-8") as source:
                for line in source:
                    values = line.rstrip("\n").split("\t")
                    yield tuple(
                        None if v == r"\N" else parse(v) for v, parse in zip(values, parsers, strict=True)
                    )

        # Table and column names of the models themselves; every value is a parameter.
        sql = f'INSERT INTO "{table}" ({_columns(fields)}) VALUES ({", ".join(["%s"] * len(fields))})'  # nosec B608
        n = 0
        iterator = rows()
        with self.connection.cursor() as cursor:
            while batch := list(islice(iterator, SQLITE_BATCH)):
                cursor.executemany(sql, batch)
                n += len(batch)
        return n

    # ------------------------------------------------------------------ indexes and constraints

    def drop_secondary(self, models_: list[type[models.Model]]) -> list[tuple[str, str, str]]:
        """Drop the secondary indexes and the unique / foreign-key constraints of these tables
        (PostgreSQL only); returns what `restore()` needs to put them back."""
        if self.vendor != "postgresql":
            return []
        saved: list[tuple[str, str, str]] = []  # (kind, table, definition)
        with self.connection.cursor() as cursor:
            # A table with pending deferred checks (rows written earlier in this transaction) cannot be
            # altered: check them now. From here on, rows are written referenced rows first.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for model in models_:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY conname",
                    [table],
                )
                constraints = cursor.fetchall()
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                    "AND tablename = %s AND indexname NOT IN "
                    "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) ORDER BY indexname",
                    [table, table],
                )
                indexes = cursor.fetchall()
                for name, contype, definition in constraints:
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                    kind = "unique" if contype == "u" else "foreign"
                    saved.append((kind, table, f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'))
                # An index of the model's Meta is made again by the SQL its migration ran: the
                # catalogue's text of a partial index's condition does not read back to itself.
                editor = self.connection.schema_editor(collect_sql=True)
                meta_indexes = {index.name: index for index in model._meta.indexes}
                for name, definition in indexes:
                    if name in meta_indexes:
                        definition = str(meta_indexes[name].create_sql(model, editor))
                    cursor.execute(f'DROP INDEX "{name}"')
                    saved.append(("index", table, definition))
        return saved

    def restore(self, saved: list[tuple[str, str, str]]) -> None:
        """Indexes and unique constraints first (a foreign key's check reads the referenced side's
        primary key, never these), then the foreign keys, each validated by one query."""
        if not saved:
            return
        order = {"unique": 0, "index": 1, "foreign": 2}
        with self.connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _kind, table, definition in sorted(saved, key=lambda s: order[s[0]]):
                started = time.perf_counter()
                cursor.execute(definition)
                elapsed = time.perf_counter() - started
                if elapsed > 2:
                    self.progress(f"    {table}: {definition.split(' ON ')[0][:70]} … {elapsed:.1f} s")

    def reset_sequences(self, models_: list[type[models.Model]]) -> None:
        """After explicit ids: the next row the app inserts takes the next free id (SQLite's
        AUTOINCREMENT keeps up by itself)."""
        if self.vendor != "postgresql":
            return
        with self.connection.cursor() as cursor:
            for model in models_:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f'COALESCE((SELECT max(id) FROM "{table}"), 0) + 1, false)',  # nosec B608
                    [table],
                )


def schema_snapshot(connection, models_: list[type[models.Model]]) -> dict[str, list[str]]:
    """Every index and constraint definition of these tables, as PostgreSQL reports it."""
    snapshot: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                "SELECT indexname || ': ' || indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s",
                [table],
            )
            rows = [r[0] for r in cursor.fetchall()]
            cursor.execute(
                "SELECT conname || ': ' || pg_get_constraintdef(oid) || CASE WHEN condeferrable "
                "THEN ' DEFERRABLE' ELSE '' END || CASE WHEN condeferred THEN ' DEFERRED' ELSE '' END "
                "|| CASE WHEN convalidated THEN '' ELSE ' NOT VALID' END FROM pg_constraint "
                "WHERE conrelid = %s::regclass",
                [table],
            )
            rows += [r[0] for r in cursor.fetchall()]
            snapshot[table] = sorted(rows)
    return snapshot


def _columns(fields: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in fields)


def _unescape(value: str) -> str:
    """COPY text format: the generator escapes only backslash, tab and newline."""
    if "\\" not in value:
        return value
    return value.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
