"""Scoring API: the schemes the caller reaches and a ranking limited to the rows their role shows."""

from datetime import date, datetime
from decimal import Decimal

from ninja import Query, Router, Schema

from civicgrid.core import clock

from . import selectors

router = Router()


class SchemeOut(Schema):
    id: int
    name: str
    target_kind: str
    period_kind: str
    base_score: Decimal


class RowOut(Schema):
    rank: int
    name: str
    unit_id: int
    unit_name: str
    user_id: int | None
    score: Decimal
    bonus: Decimal
    deduction: Decimal


class RankingOut(Schema):
    scheme: SchemeOut | None
    year: int
    month: int | None
    closed: bool
    total: int
    rows: list[RowOut]


class RankingQuery(Schema):
    scheme_id: int | None = None
    year: int | None = None
    month: int | None = None


class EntryQuery(RankingQuery):
    unit_id: int | None = None
    user_id: int | None = None


class EntryOut(Schema):
    id: int
    period: date
    kind: str
    rule: str | None
    unit: str
    user_id: int | None
    points: Decimal
    case_number: str | None
    visit_id: int | None
    corrects_id: int | None
    reason: str
    created_at: datetime


@router.get("/schemes", response=list[SchemeOut], summary="考核方案 · Scoring schemes")
def schemes(request):
    return list(selectors.schemes_visible_to(request.user))


def _ranking(request, filters: RankingQuery) -> selectors.Ranking:
    visible = selectors.schemes_visible_to(request.user)
    today = clock.today()
    year = filters.year if filters.year and 2000 <= filters.year <= 2100 else None
    month = filters.month if filters.month and 1 <= filters.month <= 12 else None
    if year is None:
        year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    if filters.scheme_id is not None:
        scheme = selectors.access_scheme(user=request.user, scheme_id=filters.scheme_id)
    else:
        scheme = visible.first()
    return selectors.ranking(user=request.user, scheme=scheme, year=year, month=month)


@router.get("/rankings", response=RankingOut, summary="考核排名 · Ranking of a month or a year")
def rankings(request, filters: Query[RankingQuery]):
    """Month 1–12, or none for the whole year; defaults: the first scheme, last month."""
    ranking = _ranking(request, filters)
    return {
        "scheme": ranking.scheme,
        "year": ranking.year,
        "month": ranking.month,
        "closed": ranking.closed,
        "total": ranking.total,
        "rows": ranking.rows,
    }


@router.get("/entries", response=list[EntryOut], summary="考核记录 · Ledger entries behind the ranking")
def entries(request, filters: Query[EntryQuery]):
    """The entries of the rows the caller sees (at most 500), with their causes; same filters as rankings."""
    ranking = _ranking(request, filters)
    rows = selectors.entries_visible(
        user=request.user, ranking=ranking, unit_id=filters.unit_id, user_id=filters.user_id
    )
    return [
        EntryOut(
            id=e.pk,
            period=e.period.starts_on,
            kind=e.kind,
            rule=e.rule.kind if e.rule else None,
            unit=e.unit.name,
            user_id=e.user_id,
            points=e.points,
            case_number=e.case.number if e.case else None,
            visit_id=e.visit_id,
            corrects_id=e.corrects_id,
            reason=e.reason,
            created_at=e.created_at,
        )
        for e in rows
    ]
