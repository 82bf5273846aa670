"""Field workbench API: my day, visits (idempotent), policy search and consultations."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status

from civicgrid.cases.models import Category
from civicgrid.core.api import DateTimeIn, Id
from civicgrid.core.errors import Forbidden
from civicgrid.core.idempotency import parse_key
from civicgrid.org.selectors import user_can
from civicgrid.registry.selectors import access_organisation

from . import selectors, services

router = Router()


def _require(request, action: str) -> None:
    if not user_can(request.user, action):
        raise Forbidden()


class DueOut(Schema):
    household_id: int
    address: str
    grid: str
    due_on: date
    interval_days: int
    last_visit: date | None


class CaseLine(Schema):
    id: int
    number: str
    category: str = Field(..., alias="category__name")
    light: str
    stage_due_at: datetime | None


class MyDayOut(Schema):
    today: date
    due_total: int
    due: list[DueOut]
    cases: list[CaseLine]
    unread: int
    visits_today: int


@router.get("/my-day", response=MyDayOut, summary="我的一天 · My day")
def my_day(request):
    _require(request, "fieldwork.visit")
    day = selectors.my_day(user=request.user)
    due = [
        DueOut(
            household_id=d.household.pk,
            address=str(d.household),
            grid=d.household.grid.name,
            due_on=d.due_on,
            interval_days=d.interval_days,
            last_visit=d.last_visit,
        )
        for d in day.due
    ]
    return MyDayOut(
        today=day.today,
        due_total=day.due_total,
        due=due,
        cases=day.cases,
        unread=day.unread,
        visits_today=day.visits_today,
    )


class ProblemIn(Schema):
    category: str = Field(..., description="类别代码 · category code")
    description: str = Field(..., max_length=4000)


class VisitIn(Schema):
    household_id: Id | None = None
    organisation_id: Id | None = None
    visited_at: DateTimeIn | None = None
    met: str = Field("", max_length=100)
    companions: str = Field("", max_length=100)
    notes: str = Field("", max_length=4000)
    lat: float | None = None
    lng: float | None = None
    accuracy_m: float | None = None
    confirm_data: bool = False
    problems: list[ProblemIn] = Field(default_factory=list, max_length=5)


class VisitOut(Schema):
    id: int
    created: bool
    household_id: int | None
    organisation_id: int | None
    visited_at: datetime
    cases: list[str]


@router.post(
    "/visits",
    response={200: VisitOut, 201: VisitOut},
    summary="记录走访 · Record a visit (send an Idempotency-Key header: a retry returns the first visit, 200)",
)
def visit_create(request, payload: VisitIn):
    _require(request, "fieldwork.visit")
    key = parse_key(request.headers.get("Idempotency-Key"))
    target = {}
    if payload.household_id is not None:
        target["household"] = selectors.access_household(user=request.user, household_id=payload.household_id)
    if payload.organisation_id is not None:
        target["organisation"] = access_organisation(
            user=request.user, organisation_id=payload.organisation_id, action="fieldwork.visit"
        )
    categories = {c.code: c for c in Category.objects.filter(code__in=[p.category for p in payload.problems])}
    if any(p.category not in categories for p in payload.problems):
        raise ValidationError({"problems": ["问题类别不存在。"]})
    visit, created = services.visit_record(
        actor=request.user,
        **target,
        visited_at=payload.visited_at,
        met=payload.met,
        companions=payload.companions,
        notes=payload.notes,
        lat=payload.lat,
        lng=payload.lng,
        accuracy_m=payload.accuracy_m,
        confirm_data=payload.confirm_data,
        problems=[(categories[p.category], p.description) for p in payload.problems],
        idempotency_key=key,
    )
    out = VisitOut(
        id=visit.pk,
        created=created,
        household_id=visit.household_id,
        organisation_id=visit.organisation_id,
        visited_at=visit.visited_at,
        cases=[c.number for c in visit.cases.all()],
    )
    return Status(201 if created else 200, out)


class ItemRow(Schema):
    id: int
    code: str
    title: str
    line: str = Field(..., alias="line.name")
    office: str
    time_limit: str


class DocumentOut(Schema):
    level: str
    title: str
    number: str


class ItemOut(ItemRow):
    eligibility: str
    materials: list[str]
    process: list[str]
    fee: str
    documents: list[DocumentOut]

    @staticmethod
    def resolve_documents(item) -> list:
        return list(item.documents.all())


@router.get("/policy", response=list[ItemRow], summary="政策搜索 · Search the policy library")
def policy_search(request, q: str = "", line: str = "", limit: int = 20):
    return selectors.items_search(user=request.user, query=q, line=line, limit=max(1, min(limit, 50)))


@router.get("/policy/{item_id}", response=ItemOut, summary="服务事项 · One service item")
def policy_item(request, item_id: int):
    return selectors.access_item(user=request.user, item_id=item_id)


class ConsultationIn(Schema):
    grid_id: Id
    item_id: Id | None = None
    asker_name: str = Field(..., max_length=50)
    asker_phone: str = Field("", max_length=20)
    question: str = Field(..., max_length=2000)
    answer: str = Field(..., max_length=4000)
    case_category: str | None = Field(
        None, description="填写类别代码时同时转为问题 · category code to open a case"
    )


class ConsultationOut(Schema):
    id: int
    created: bool
    case: str | None


@router.post(
    "/consultations",
    response={200: ConsultationOut, 201: ConsultationOut},
    summary="登记咨询 · Log a consultation",
)
def consultation_create(request, payload: ConsultationIn):
    _require(request, "fieldwork.consult")
    key = parse_key(request.headers.get("Idempotency-Key"))
    grid = selectors.consultation_grids(request.user).filter(pk=payload.grid_id).first()
    if grid is None:
        raise ValidationError({"grid_id": ["网格不存在，或不在您的工作范围内。"]})
    item = selectors.access_item(user=request.user, item_id=payload.item_id) if payload.item_id else None
    category = None
    if payload.case_category:
        category = Category.objects.filter(code=payload.case_category).first()
        if category is None:
            raise ValidationError({"case_category": ["问题类别不存在。"]})
    consultation, created = services.consultation_record(
        actor=request.user,
        grid=grid,
        item=item,
        asker_name=payload.asker_name,
        asker_phone=payload.asker_phone,
        question=payload.question,
        answer=payload.answer,
        case_category=category,
        idempotency_key=key,
    )
    out = ConsultationOut(
        id=consultation.pk, created=created, case=consultation.case.number if consultation.case else None
    )
    return Status(201 if created else 200, out)
