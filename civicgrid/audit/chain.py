"""The tamper-evident audit trail: every audit row is sealed into one hash chain.

Writers append rows as before, without waiting for each other. Every minute (and with
`manage.py audit_seal`) the unsealed rows are sealed in the order of their ids, under a lock on the
chain's head: each gets the next sequence number and the keyed hash (HMAC-SHA256, key
AUDIT_CHAIN_KEY) of the previous row's hash, its own sequence number and its fields. Changing,
removing or reordering a sealed row breaks the chain from there on, and without the key nobody can
write a chain that holds again. `manage.py audit_verify` walks the chain and names the first broken
link.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass

from django.conf import settings
from django.db import models, transaction
from django.utils.translation import gettext as _

from .models import AuditChainHead, AuditEvent

SEAL_BATCH = 2000


def _digest(previous: str, seq: int, event: AuditEvent) -> str:
    fields = [
        seq,
        event.pk,
        event.at.isoformat(timespec="microseconds"),
        event.actor_id,
        event.actor_name,
        event.action,
        event.object_type,
        event.object_id,
        event.object_repr,
        event.ip,
        event.details,
    ]
    message = json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    key = (settings.AUDIT_CHAIN_KEY or settings.SECRET_KEY).encode()
    return hmac.new(key, f"{previous}|{message}".encode(), hashlib.sha256).hexdigest()


def seal() -> int:
    """Seal every row written so far; returns how many. Safe on several workers at once: they take
    turns on the head's lock, and each seals only what is still unsealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
            rows = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:SEAL_BATCH])
            if not rows:
                return sealed
            for row in rows:
                head.seq += 1
                head.chain = row.chain = _digest(head.chain, head.seq, row)
                row.seq = head.seq
            # The only change ever made to an audit row: its seal, once (the model refuses the rest).
            models.QuerySet(AuditEvent).bulk_update(rows, ["seq", "chain"])
            head.save()
        sealed += len(rows)


@dataclass(frozen=True)
class Verdict:
    checked: int
    broken_at: int | None = None  # the sequence number of the first link that does not hold
    event_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify() -> Verdict:
    """Walk the sealed rows in chain order and recompute every link."""
    previous, expected = "", 1
    rows = AuditEvent.objects.filter(seq__isnull=False).order_by("seq")
    for row in rows.iterator(chunk_size=SEAL_BATCH):
        if row.seq != expected:
            reason = _("第 %(seq)s 条记录缺失（其后一条的编号为 %(id)s）。") % {"seq": expected, "id": row.pk}
            return Verdict(expected - 1, expected, row.pk, reason)
        previous = _digest(previous, row.seq, row)
        if not hmac.compare_digest(previous, row.chain):
            reason = _("第 %(seq)s 条记录（编号 %(id)s）与校验值不符：它或它之前的记录被改动过。") % {
                "seq": row.seq,
                "id": row.pk,
            }
            return Verdict(expected - 1, row.seq, row.pk, reason)
        expected += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != expected - 1 or head.chain != previous):
        reason = _("链末端记到第 %(head)s 条，但只找到 %(found)s 条：末尾的记录被删除过。") % {
            "head": head.seq,
            "found": expected - 1,
        }
        return Verdict(expected - 1, expected, None, reason)
    return Verdict(expected - 1)
