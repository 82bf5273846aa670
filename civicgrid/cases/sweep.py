"""The periodic sweep: act on what has become due since the last run.

1. Cases past their claim limit are dispatched by routing rules (or queued for the dispatcher).
2. Cases past their yellow moment notify their holder, once per deadline.
3. Cases past their running deadline turn red and notify the head and the leaders, once.

Each step reads only open rows through a partial index and changes rows by compare-and-set: an
UPDATE that repeats the question (still awaiting claim; still due and unmarked) and returns the rows
it changed. Only those get their timeline entry, audit row and messages, so whatever another worker
(or an earlier, killed run) already did is not done again, and whatever it did not do is done now.
Work goes in batches: one transaction per batch, one UPDATE per group of cases that get the same new
values, one insert each of timeline events, audit rows and messages.
"""

import logging
from collections import defaultdict
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.models import AuditEvent
from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit

from . import notify, sla
from .choices import OPEN_STATUSES, CaseStatus, EventKind
from .models import Case, CaseEvent, CaseReturn
from .routing import load_rules, route
from .services import assignment_fields, cases_move, first_assignment_fields, update_returning_ids

logger = logging.getLogger(__name__)
BATCH = 1000
# What the timeline, the audit trail and the messages read of a marked case.
MARKED = ("number", "description", "stage_due_at", "grid__path")


class _Communities:
    """The community of each grid, looked up once per sweep: those of a batch's grids in one query."""

    def __init__(self):
        self._by_path: dict[str, OrgUnit | None] = {}  # community path → community

    def load(self, grids) -> None:
        wanted = {g.path[: -OrgUnit.steplen] for g in grids} - self._by_path.keys()
        if wanted:
            found = {u.path: u for u in OrgUnit.objects.filter(path__in=wanted, kind=UnitKind.COMMUNITY)}
            self._by_path |= {path: found.get(path) for path in wanted}

    def get(self, grid) -> OrgUnit | None:
        path = grid.path[: -OrgUnit.steplen]
        if path not in self._by_path:
            self.load([grid])
        return self._by_path[path]


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


class _Dispatcher:
    """Routes a batch of overdue cases and moves them, one compare-and-set UPDATE per group of cases
    that get the same new values (the same unit, and deadlines alike: first assignments of one
    policy share them); returns the timeline entries of the cases won and queues their messages."""

    def __init__(self, now: datetime):
        self.now = now
        self.rules = load_rules()
        self.communities = _Communities()
        self.deadlines: dict = {}

    def fields(self, case: Case, target: OrgUnit | None) -> dict:
        if target is None:
            return {"claim_due_at": None}
        fields = {"holder": target, "holder_user": None, "needs_binding_decision": False}
        if case.assigned_at is not None:  # returned before: it keeps the deadlines it had
            return fields | assignment_fields(case, self.now)
        key = (case.policy_id, case.category.is_rewarded)
        if key not in self.deadlines:
            self.deadlines[key] = first_assignment_fields(case.policy, rewarded=key[1], now=self.now)
        return fields | self.deadlines[key]

    def __call__(self, cases: list[Case], outbox: notify.Outbox) -> list[CaseEvent]:
        returned = defaultdict(set)
        for case_id, unit_id in CaseReturn.objects.filter(case__in=cases).values_list("case_id", "unit_id"):
            returned[case_id].add(unit_id)
        self.communities.load(case.grid for case in cases)
        groups: dict[tuple, tuple[OrgUnit | None, dict, list[Case]]] = {}
        for case in cases:
            target = route(case, rules=self.rules, excluded=returned[case.pk], communities=self.communities)
            fields = self.fields(case, target)
            key = tuple((name, getattr(value, "pk", value)) for name, value in fields.items())
            groups.setdefault(key, (target, fields, []))[2].append(case)
        events = []
        for target, fields, members in groups.values():
            if target is not None:
                to, action = CaseStatus.DISPATCHED, "dispatch"
            else:
                to, action = CaseStatus.DISPATCHER_QUEUE, "queue"
            won = cases_move(members, action=action, to=to, **fields)
            for case in members:
                if case.pk not in won:
                    continue  # another worker got there first
                case.status = to
                for name, value in fields.items():
                    setattr(case, name, value)
                if target is not None:
                    data = {"to": target.name, "by": "rule"}
                    events.append(CaseEvent(case=case, kind=EventKind.DISPATCHED, at=self.now, data=data))
                    notify.holder_assigned(case, outbox=outbox)
                else:
                    note = _("无匹配的派单规则，转云平台中心人工派单。")
                    events.append(CaseEvent(case=case, kind=EventKind.QUEUED, at=self.now, note=note))
                    notify.dispatchers(case, outbox=outbox)
        return events


def _dispatch_due(now: datetime, outbox: notify.Outbox) -> int:
    """Dispatch cases past their claim limit, batch by batch, each batch locked as it is read."""
    due = Case.objects.filter(status=CaseStatus.AWAITING_CLAIM, claim_due_at__lte=now).order_by(
        "claim_due_at"
    )
    dispatch, done = None, 0
    while due.exists():  # an idle sweep stays at one query per step
        if dispatch is None:  # rules only when something is due
            dispatch = _Dispatcher(now)
        with sla.preloaded_calendar(), transaction.atomic():
            batch = due.select_related("category", "grid", "policy").defer("grid__boundary")
            # Rows another worker holds are skipped, so that two sweeps share the work; when it holds
            # all that is left, wait for it (this transaction holds nothing yet) and take what it left.
            cases = list(batch.select_for_update(skip_locked=True, of=("self",))[:BATCH]) or list(
                batch.select_for_update(of=("self",))[:BATCH]
            )
            if not cases:
                continue
            events = dispatch(cases, outbox)
            _write(events, now)
            outbox.flush()
        done += len(events)
    return done


def _mark_due(due, *, mark: str, now: datetime, kind: str, read, send, outbox: notify.Outbox) -> int:
    """Set `mark` = now on due rows by compare-and-set: the UPDATE repeats the whole question (still
    due, still unmarked) for each row it reaches and returns the rows it marked, which are ours."""
    done = 0
    while True:
        ids = list(due.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return done
        with transaction.atomic():
            marked = update_returning_ids(due.order_by().filter(pk__in=ids), **{mark: now})
            won = list(read.filter(pk__in=marked))
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
        # Yellow goes to the holder: the person who claimed it, or the people of the unit.
        read=Case.objects.select_related("grid", "holder_user").only(*MARKED, "holder_id", "holder_user"),
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
        read=Case.objects.select_related("grid").only(*MARKED),  # red goes to the head and the leaders
        send=notify.red,
        outbox=outbox,
    )
    if dispatched or yellow or red:
        logger.info("sweep: %d dispatched, %d yellow, %d red", dispatched, yellow, red)
    return {"dispatched": dispatched, "yellow": yellow, "red": red}
