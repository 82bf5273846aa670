"""The periodic sweep: act on what has become due since the last run.

1. Cases past their claim limit are dispatched by routing rules (or queued for the dispatcher).
2. Cases past their yellow moment notify their holder, once per deadline.
3. Cases past their running deadline turn red and notify the head and the leaders, once.

Each step reads only open rows through a partial index and changes a row by compare-and-set,
marking it with this run's own timestamp: whatever another worker (or an earlier, killed run)
already did is not done again, and whatever it did not do is done now. Work goes in batches: one
transaction, one insert of timeline events, audit rows and messages per batch.
"""

import logging
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.models import AuditEvent

from . import notify, sla
from .choices import OPEN_STATUSES, CaseStatus, EventKind
from .models import Case, CaseEvent, CaseReturn
from .routing import community_of, load_rules, route
from .services import assignment_fields

logger = logging.getLogger(__name__)
BATCH = 500


class _Communities:
    """The community of each grid, looked up once per sweep."""

    def __init__(self):
        self._by_path: dict = {}

    def get(self, grid):
        key = grid.path
        if key not in self._by_path:
            self._by_path[key] = community_of(grid)
        return self._by_path[key]


def _write(events: list[CaseEvent], now: datetime, *, audit: bool = True) -> None:
    CaseEvent.objects.bulk_create(events, batch_size=1000)
    if not audit:
        return
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                at=now,
                action=AuditAction.STATE_CHANGE,
                object_type="cases.case",
                object_id=str(e.case_id),
                object_repr=e.case.number,
                details={"event": e.kind, **e.data},
            )
            for e in events
        ],
        batch_size=1000,
    )


def _dispatch_due(now: datetime, outbox: notify.Outbox) -> int:
    """Dispatch cases past their claim limit, batch by batch; each case by compare-and-set."""
    rules, communities, done = None, _Communities(), 0
    while True:
        cases = list(
            Case.objects.filter(status=CaseStatus.AWAITING_CLAIM, claim_due_at__lte=now)
            .select_related("category", "grid", "policy")
            .order_by("claim_due_at")[:BATCH]
        )
        if not cases:
            return done
        if rules is None:  # only when something is due: an idle sweep stays at three queries
            rules = load_rules()
        returned = defaultdict(set)
        for case_id, unit_id in CaseReturn.objects.filter(case__in=cases).values_list("case_id", "unit_id"):
            returned[case_id].add(unit_id)
        with sla.preloaded_calendar(), transaction.atomic():
            events = []
            for case in cases:
                target = route(case, rules=rules, excluded=returned[case.pk], communities=communities)
                if target is not None:
                    fields = {
                        "status": CaseStatus.DISPATCHED,
                        "holder": target,
                        "holder_user": None,
                        "needs_binding_decision": False,
                        **assignment_fields(case, now),
                    }
                else:
                    fields = {"status": CaseStatus.DISPATCHER_QUEUE, "claim_due_at": None}
                won = Case.objects.filter(pk=case.pk, status=CaseStatus.AWAITING_CLAIM).update(**fields)
                if won != 1:
                    continue  # another worker got there first
                for name, value in fields.items():
                    setattr(case, name, value)
                if target is not None:
                    events.append(
                        CaseEvent(
                            case=case,
                            kind=EventKind.DISPATCHED,
                            at=now,
                            data={"to": target.name, "by": "rule"},
                        )
                    )
                    notify.holder_assigned(case, outbox=outbox)
                else:
                    events.append(
                        CaseEvent(
                            case=case,
                            kind=EventKind.QUEUED,
                            at=now,
                            note=_("无匹配的派单规则，转云平台中心人工派单。"),
                        )
                    )
                    notify.dispatchers(case, outbox=outbox)
            _write(events, now)
            outbox.flush()
        done += len(events)


def _mark_due(due, *, mark: str, now: datetime, kind: str, send, outbox: notify.Outbox) -> int:
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
            # Yellow is a reminder, not a change of state: it goes on the timeline, not in the audit trail.
            _write([CaseEvent(case=c, kind=kind, at=now) for c in won], now, audit=kind != EventKind.YELLOW)
            for case in won:
                send(case, outbox=outbox)
            outbox.flush()
        done += len(won)
        if len(ids) < BATCH:
            return done


def sweep(*, now: datetime) -> dict[str, int]:
    """Run the three steps; safe to run twice, concurrently, or after a killed run."""
    outbox = notify.Outbox()
    dispatched = _dispatch_due(now, outbox)
    open_ = {"status__in": sorted(OPEN_STATUSES)}
    yellow = _mark_due(
        Case.objects.filter(
            **open_, yellow_notified_at__isnull=True, stage_yellow_at__lte=now, paused_at__isnull=True
        ).order_by("stage_yellow_at"),
        mark="yellow_notified_at",
        now=now,
        kind=EventKind.YELLOW,
        send=notify.yellow,
        outbox=outbox,
    )
    red = _mark_due(
        Case.objects.filter(
            **open_, red_at__isnull=True, stage_due_at__lte=now, paused_at__isnull=True
        ).order_by("stage_due_at"),
        mark="red_at",
        now=now,
        kind=EventKind.RED,
        send=notify.red,
        outbox=outbox,
    )
    if dispatched or yellow or red:
        logger.info("sweep: %d dispatched, %d yellow, %d red", dispatched, yellow, red)
    return {"dispatched": dispatched, "yellow": yellow, "red": red}
