"""Every change to a case: each transition checks the state machine and who acts, updates by
compare-and-set, writes the timeline and the audit row, recomputes deadlines and enqueues
notifications — in one transaction."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import F, QuerySet
from django.db.models.sql import UpdateQuery
from django.utils.translation import gettext_lazy as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.images import clean_image
from civicgrid.org.choices import UnitKind
from civicgrid.org.geo import grid_for_point
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import ancestor_of_kind, memberships_of

from . import notify, sla
from .choices import (
    HELD_STATUSES,
    CaseStatus,
    Channel,
    DecisionStatus,
    EventKind,
    ExtensionKind,
    Outcome,
    ReturnReason,
    WarningLevel,
)
from .models import Case, CaseEvent, CasePhoto, CaseReturn, Category, ExtensionRequest, Inspection, SlaPolicy
from .permissions import acting_unit
from .routing import route
from .workflow import check

NO_GRID = _("无法确定问题所在网格：请在地图上选点，或选择网格。")
CLAIMED_BY_OTHER = _("该问题已被“%(holder)s”领办。")
CHANGED_BY_OTHER = _("该问题刚刚已被他人处理，请刷新后查看。")
DISPUTE_WINDOW_OVER = _("异议期已过（领办后 %(hours)s 小时内可提出异议）。")
NOT_REWARDED = _("只有有奖发现类问题可以提出异议。")
NOTE_REQUIRED = _("请填写说明。")
OUTSIDE_STREET = _("只能派给问题所在街道的科室、职能部门、社区或网格。")
MAX_PHOTOS = 9


def _now(now: datetime | None) -> datetime:
    return now or clock.now()


def _begin(case: Case, actor, action: str, now: datetime | None) -> tuple[datetime, OrgUnit]:
    """Check the state machine and who acts; return the moment and the unit acted for."""
    check(case, action)
    return _now(now), acting_unit(actor, case, action)


def _note(note: str, *, required: bool = False) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ValidationError({"note": NOTE_REQUIRED})
    return note[:2000]


def _record(
    case: Case,
    kind: str,
    *,
    actor,
    at: datetime,
    unit: OrgUnit | None = None,
    note: str = "",
    data: dict | None = None,
    photos=(),
) -> CaseEvent:
    """One timeline entry, its photos, and the audit row of the state change."""
    event = CaseEvent.objects.create(
        case=case, kind=kind, actor=actor, unit=unit, at=at, note=note, data=data or {}
    )
    for photo in photos:
        CasePhoto.objects.create(case=case, event=event, image=photo)
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=case,
        details={"event": kind, "status": case.status, **({"unit": unit.code} if unit else {})},
    )
    return event


def _clean_photos(photos) -> list:
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": _("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}})
    try:
        return [clean_image(p) for p in photos]
    except ValidationError as error:
        raise ValidationError({"photos": error.messages}) from None


def _move(case: Case, *, to: str, **fields) -> Case:
    """Compare-and-set: move the case only if nobody changed its status meanwhile."""
    won = Case.objects.filter(pk=case.pk, status=case.status).update(status=to, **fields)
    if won != 1:
        raise Conflict(CHANGED_BY_OTHER)
    case.refresh_from_db()
    return case


def update_returning_ids(cases: QuerySet, **fields) -> list[int]:
    """`cases.update(**fields)` that returns the ids of the rows it changed (UPDATE … RETURNING;
    PostgreSQL, and SQLite since 3.35)."""
    query = cases.query.chain(UpdateQuery)
    query.add_update_values(fields)
    statement, params = query.get_compiler(cases.db).as_sql()
    pk = connections[cases.db].ops.quote_name(Case._meta.pk.column)
    with transaction.mark_for_rollback_on_error(using=cases.db), connections[cases.db].cursor() as cursor:
        cursor.execute(f"{statement} RETURNING {pk}", params)
        return [row[0] for row in cursor.fetchall()]


def cases_move(cases: list[Case], *, action: str, to: str, **fields) -> set[int]:
    """Compare-and-set for many cases in one UPDATE: move the cases (all read in one status) through
    `action` of the state machine, those still in that status only; return the ids won — the others
    were changed by someone else meanwhile."""
    if not cases:
        return set()
    status = cases[0].status
    if to not in check(cases[0], action).targets or any(c.status != status for c in cases):
        raise ValueError(f"{action}: cannot move {status} cases to {to}")
    ids = [c.pk for c in cases]
    return set(update_returning_ids(Case.objects.filter(pk__in=ids, status=status), status=to, **fields))


def _claim_stage(case: Case, start: datetime) -> dict:
    due = sla.add_hours(start, case.policy.claim_hours, working_days=False)
    return {"claim_due_at": due, **sla.stage(start, due, case.policy)}


def first_assignment_fields(policy: SlaPolicy, *, rewarded: bool, now: datetime) -> dict:
    """Deadlines of a case assigned for the first time at `now`: the same for every case of the
    policy (and of a rewarded category or not), so a batch works them out once."""
    verify_due = sla.add_hours(now, policy.verify_hours, working_days=False) if policy.verify_hours else None
    resolve_due = sla.add_hours(now, policy.resolve_hours, working_days=policy.working_days)
    dispute_due = (
        sla.add_hours(now, policy.dispute_hours, working_days=False)
        if policy.dispute_hours and rewarded
        else None
    )
    due = verify_due or resolve_due
    working = due == resolve_due and policy.working_days
    return {
        "assigned_at": now,
        "verify_due_at": verify_due,
        "resolve_due_at": resolve_due,
        "dispute_due_at": dispute_due,
        **sla.stage(now, due, policy, working=working),
        "claim_due_at": None,
    }


def assignment_fields(case: Case, now: datetime) -> dict:
    """Deadlines after a claim or dispatch. The clock runs from the first assignment: a case that
    was returned and handed on keeps the deadlines it had."""
    policy = case.policy
    if case.assigned_at is None:
        return first_assignment_fields(policy, rewarded=case.category.is_rewarded, now=now)
    due = case.verify_due_at or case.resolve_due_at
    working = due == case.resolve_due_at and policy.working_days
    return sla.stage(case.assigned_at, due, policy, working=working) | {"claim_due_at": None}


def _resolve_stage(case: Case) -> dict:
    return sla.stage(case.assigned_at, case.resolve_due_at, case.policy, working=case.policy.working_days)


def _held_stage(case: Case) -> dict:
    """The deadline that runs for a held case: on-site verification first, then resolution."""
    if case.status != CaseStatus.VERIFIED and case.verify_due_at is not None:
        return sla.stage(case.assigned_at, case.verify_due_at, case.policy)
    return _resolve_stage(case)


# -------------------------------------------------------------------------------- reporting

# The channel a staff member reports through, by role (patrol reports then wait for the grid worker).
STAFF_CHANNELS = {
    "grid_worker": Channel.VISIT,
    "grid_assistant": Channel.PATROL,
    "supervisor": Channel.INSPECTION,
    "agency_staff": Channel.AGENCY,
    "department_staff": Channel.AGENCY,
    "dispatcher": Channel.HOTLINE,
}


# On the report page and the report API, volunteers and residents report the four rewarded
# categories (黄金眼); staff report any category. (A resident's suggestion becomes a case by its own
# service, in its own category.)
ONLY_REWARDED = _("志愿者和居民只能上报有奖发现（黄金眼）的四类问题。")


def may_report(user, category: Category) -> bool:
    return user.kind == "staff" or category.is_rewarded


def reportable_categories(user):
    """The active categories `user` may report (the report form's choices)."""
    return [c for c in Category.objects.filter(is_active=True) if may_report(user, c)]


def channel_for(*, user, category: Category) -> str:
    """Rewarded categories come through the rewarded channel; otherwise the reporter's role decides."""
    if category.is_rewarded:
        return Channel.REWARDED_REPORT
    roles = {m.role for m in memberships_of(user)}
    for role, channel in STAFF_CHANNELS.items():
        if role in roles:
            return channel
    return Channel.REWARDED_REPORT if "volunteer" in roles else Channel.AGENCY


def case_report(
    *,
    actor,
    channel: str,
    category: Category,
    description: str,
    lat: float | None = None,
    lng: float | None = None,
    address: str = "",
    grid: OrgUnit | None = None,
    is_anonymous: bool = False,
    contact_consent: bool = True,
    photos=(),
    now: datetime | None = None,
) -> Case:
    """Report a problem; the grid comes from the map point, else from the grid given. Everything is
    checked and worked out first; the transaction holds only the writes: the case (the database
    numbers it as it writes the row), its timeline entry and audit row, and the messages."""
    now = _now(now)
    errors = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请描述问题。")]
    if channel not in Channel.values:
        errors["channel"] = [_("来源无效。")]
    if not category.is_active:
        errors["category"] = [_("该类别已停用。")]
    if is_anonymous and not category.allows_anonymous:
        errors["is_anonymous"] = [_("该类别不接受匿名报告。")]
    if lat is not None and lng is not None:
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            errors["lat"] = [_("坐标无效。")]
        else:
            grid = grid_for_point(lat=lat, lng=lng) or grid
    if grid is None and "lat" not in errors:
        errors["grid"] = [NO_GRID]
    if errors:
        raise ValidationError(errors)
    clean = _clean_photos(photos)
    # Patrol reports by assistants go to their grid worker first (核实确认).
    roles = {m.role for m in memberships_of(actor)} if actor is not None else set()
    needs_confirmation = (
        channel == Channel.PATROL and "grid_assistant" in roles and "grid_worker" not in roles
    )
    case = Case(
        channel=channel,
        category=category,
        policy=category.policy,
        description=description[:4000],
        address=(address or "").strip()[:200],
        lat=lat,
        lng=lng,
        grid=grid,
        reporter=actor,
        is_anonymous=is_anonymous,
        contact_consent=contact_consent or not is_anonymous,
        status=CaseStatus.REPORTED if needs_confirmation else CaseStatus.AWAITING_CLAIM,
        reported_at=now,
    )
    if not needs_confirmation:
        case.entered_centre_at = now
        for name, value in _claim_stage(case, now).items():
            setattr(case, name, value)
    with transaction.atomic():
        case.save()
        _record(
            case,
            EventKind.REPORTED,
            actor=actor,
            at=now,
            note=description[:200],
            photos=clean,
            data={"channel": channel},
        )
        if needs_confirmation:
            notify.grid_workers_to_confirm(case)
    return case


@transaction.atomic
def case_confirm(*, case: Case, actor, note: str = "", now: datetime | None = None) -> Case:
    """The grid worker confirms an assistant's patrol report: it enters the centre."""
    now, unit = _begin(case, actor, "confirm", now)
    case = _move(case, to=CaseStatus.AWAITING_CLAIM, entered_centre_at=now, **_claim_stage(case, now))
    _record(case, EventKind.CONFIRMED, actor=actor, unit=unit, at=now, note=_note(note))
    return case


@transaction.atomic
def case_reject_report(*, case: Case, actor, note: str, now: datetime | None = None) -> Case:
    now, unit = _begin(case, actor, "reject_report", now)
    note = _note(note, required=True)
    case = _move(
        case,
        to=CaseStatus.CLOSED,
        closed_at=now,
        outcome=Outcome.INVALID,
        outcome_note=note,
        **sla.stage(now, None, case.policy),
    )
    _record(case, EventKind.REJECTED, actor=actor, unit=unit, at=now, note=note)
    notify.reporter_outcome(case)
    return case


# -------------------------------------------------------------------------------- claim and dispatch


@transaction.atomic
def case_claim(*, case: Case, actor, now: datetime | None = None) -> Case:
    """Give the case to the claimant's unit, or refuse and name who already has it."""
    now = _now(now)
    unit = acting_unit(actor, case, "claim")
    fields = assignment_fields(case, now)
    # compare-and-set: works on SQLite, where select_for_update does nothing
    won = Case.objects.filter(pk=case.pk, status=CaseStatus.AWAITING_CLAIM).update(
        status=CaseStatus.CLAIMED, holder=unit, holder_user=actor, **fields
    )
    if won != 1:
        current = Case.objects.select_related("holder").get(pk=case.pk)
        if current.holder is not None:
            raise Conflict(CLAIMED_BY_OTHER % {"holder": current.holder.name}, code="already_claimed")
        check(current, "claim")
        raise Conflict(CHANGED_BY_OTHER)
    case.refresh_from_db()
    _record(case, EventKind.CLAIMED, actor=actor, unit=unit, at=now)
    return case


@transaction.atomic
def case_dispatch(
    *, case: Case, target: OrgUnit, actor=None, note: str = "", now: datetime | None = None
) -> Case:
    """Assign the case to `target`: by the dispatcher, or by the sweep's routing rules (actor None)."""
    now = _now(now)
    check(case, "dispatch")
    unit = acting_unit(actor, case, "dispatch") if actor is not None else None
    street = ancestor_of_kind(case.grid, UnitKind.STREET)
    if street is None or not target.path.startswith(street.path) or not target.is_active:
        raise ValidationError({"target": OUTSIDE_STREET})
    case = _move(
        case,
        to=CaseStatus.DISPATCHED,
        holder=target,
        holder_user=None,
        needs_binding_decision=False,
        **assignment_fields(case, now),
    )
    _record(
        case,
        EventKind.DISPATCHED,
        actor=actor,
        unit=unit,
        at=now,
        note=_note(note),
        data={"to": target.name, "by": "dispatcher" if actor else "rule"},
    )
    notify.holder_assigned(case)
    return case


@transaction.atomic
def case_auto_dispatch(*, case_id: int, now: datetime) -> Case | None:
    """The claim limit passed: dispatch by routing rules, or queue for the dispatcher. Idempotent."""
    case = (
        Case.objects.select_related("category", "grid", "policy")
        .filter(pk=case_id, status=CaseStatus.AWAITING_CLAIM, claim_due_at__lte=now)
        .first()
    )
    if case is None:
        return None
    excluded = set(case.returns.values_list("unit_id", flat=True))
    target = route(case, excluded=excluded)
    try:
        if target is not None:
            return case_dispatch(case=case, target=target, now=now)
        case = _move(case, to=CaseStatus.DISPATCHER_QUEUE, claim_due_at=None)
    except Conflict:
        return None  # another worker got there first
    _record(
        case, EventKind.QUEUED, actor=None, at=now, note=str(_("无匹配的派单规则，转云平台中心人工派单。"))
    )
    notify.dispatchers(case)
    return case


# -------------------------------------------------------------------------------- handling


@transaction.atomic
def case_verify(*, case: Case, actor, note: str = "", photos=(), now: datetime | None = None) -> Case:
    """On-site verification done: the resolution clock is what runs now."""
    now, unit = _begin(case, actor, "verify", now)
    clean = _clean_photos(photos)
    case = _move(case, to=CaseStatus.VERIFIED, verified_at=now, **_resolve_stage(case))
    _record(case, EventKind.VERIFIED, actor=actor, unit=unit, at=now, note=_note(note), photos=clean)
    return case


@transaction.atomic
def case_log_work(*, case: Case, actor, note: str, photos=(), now: datetime | None = None) -> CaseEvent:
    now, unit = _begin(case, actor, "work_log", now)
    return _record(
        case,
        EventKind.WORK_LOG,
        actor=actor,
        unit=unit,
        at=now,
        note=_note(note, required=True),
        photos=_clean_photos(photos),
    )


@transaction.atomic
def case_resolve(*, case: Case, actor, note: str, photos=(), now: datetime | None = None) -> Case:
    """The holder reports the problem solved; it waits for the check."""
    now, unit = _begin(case, actor, "resolve", now)
    note = _note(note, required=True)
    clean = _clean_photos(photos)
    case = _move(
        case, to=CaseStatus.RESOLVED, resolved_at=now, outcome_note=note, **sla.stage(now, None, case.policy)
    )
    _record(case, EventKind.RESOLVED, actor=actor, unit=unit, at=now, note=note, photos=clean)
    notify.checkers(case)
    return case


@transaction.atomic
def case_close(
    *, case: Case, actor, outcome: str = Outcome.RESOLVED, note: str = "", now: datetime | None = None
) -> Case:
    """Check and close: the outcome says honestly how it ended; the reporter is told."""
    now, unit = _begin(case, actor, "close", now)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("请选择处理结果。")})
    valid = (outcome == Outcome.RESOLVED) if case.category.is_rewarded else case.is_valid_report
    case = _move(
        case,
        to=CaseStatus.CLOSED,
        closed_at=now,
        outcome=outcome,
        is_valid_report=valid,
        outcome_note=_note(note) or case.outcome_note,
    )
    _record(
        case,
        EventKind.CLOSED,
        actor=actor,
        unit=unit,
        at=now,
        note=case.outcome_note,
        data={"outcome": outcome},
    )
    notify.reporter_outcome(case)
    return case


@transaction.atomic
def case_reopen(*, case: Case, actor, note: str, now: datetime | None = None) -> Case:
    """The check failed (返工): back to the holder, the resolution clock keeps its deadline."""
    now, unit = _begin(case, actor, "reopen", now)
    note = _note(note, required=True)
    case = _move(case, to=CaseStatus.VERIFIED, resolved_at=None, **_resolve_stage(case))
    _record(case, EventKind.REOPENED, actor=actor, unit=unit, at=now, note=note)
    notify.holder_assigned(case, reopened=True)
    return case


@transaction.atomic
def case_close_unhandled(*, case: Case, actor, outcome: str, note: str, now: datetime | None = None) -> Case:
    """The dispatcher closes a case nobody should handle (not ours, invalid, duplicate)."""
    now, unit = _begin(case, actor, "close_unhandled", now)
    if outcome not in (Outcome.NOT_OURS, Outcome.INVALID, Outcome.DUPLICATE, Outcome.UNABLE):
        raise ValidationError({"outcome": _("请选择处理结果。")})
    note = _note(note, required=True)
    case = _move(
        case,
        to=CaseStatus.CLOSED,
        closed_at=now,
        outcome=outcome,
        outcome_note=note,
        claim_due_at=None,
        is_valid_report=False if case.category.is_rewarded else None,
        **sla.stage(now, None, case.policy),
    )
    _record(case, EventKind.CLOSED, actor=actor, unit=unit, at=now, note=note, data={"outcome": outcome})
    notify.reporter_outcome(case)
    return case


@transaction.atomic
def case_return(*, case: Case, actor, reason: str, note: str = "", now: datetime | None = None) -> Case:
    """Wrong holder: back to the centre with a reason from the fixed list. The case's clock keeps
    running; past the return limit the dispatcher decides, and that decision binds."""
    now, unit = _begin(case, actor, "return", now)
    if reason not in ReturnReason.values:
        raise ValidationError({"reason": _("请选择退回理由。")})
    over_limit = case.return_count + 1 > settings.CASE_MAX_RETURNS
    running = _held_stage(case)
    fields = {"holder": None, "holder_user": None, "return_count": F("return_count") + 1, **running}
    if over_limit:
        case = _move(
            case, to=CaseStatus.DISPATCHER_QUEUE, needs_binding_decision=True, claim_due_at=None, **fields
        )
    else:
        claim_due = sla.add_hours(now, case.policy.claim_hours, working_days=False)
        case = _move(case, to=CaseStatus.AWAITING_CLAIM, claim_due_at=claim_due, **fields)
    CaseReturn.objects.create(
        case=case, unit=unit, actor=actor, reason=reason, note=_note(note)[:200], at=now
    )
    _record(
        case,
        EventKind.RETURNED,
        actor=actor,
        unit=unit,
        at=now,
        note=_note(note),
        data={"reason": reason, "to_dispatcher": over_limit},
    )
    if over_limit:
        notify.dispatchers(case)
    return case


# -------------------------------------------------------------------------------- disputes and merging


@transaction.atomic
def case_dispute(*, case: Case, actor, note: str, now: datetime | None = None) -> Case:
    """The community questions a rewarded report's truth, within the dispute window after claiming."""
    now = _now(now)
    check(case, "dispute")
    if not case.category.is_rewarded:
        raise ValidationError({"note": NOT_REWARDED})
    unit = acting_unit(actor, case, "dispute")
    if case.dispute_due_at is None or now > case.dispute_due_at:
        raise ValidationError({"note": DISPUTE_WINDOW_OVER % {"hours": case.policy.dispute_hours}})
    note = _note(note, required=True)
    case = _move(case, to=CaseStatus.DISPUTED, status_before_dispute=case.status)
    _record(case, EventKind.DISPUTED, actor=actor, unit=unit, at=now, note=note)
    notify.dispute_reviewers(case)
    return case


@transaction.atomic
def dispute_review(*, case: Case, actor, upheld: bool, note: str, now: datetime | None = None) -> Case:
    """A street department decides: upheld closes the report as invalid; rejected lets the clock go on."""
    now, unit = _begin(case, actor, "review_dispute", now)
    note = _note(note, required=True)
    if upheld:
        case = _move(
            case,
            to=CaseStatus.CLOSED,
            closed_at=now,
            outcome=Outcome.INVALID,
            outcome_note=note,
            is_valid_report=False,
            **sla.stage(now, None, case.policy),
        )
        _record(case, EventKind.DISPUTE_UPHELD, actor=actor, unit=unit, at=now, note=note)
        notify.reporter_outcome(case)
    else:
        case = _move(case, to=case.status_before_dispute or CaseStatus.CLAIMED)
        _record(case, EventKind.DISPUTE_REJECTED, actor=actor, unit=unit, at=now, note=note)
        notify.holder_assigned(case)
    return case


@transaction.atomic
def case_merge(*, case: Case, into: Case, actor, note: str = "", now: datetime | None = None) -> Case:
    """Mark `case` a duplicate of `into`; its reporter hears the outcome of `into`."""
    now, unit = _begin(case, actor, "merge", now)
    if into.pk == case.pk or into.status == CaseStatus.MERGED:
        raise ValidationError({"into": _("请选择另一个未合并的问题。")})
    case = _move(
        case,
        to=CaseStatus.MERGED,
        merged_into=into,
        closed_at=now,
        outcome=Outcome.DUPLICATE,
        claim_due_at=None,
        **sla.stage(now, None, case.policy),
    )
    _record(
        case, EventKind.MERGED, actor=actor, unit=unit, at=now, note=_note(note), data={"into": into.number}
    )
    _record(into, EventKind.MERGED, actor=actor, unit=unit, at=now, data={"duplicate": case.number})
    return case


# -------------------------------------------------------------------------------- warnings, supervision


@transaction.atomic
def case_set_warning(*, case: Case, actor, level: str, now: datetime | None = None) -> Case:
    """The stability centre grades the case: its policy, deadlines and handling steps follow the level."""
    now, unit = _begin(case, actor, "set_warning", now)
    if level not in WarningLevel.values:
        raise ValidationError({"level": _("请选择预警等级。")})
    policy = SlaPolicy.objects.filter(code=f"warning_{level}").first()
    if policy is None:  # configuration, not the caller's input: still a clear answer, not a 500
        raise ValidationError({"level": _("该预警等级的处置时限尚未配置，请联系平台管理员。")})
    case.policy = policy
    fields: dict = {
        "warning_level": level,
        "policy": policy,
        "checklist": [{"step": s, "done": False} for s in policy.steps],
    }
    if case.status in HELD_STATUSES:
        verify_due = (
            sla.add_hours(now, policy.verify_hours, working_days=False) if policy.verify_hours else None
        )
        resolve_due = sla.add_hours(now, policy.resolve_hours, working_days=policy.working_days)
        fields |= {"assigned_at": now, "verify_due_at": verify_due, "resolve_due_at": resolve_due}
        due = verify_due if case.status != CaseStatus.VERIFIED and verify_due else resolve_due
        fields |= sla.stage(now, due, policy, working=due == resolve_due and policy.working_days)
    else:
        fields |= _claim_stage(case, now)
    won = Case.objects.filter(pk=case.pk, status=case.status).update(**fields)
    if won != 1:
        raise Conflict(CHANGED_BY_OTHER)
    case.refresh_from_db()
    _record(case, EventKind.WARNING_SET, actor=actor, unit=unit, at=now, data={"level": level})
    notify.leaders_warning(case)
    return case


@transaction.atomic
def case_recategorise(
    *, case: Case, actor, category: Category, note: str = "", now: datetime | None = None
) -> Case:
    """Staff correct a wrong category (a resident's suggestion classified by keywords, a report filed
    under the wrong heading). The time limits already running stay; a rewarded report stays rewarded."""
    now, unit = _begin(case, actor, "recategorise", now)
    note = _note(note)
    previous = case.category
    if not category.is_active:
        raise ValidationError({"category": _("该类别已停用。")})
    if category.pk == previous.pk:
        raise ValidationError({"category": _("请选择与现在不同的类别。")})
    if category.is_rewarded != previous.is_rewarded:
        raise ValidationError({"category": _("有奖举报类别与一般问题类别不能互相更正。")})
    won = Case.objects.filter(pk=case.pk, status=case.status, category=previous).update(category=category)
    if won != 1:
        raise Conflict(CHANGED_BY_OTHER)
    case.category = category
    _record(
        case,
        EventKind.RECATEGORISED,
        actor=actor,
        unit=unit,
        at=now,
        note=note,
        data={"from": previous.name, "to": category.name},
    )
    return case


@transaction.atomic
def case_checklist_tick(*, case: Case, actor, index: int, now: datetime | None = None) -> Case:
    now = _now(now)
    unit = acting_unit(actor, case, "work_log")
    steps = list(case.checklist)
    if not 0 <= index < len(steps):
        raise ValidationError({"index": _("处置步骤不存在。")})
    steps[index] = {**steps[index], "done": True}
    Case.objects.filter(pk=case.pk).update(checklist=steps)
    case.checklist = steps
    _record(case, EventKind.CHECKLIST, actor=actor, unit=unit, at=now, note=steps[index]["step"])
    return case


@transaction.atomic
def case_inspect(*, case: Case, actor, finding: str, rating: int, now: datetime | None = None) -> Inspection:
    now, unit = _begin(case, actor, "inspect", now)
    if rating not in range(1, 6):
        raise ValidationError({"rating": _("评分应为 1–5。")})
    finding = (finding or "").strip()
    if not finding:
        raise ValidationError({"finding": _("请填写督查意见。")})
    inspection = Inspection.objects.create(
        case=case, supervisor=actor, finding=finding[:2000], rating=rating, at=now
    )
    _record(
        case,
        EventKind.INSPECTED,
        actor=actor,
        unit=unit,
        at=now,
        note=finding[:2000],
        data={"rating": rating},
    )
    return inspection


# -------------------------------------------------------------------------------- extensions and pauses


@transaction.atomic
def extension_request(
    *, case: Case, actor, kind: str, reason: str, hours: Decimal | None = None, now: datetime | None = None
) -> ExtensionRequest:
    now, unit = _begin(case, actor, "request_extension", now)
    reason = (reason or "").strip()
    errors = {}
    if kind not in ExtensionKind.values:
        errors["kind"] = [_("请选择延期或缓办。")]
    if not reason:
        errors["reason"] = [_("请填写理由。")]
    if kind == ExtensionKind.EXTENSION and (hours is None or not 0 < hours <= 720):
        errors["hours"] = [_("延长时间应在 1–720 小时之间。")]
    if case.extension_requests.filter(status=DecisionStatus.PENDING).exists():
        errors["kind"] = [_("已有待审批的申请。")]
    if errors:
        raise ValidationError(errors)
    request = ExtensionRequest.objects.create(
        case=case, kind=kind, hours=hours, reason=reason[:200], requested_by=actor, requested_at=now
    )
    _record(
        case,
        EventKind.EXTENSION_REQUESTED,
        actor=actor,
        unit=unit,
        at=now,
        note=reason,
        data={"kind": kind, "hours": str(hours) if hours else None},
    )
    notify.checkers(case, extension=True)
    return request


@transaction.atomic
def extension_decide(
    *, request: ExtensionRequest, actor, approve: bool, now: datetime | None = None
) -> ExtensionRequest:
    """The community head or the dispatcher approves (extension: later deadline; pause: clock stops)."""
    now = _now(now)
    case = Case.objects.select_related("policy", "category", "grid", "holder").get(pk=request.case_id)
    unit = acting_unit(actor, case, "close")  # the same people who check cases decide on time
    status = DecisionStatus.APPROVED if approve else DecisionStatus.REFUSED
    won = ExtensionRequest.objects.filter(pk=request.pk, status=DecisionStatus.PENDING).update(
        status=status, decided_by=actor, decided_at=now
    )
    if won != 1:
        raise Conflict(_("该申请已审批。"))
    request.refresh_from_db()
    if approve and case.status in HELD_STATUSES:
        if request.kind == ExtensionKind.EXTENSION:
            due = sla.add_hours(case.resolve_due_at, request.hours, working_days=case.policy.working_days)
            fields = {"resolve_due_at": due, "red_at": None}
            if case.status == CaseStatus.VERIFIED:
                fields |= sla.stage(case.assigned_at, due, case.policy, working=case.policy.working_days)
            Case.objects.filter(pk=case.pk).update(**fields)
        else:
            Case.objects.filter(pk=case.pk).update(paused_at=now, stage_due_at=None, stage_yellow_at=None)
    _record(
        case,
        EventKind.EXTENSION_DECIDED,
        actor=actor,
        unit=unit,
        at=now,
        data={"kind": request.kind, "approved": approve},
    )
    return request


@transaction.atomic
def case_resume(*, case: Case, actor, now: datetime | None = None) -> Case:
    """End a pause: every deadline moves on by exactly the (working) time the case was paused."""
    now = _now(now)
    if case.paused_at is None:
        raise ValidationError({"case": _("该问题未暂停计时。")})
    unit = acting_unit(actor, case, "work_log")
    policy, paused_at = case.policy, case.paused_at
    hours = Decimal((now - paused_at).total_seconds()) / 3600

    def shift(due, working: bool):
        if due is None or due <= paused_at:
            return due
        left = sla.working_between(paused_at, due, working_days=working)
        return sla.add_hours(now, Decimal(left.total_seconds()) / 3600, working_days=working)

    fields = {
        "paused_at": None,
        "paused_seconds": F("paused_seconds") + int((now - paused_at).total_seconds()),
        "verify_due_at": shift(case.verify_due_at, False),
        "resolve_due_at": shift(case.resolve_due_at, policy.working_days),
        "dispute_due_at": shift(case.dispute_due_at, False),
    }
    due = (
        fields["resolve_due_at"]
        if case.status == CaseStatus.VERIFIED
        else fields["verify_due_at"] or fields["resolve_due_at"]
    )
    fields |= sla.stage(
        case.assigned_at, due, policy, working=due == fields["resolve_due_at"] and policy.working_days
    )
    won = Case.objects.filter(pk=case.pk, paused_at=paused_at).update(**fields)
    if won != 1:
        raise Conflict(CHANGED_BY_OTHER)
    case.refresh_from_db()
    _record(
        case, EventKind.RESUMED, actor=actor, unit=unit, at=now, data={"paused_hours": str(round(hours, 2))}
    )
    return case


# -------------------------------------------------------------------------------- the reporter


@transaction.atomic
def case_rate(*, case: Case, actor, rating: int, comment: str = "", now: datetime | None = None) -> Case:
    now = _now(now)
    if case.reporter_id != getattr(actor, "pk", None):
        raise Forbidden(_("只有报告人可以评价。"))
    if case.status != CaseStatus.CLOSED:
        raise ValidationError({"rating": _("问题结案后才能评价。")})
    if rating not in range(1, 6):
        raise ValidationError({"rating": _("评价应为 1–5 星。")})
    won = Case.objects.filter(pk=case.pk, rating__isnull=True).update(
        rating=rating, rating_comment=comment[:200]
    )
    if won != 1:
        raise Conflict(_("您已经评价过了。"))
    case.refresh_from_db()
    _record(case, EventKind.RATED, actor=actor, at=now, data={"rating": rating})
    return case
