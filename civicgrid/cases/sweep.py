"""The periodic sweep: act on what has become due since the last run.

1. Cases past their claim limit are dispatched by routing rules (or queued for the dispatcher).
2. Cases past their yellow moment notify their holder, once per deadline.
3. Cases past their running deadline turn red and notify the head and the leaders, once.

Each step reads only open rows through a partial index and changes rows by compare-and-set: an
UPDATE that repeats the question (still awaiting claim; still due and unmarked) and returns the rows
it changed. Only those get their timeline entry, audit row and messages, so whatever another worker
(or an earlier, killed run) already did is not done again, and whatever it did not do is done now.
Work goes in batches: one transaction per batch, one UPDATE per group of cases that get the same new
values, one insert of messages.

What costs per case is kept small, since a busy sweep acts on thousands: the database writes the
timeline entries and audit rows itself from the rows just changed (INSERT … SELECT, one each per
UPDATE); the rules, policies, grids and people are read once per sweep and the deadlines of a first
assignment worked out once per policy; the dispatch reads only the columns it needs, without joins,
and the yellow and red steps read plain rows (`.values()`) of the cases they marked; each message
title is translated once per batch.
"""

import logging
from collections import defaultdict
from datetime import datetime

from django.db import connections, transaction
from django.db.models import CharField, DateTimeField, F, JSONField, QuerySet, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.models import AuditEvent
from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit

from . import notify, sla
from .choices import OPEN_STATUSES, CaseStatus, EventKind
from .models import Case, CaseEvent, CaseReturn, Category, SlaPolicy
from .routing import load_rules, route
from .services import assignment_fields, cases_move, first_assignment_fields, update_returning_ids

logger = logging.getLogger(__name__)
BATCH = 1000
# What the dispatch reads of an overdue case: what routing, the new deadlines (a returned case keeps
# its own), the state machine and the messages need.
DISPATCH_READS = (
    "status",
    "number",
    "description",
    "category",
    "grid",
    "policy",
    "assigned_at",
    "verify_due_at",
    "resolve_due_at",
    "resolved_at",
    "return_count",
)


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


def _insert_select(model, rows: QuerySet, **values) -> None:
    """Insert one `model` row per row of `rows`, with the fields `values` (name → an expression over
    that row, or a Value): INSERT … SELECT, so that the database writes what it already holds and
    no Python object is made per row."""
    connection = connections[rows.db]
    name = connection.ops.quote_name
    columns = ", ".join(name(model._meta.get_field(field).column) for field in values)
    select = rows.order_by().values_list(*values.values())
    sql, params = select.query.get_compiler(rows.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {name(model._meta.db_table)} ({columns}) {sql}", params)


def _record(
    cases: QuerySet, kind: str, now: datetime, *, note: str = "", data: dict | None = None, audit: bool = True
) -> None:
    """Write the timeline entry of each of `cases` (all alike: `kind`, `note`, `data`) and, with
    `audit`, its audit row of the state change — one INSERT … SELECT each."""
    data = data or {}
    at = Value(now, output_field=DateTimeField())
    _insert_select(
        CaseEvent,
        cases,
        case=F("pk"),
        kind=Value(kind),
        at=at,
        note=Value(note),
        data=Value(data, output_field=JSONField()),
    )
    if audit:
        _insert_select(
            AuditEvent,
            cases,
            at=at,
            actor_name=Value(""),
            action=Value(AuditAction.STATE_CHANGE),
            object_type=Value("cases.case"),
            object_id=Cast("pk", output_field=CharField()),
            object_repr=F("number"),
            details=Value({"event": kind, **data}, output_field=JSONField()),
        )


class _Dispatcher:
    """Routes a batch of overdue cases and moves them, one compare-and-set UPDATE per group of cases
    that get the same new values (the same unit, and deadlines alike: first assignments of one
    policy share them); records the cases won and queues their messages."""

    def __init__(self, now: datetime):
        self.now = now
        self.rules = load_rules()
        self.communities = _Communities()
        self.policies = SlaPolicy.objects.in_bulk()
        self.rewarded = set(Category.objects.filter(is_rewarded=True).values_list("pk", flat=True))
        self.deadlines: dict = {}
        self.queued_note = _("无匹配的派单规则，转云平台中心人工派单。")

    def fields(self, case: Case, target: OrgUnit | None) -> dict:
        if target is None:
            return {"claim_due_at": None}
        fields = {"holder": target, "holder_user": None, "needs_binding_decision": False}
        if case.assigned_at is not None:  # returned before: it keeps the deadlines it had
            case.policy = self.policies[case.policy_id]
            return fields | assignment_fields(case, self.now)
        key = (case.policy_id, case.category_id in self.rewarded)
        if key not in self.deadlines:
            policy = self.policies[case.policy_id]
            self.deadlines[key] = first_assignment_fields(policy, rewarded=key[1], now=self.now)
        return fields | self.deadlines[key]

    def __call__(self, cases: list[Case], outbox: notify.Outbox) -> int:
        """Move the batch's cases; return how many were won (the others moved meanwhile)."""
        returned = defaultdict(set)
        for case_id, unit_id in CaseReturn.objects.filter(case__in=cases).values_list("case_id", "unit_id"):
            returned[case_id].add(unit_id)
        grids = outbox.grids(case.grid_id for case in cases)
        self.communities.load(grids[case.grid_id] for case in cases)
        groups: dict[tuple, tuple[OrgUnit | None, dict, list[Case]]] = {}
        for case in cases:
            case.grid = grids[case.grid_id]  # read once per sweep, not joined to every row
            target = route(case, rules=self.rules, excluded=returned[case.pk], communities=self.communities)
            fields = self.fields(case, target)
            key = tuple((name, getattr(value, "pk", value)) for name, value in fields.items())
            groups.setdefault(key, (target, fields, []))[2].append(case)
        assigned, queued = [], []
        for target, fields, members in groups.values():
            if target is not None:
                to, action = CaseStatus.DISPATCHED, "dispatch"
            else:
                to, action = CaseStatus.DISPATCHER_QUEUE, "queue"
            won = cases_move(members, action=action, to=to, **fields)
            if not won:
                continue  # another worker got there first
            if target is not None:
                data = {"to": target.name, "by": "rule"}
                _record(Case.objects.filter(pk__in=won), EventKind.DISPATCHED, self.now, data=data)
            else:
                _record(Case.objects.filter(pk__in=won), EventKind.QUEUED, self.now, note=self.queued_note)
            for case in members:
                if case.pk in won:
                    case.status = to
                    for name, value in fields.items():
                        setattr(case, name, value)
                    (assigned if target is not None else queued).append(case)
        notify.holders_assigned(assigned, outbox)
        notify.dispatchers_queued(queued, outbox)
        return len(assigned) + len(queued)


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
            batch = due.only(*DISPATCH_READS)
            # Rows another worker holds are skipped, so that two sweeps share the work; when it holds
            # all that is left, wait for it (this transaction holds nothing yet) and take what it left.
            cases = list(batch.select_for_update(skip_locked=True)[:BATCH]) or list(
                batch.select_for_update()[:BATCH]
            )
            if not cases:
                continue
            won = dispatch(cases, outbox)
            outbox.flush()
        done += won
    return done


def _mark_due(due, *, mark: str, now: datetime, kind: str, send, outbox: notify.Outbox) -> int:
    """Set `mark` = now on due rows by compare-and-set: the UPDATE repeats the whole question (still
    due, still unmarked) for each row it reaches and returns the rows it marked, which are ours; those
    are read back as rows of `notify.MARKED` for their timeline entries, audit rows and messages."""
    done = 0
    while True:
        ids = list(due.values_list("pk", flat=True)[:BATCH])
        if not ids:
            return done
        with transaction.atomic():
            marked = update_returning_ids(due.order_by().filter(pk__in=ids), **{mark: now})
            if marked:
                won = Case.objects.filter(pk__in=marked)
                # Yellow is a reminder, not a change of state: on the timeline, not in the audit trail.
                _record(won, kind, now, audit=kind != EventKind.YELLOW)
                send(list(won.values(*notify.MARKED)), outbox)
                outbox.flush()
        done += len(marked)
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
        send=notify.yellow,  # to the holder: the person who claimed it, or the people of the unit
        outbox=outbox,
    )
    red = _mark_due(
        Case.objects.filter(
            **open_, red_at__isnull=True, stage_due_at__lte=now, paused_at__isnull=True
        ).order_by("stage_due_at"),
        mark="red_at",
        now=now,
        kind=EventKind.RED,
        send=notify.red,  # to the head and the leaders
        outbox=outbox,
    )
    if dispatched or yellow or red:
        logger.info("sweep: %d dispatched, %d yellow, %d red", dispatched, yellow, red)
    return {"dispatched": dispatched, "yellow": yellow, "red": red}
