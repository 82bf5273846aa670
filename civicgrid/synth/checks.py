"""Checksums of the main tables, the same on SQLite and PostgreSQL for the same rows."""

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal

from .load import _models

MAIN = ("unit", "user", "membership", "building", "entrance", "room", "household", "person", "visit", "case",
        "event", "return")  # fmt: skip


def _plain(value):
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def table_checksums() -> dict[str, str]:
    """SHA-256 over every column of every row, in id order; encrypted columns are read in clear
    (the field decrypts them), so the digest speaks of the data, not of its sealing."""
    models = _models()
    sums = {}
    for name in MAIN:
        model = models[name]
        # Rows in id order, but not the id itself: the timeline's ids come from PostgreSQL's
        # sequence, which a rolled-back load leaves advanced; references to ids are still summed.
        fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        digest = hashlib.sha256()
        for row in model.objects.order_by("pk").values_list(*fields).iterator(chunk_size=5000):
            digest.update(repr(tuple(_plain(v) for v in row)).encode())
        sums[model._meta.db_table] = digest.hexdigest()
    return sums
