"""Scoring writes: close a period (idempotent), adjust an open period, correct a frozen entry."""

import uuid
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, DomainError
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit

from . import rules
from .choices import EntryKind, PeriodStatus, TargetKind
from .models import ScoreEntry, ScorePeriod, ScoreRule, ScoreScheme
from .periods import instants, period_bounds

PERIOD_CLOSED = _("该考核周期已关账，不能修改；更正请记入下一周期。")
PERIOD_NOT_OVER = _("该考核周期尚未结束，不能关账。")
REASON_REQUIRED = _("请填写更正理由。")
BATCH = 5000


class PeriodClosed(Conflict):
    code = "period_closed"


def period_get(*, scheme: ScoreScheme, day: date) -> ScorePeriod:
    """Return the scheme's period holding `day`, made on first use."""
    start, end = period_bounds(scheme.period_kind, day)
    period, _created = ScorePeriod.objects.get_or_create(
        scheme=scheme, starts_on=start, defaults={"ends_on": end}
    )
    return period


def scored_grids(scheme: ScoreScheme) -> list[int]:
    return list(
        OrgUnit.objects.filter(path__startswith=scheme.area.path, kind=UnitKind.GRID).values_list(
            "pk", flat=True
        )
    )


def _targets(scheme: ScoreScheme, grid_ids: list[int]):
    """Map a hit to the (unit_id, user_id) pairs it scores, for the scheme's kind of target."""
    if scheme.target_kind == TargetKind.GRID:
        return lambda grid, user: [(grid, None)]
    if scheme.target_kind == TargetKind.COMMUNITY:
        units = dict(OrgUnit.objects.filter(pk__in=grid_ids).values_list("pk", "path"))
        communities = dict(
            OrgUnit.objects.filter(path__startswith=scheme.area.path, kind=UnitKind.COMMUNITY).values_list(
                "path", "pk"
            )
        )
        lengths = {len(p) for p in communities}
        parent = {}
        for grid, path in units.items():
            parent[grid] = next((communities[path[:n]] for n in lengths if path[:n] in communities), None)
        return lambda grid, user: [(parent[grid], None)] if parent.get(grid) else []
    workers: dict[int, list[int]] = defaultdict(list)
    for user_id, unit_id in Membership.objects.filter(
        unit_id__in=grid_ids, role=Role.GRID_WORKER, is_active=True
    ).values_list("user_id", "unit_id"):
        workers[unit_id].append(user_id)
    return lambda grid, user: [(grid, user)] if user else [(grid, w) for w in workers.get(grid, [])]


def _entries(scheme: ScoreScheme, rule: ScoreRule, period: ScorePeriod, grid_ids, target_of, now):
    start, end = instants(period.starts_on, period.ends_on)
    by_worker = scheme.target_kind == TargetKind.WORKER
    for grid, user, case, visit, count in rules.hits(
        kind=rule.kind, grid_ids=grid_ids, start=start, end=end, params=rule.params, by_worker=by_worker
    ):
        # A count per grid has no case or visit: the grid is its cause (several grids share a community).
        cause = f"c{case}" if case else (f"v{visit}" if visit else f"g{grid}")
        for unit_id, user_id in target_of(grid, user):
            target = f"p{user_id}" if user_id else f"u{unit_id}"
            yield ScoreEntry(
                scheme=scheme,
                period=period,
                rule=rule,
                kind=EntryKind.RULE,
                unit_id=unit_id,
                user_id=user_id,
                points=rule.points * count,
                case_id=case,
                visit_id=visit,
                data={"count": count} if count != 1 else {},
                created_at=now,
                key=f"{scheme.pk}:{rule.pk}:{target}:{period.starts_on:%Y%m%d}:{cause}",
            )


@transaction.atomic
def period_close(*, scheme: ScoreScheme, day: date, now: datetime | None = None) -> ScorePeriod:
    """Compute every rule's entries for the period holding `day` and freeze it; again is a no-op.

    1. Each rule is one query over the period's cases or visits (rules.py), aggregated per grid.
    2. Entries are inserted with `ignore_conflicts` on their idempotency key: a second run, or a
       second worker, inserts nothing the first one did.
    3. The period is closed by compare-and-set; whoever loses the race changed nothing more.
    """
    now = now or clock.now()
    period = period_get(scheme=scheme, day=day)
    if period.status == PeriodStatus.CLOSED:
        return period
    if instants(period.starts_on, period.ends_on)[1] > now:
        raise DomainError(PERIOD_NOT_OVER, code="period_not_over")
    grid_ids = scored_grids(scheme)
    target_of = _targets(scheme, grid_ids)
    for rule in scheme.rules.filter(is_active=True).order_by("pk"):
        batch: list[ScoreEntry] = []
        for entry in _entries(scheme, rule, period, grid_ids, target_of, now):
            batch.append(entry)
            if len(batch) >= BATCH:
                ScoreEntry.objects.bulk_create(batch, ignore_conflicts=True)
                batch = []
        ScoreEntry.objects.bulk_create(batch, ignore_conflicts=True)
    ScorePeriod.objects.filter(pk=period.pk, status=PeriodStatus.OPEN).update(
        status=PeriodStatus.CLOSED, closed_at=now
    )
    period.refresh_from_db()
    return period


def close_due_periods(*, now: datetime | None = None) -> dict[str, int]:
    """Close every ended, unclosed period of every active scheme (the periodic task; idempotent)."""
    now = now or clock.now()
    today = clock.localdate(now)
    closed = 0
    for scheme in ScoreScheme.objects.filter(is_active=True).select_related("area"):
        done = set(
            ScorePeriod.objects.filter(scheme=scheme, status=PeriodStatus.CLOSED).values_list(
                "starts_on", flat=True
            )
        )
        start, end = period_bounds(scheme.period_kind, scheme.starts_on)
        while end <= today:
            if start not in done:
                period_close(scheme=scheme, day=start, now=now)
                closed += 1
            start, end = period_bounds(scheme.period_kind, end)
    return {"closed": closed}


def _open_period(period: ScorePeriod) -> ScorePeriod:
    """The period itself if open, else the first later period of its scheme that is not closed."""
    while period.status == PeriodStatus.CLOSED:
        period = period_get(scheme=period.scheme, day=period.ends_on)
    return period


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(REASON_REQUIRED, code="reason_required", errors={"reason": [str(REASON_REQUIRED)]})
    return reason


@transaction.atomic
def entry_adjust(
    *, period: ScorePeriod, unit: OrgUnit, points: Decimal, reason: str, actor, user=None, now=None
) -> ScoreEntry:
    """Add a manual entry to an open period; a closed period refuses it."""
    reason = _require_reason(reason)
    if ScorePeriod.objects.filter(pk=period.pk, status=PeriodStatus.CLOSED).exists():
        raise PeriodClosed(PERIOD_CLOSED)
    entry = ScoreEntry.objects.create(
        scheme_id=period.scheme_id,
        period=period,
        kind=EntryKind.ADJUSTMENT,
        unit=unit,
        user=user,
        points=points,
        reason=reason,
        actor=actor,
        created_at=now or clock.now(),
        key=f"adj:{uuid.uuid4().hex}",
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=entry,
        details={"points": str(points), "reason": reason, "period": period.pk},
    )
    return entry


@transaction.atomic
def entry_correct(*, entry: ScoreEntry, points: Decimal, reason: str, actor, now=None) -> ScoreEntry:
    """Correct `entry` by a new one (e.g. `-entry.points` to cancel it), in its period if still open,
    else in the next period not closed, with a reference to it and the reason."""
    reason = _require_reason(reason)
    period = _open_period(ScorePeriod.objects.select_related("scheme").get(pk=entry.period_id))
    correction = ScoreEntry.objects.create(
        scheme_id=entry.scheme_id,
        period=period,
        rule_id=entry.rule_id,
        kind=EntryKind.CORRECTION,
        unit_id=entry.unit_id,
        user_id=entry.user_id,
        points=points,
        case_id=entry.case_id,
        visit_id=entry.visit_id,
        corrects=entry,
        reason=reason,
        actor=actor,
        data={"original_period": entry.period.starts_on.isoformat()} if entry.period_id != period.pk else {},
        created_at=now or clock.now(),
        key=f"cor:{entry.pk}:{uuid.uuid4().hex}",
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=correction,
        details={"corrects": entry.pk, "points": str(points), "reason": reason, "period": period.pk},
    )
    return correction
