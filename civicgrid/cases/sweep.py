"""The periodic sweep: act on what has become due since the last run.

1. Cases past their claim limit are dispatched by routing rules (or queued for the dispatcher).
2. Cases past their yellow moment notify their holder, once.
3. Cases past their running deadline turn red and notify the head and the leaders, once.

Each step reads only open rows through a partial index and changes a row by compare-and-set,
marking it with this run's own timestamp: whatever another worker (or an earlier, killed run)
already did is not done again, and whatever it did not do is done now.
"""

import logging
from datetime import datetime

from django.db import transaction

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.models import AuditEvent

from . import notify
from .choices import OPEN_STATUSES, CaseStatus, EventKind
from .models import Case, CaseEvent
from .services import case_auto_dispatch

logger = logging.getLogger(__name__)
BATCH = 500


def _mark_and_notify(due, *, mark: str, now: datetime, kind: str, send) -> int:
    """Set `mark` = now on due rows still unmarked; the rows that carry exactly `now` are ours."""
    done = 0
    while True:
        ids = list(due.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return done
        with transaction.atomic():
            Case.objects.filter(pk__in=ids, **{f"{mark}__isnull": True}).update(**{mark: now})
            won = list(
                Case.objects.filter(pk__in=ids, **{mark: now}).select_related("grid", "holder", "holder_user")
            )
            CaseEvent.objects.bulk_create([CaseEvent(case=c, kind=kind, at=now) for c in won])
            AuditEvent.objects.bulk_create(
                [
                    AuditEvent(
                        at=now,
                        action=AuditAction.STATE_CHANGE,
                        object_type="cases.case",
                        object_id=str(c.pk),
                        object_repr=str(c.number),
                        details={"event": kind},
                    )
                    for c in won
                ]
            )
            for case in won:
                send(case)
        done += len(won)
        if len(ids) < BATCH:
            return done


def sweep(*, now: datetime) -> dict[str, int]:
    """Run the three steps; safe to run twice, concurrently, or after a killed run."""
    dispatched = 0
    for case_id in Case.objects.filter(status=CaseStatus.AWAITING_CLAIM, claim_due_at__lte=now).values_list(
        "pk", flat=True
    ):
        if case_auto_dispatch(case_id=case_id, now=now) is not None:
            dispatched += 1
    open_ = {"status__in": sorted(OPEN_STATUSES)}
    yellow = _mark_and_notify(
        Case.objects.filter(
            **open_, yellow_notified_at__isnull=True, stage_yellow_at__lte=now, paused_at__isnull=True
        ).order_by("stage_yellow_at"),
        mark="yellow_notified_at",
        now=now,
        kind=EventKind.YELLOW,
        send=notify.yellow,
    )
    red = _mark_and_notify(
        Case.objects.filter(
            **open_, red_at__isnull=True, stage_due_at__lte=now, paused_at__isnull=True
        ).order_by("stage_due_at"),
        mark="red_at",
        now=now,
        kind=EventKind.RED,
        send=notify.red,
    )
    if dispatched or yellow or red:
        logger.info("sweep: %d dispatched, %d yellow, %d red", dispatched, yellow, red)
    return {"dispatched": dispatched, "yellow": yellow, "red": red}
