"""Cases API: report, list the centre, read a case, and act on it — the same rules as the pages."""

from datetime import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicgrid.core import clock
from civicgrid.core.api import BoundedLimitOffset, Id
from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.core.idempotency import once, parse_key
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import user_can

from . import selectors, services, sla
from .choices import CaseStatus
from .models import Case, Category

LIGHT_FIELDS = ("status", "stage_due_at", "stage_yellow_at", "red_at", "paused_at")

router = Router()


class CaseReportIn(Schema):
    category: str = Field(..., description="类别代码 · category code")
    description: str = Field(..., max_length=4000)
    lat: float | None = None
    lng: float | None = None
    grid_id: Id | None = None
    address: str = ""
    is_anonymous: bool = False
    contact_consent: bool = True


class CaseOut(Schema):
    id: int
    number: str
    channel: str
    status: str
    category: str = Field(..., alias="category.code")
    description: str
    address: str
    grid_id: int
    holder_id: int | None
    reported_at: datetime
    claim_due_at: datetime | None
    verify_due_at: datetime | None
    resolve_due_at: datetime | None
    light: str
    outcome: str
    warning_level: str


class CaseRow(Schema):
    id: int
    number: str
    status: str
    channel: str
    category: str = Field(..., alias="category__name")
    grid: str = Field(..., alias="grid__name")
    reported_at: datetime
    stage_due_at: datetime | None
    light: str = ""

    @staticmethod
    def resolve_light(row) -> str:
        return sla.light(Case(**{k: row[k] for k in LIGHT_FIELDS}), clock.now())


class ActionIn(Schema):
    note: str = ""
    outcome: str = "resolved"
    reason: str = ""
    target_id: Id | None = None
    level: str = ""
    upheld: bool = False
    category_id: Id | None = None


def _out(case):
    case.light = sla.light(case, clock.now())
    return case


def _case(request, case_id: int):
    return selectors.access_case(user=request.user, case_id=case_id)


@router.post(
    "",
    response={200: CaseOut, 201: CaseOut},
    summary="上报问题 · Report a case (send an Idempotency-Key header: a retry returns the first case, 200)",
)
def report(request, payload: CaseReportIn):
    if not user_can(request.user, "cases.report"):
        raise Forbidden()
    category = selectors.active_category(payload.category)
    if category is None:
        raise ValidationError({"category": ["类别不存在。"]})
    if not services.may_report(request.user, category):
        raise ValidationError({"category": [services.ONLY_REWARDED]})
    key = parse_key(request.headers.get("Idempotency-Key"))
    grid = OrgUnit.objects.filter(pk=payload.grid_id, kind="grid").first() if payload.grid_id else None

    def make():
        return services.case_report(
            actor=request.user,
            # The channel follows from who reports (as on the report page), never from the request.
            channel=services.channel_for(user=request.user, category=category),
            category=category,
            description=payload.description,
            lat=payload.lat,
            lng=payload.lng,
            grid=grid,
            address=payload.address,
            is_anonymous=payload.is_anonymous,
            contact_consent=payload.contact_consent,
        )

    # A retry (the answer was lost, an offline queue replays) finds the first case: never two.
    case, created = once(user=request.user, key=key, kind="case", model=Case, make=make)
    return Status(201 if created else 200, _out(case))


@router.get("", response=list[CaseRow], summary="问题中心列表 · Centre list")
@paginate(BoundedLimitOffset)
def centre(
    request,
    status: str = CaseStatus.AWAITING_CLAIM,
    category: Id | None = None,
    channel: str = "",
    light: str = "",
    community: Id | None = None,
):
    if not user_can(request.user, "cases.view"):
        raise Forbidden()
    now = clock.now()
    return selectors.centre_list(
        user=request.user,
        now=now,
        status=status,
        category=category,
        channel=channel,
        light=light,
        community=community,
    )


@router.get("/{case_id}", response=CaseOut, summary="问题详情 · Case")
def get_case(request, case_id: int):
    return _out(_case(request, case_id))


@router.post("/{case_id}/claim", response=CaseOut, summary="领办 · Claim")
def claim(request, case_id: int):
    return _out(services.case_claim(case=_case(request, case_id), actor=request.user))


ACTIONS = {
    "confirm": lambda case, user, p: services.case_confirm(case=case, actor=user, note=p.note),
    "verify": lambda case, user, p: services.case_verify(case=case, actor=user, note=p.note),
    "work_log": lambda case, user, p: services.case_log_work(case=case, actor=user, note=p.note),
    "resolve": lambda case, user, p: services.case_resolve(case=case, actor=user, note=p.note),
    "close": lambda case, user, p: services.case_close(case=case, actor=user, outcome=p.outcome, note=p.note),
    "reopen": lambda case, user, p: services.case_reopen(case=case, actor=user, note=p.note),
    "return": lambda case, user, p: services.case_return(case=case, actor=user, reason=p.reason, note=p.note),
    "dispute": lambda case, user, p: services.case_dispute(case=case, actor=user, note=p.note),
    "review_dispute": lambda case, user, p: services.dispute_review(
        case=case, actor=user, upheld=p.upheld, note=p.note
    ),
    "set_warning": lambda case, user, p: services.case_set_warning(case=case, actor=user, level=p.level),
    "recategorise": lambda case, user, p: services.case_recategorise(
        case=case, actor=user, category=Category.objects.get(pk=p.category_id), note=p.note
    ),
    "dispatch": lambda case, user, p: services.case_dispatch(
        case=case, actor=user, note=p.note, target=OrgUnit.objects.get(pk=p.target_id)
    ),
}


@router.post("/{case_id}/actions/{action}", response=CaseOut, summary="办理操作 · Act on a case")
def act(request, case_id: int, action: str, payload: ActionIn):
    if action not in ACTIONS:
        raise NotFound()
    case = _case(request, case_id)
    try:
        ACTIONS[action](case, request.user, payload)
    except OrgUnit.DoesNotExist:
        raise ValidationError({"target_id": ["承办单位不存在。"]}) from None
    except Category.DoesNotExist:
        raise ValidationError({"category_id": ["类别不存在。"]}) from None
    return _out(_case(request, case_id))
