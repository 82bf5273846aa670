"""Scoring fixtures: a scheme per kind of target over the test street, cases and visits made directly."""

from datetime import date, datetime
from decimal import Decimal

from civicgrid.cases.choices import CaseStatus, Channel
from civicgrid.cases.models import Case
from civicgrid.cases.tests.conftest import A1_POINT, SHANGHAI, flow  # noqa: F401
from civicgrid.fieldwork.models import Visit
from civicgrid.registry.choices import OrganisationKind
from civicgrid.registry.models import Organisation
from civicgrid.scoring.choices import TargetKind
from civicgrid.scoring.models import ScoreRule, ScoreScheme

NOVEMBER = date(2026, 11, 1)
# Just after November ended, when the close may run.
DEC_1 = datetime(2026, 12, 1, 1, 0, tzinfo=SHANGHAI)


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=SHANGHAI)


def make_scheme(tree, *rules: tuple, target: str = TargetKind.GRID, base: int = 100) -> ScoreScheme:
    """`rules`: (kind, points) or (kind, points, params)."""
    scheme = ScoreScheme.objects.create(
        name=f"{TargetKind(target).label}考核",
        area=tree.street,
        target_kind=target,
        base_score=base,
        starts_on=NOVEMBER,
    )
    for kind, points, *params in rules:
        ScoreRule.objects.create(
            scheme=scheme, kind=kind, points=Decimal(points), params=params[0] if params else {}
        )
    return scheme


def make_case(flow, grid, *, category=None, channel=Channel.SUGGESTION, reported_at=None, **fields) -> Case:  # noqa: F811
    category = category or flow.ordinary
    return Case.objects.create(
        channel=channel,
        category=category,
        policy=category.policy,
        description="测试问题",
        grid=grid,
        lat=A1_POINT[0],
        lng=A1_POINT[1],
        status=fields.pop("status", CaseStatus.CLAIMED),
        reported_at=reported_at or at(11, 3),
        **fields,
    )


def make_visits(grid, visitor, count: int, *, when=None) -> list[Visit]:
    shop = Organisation.objects.create(name="测试商铺", kind=OrganisationKind.SHOP, grid=grid)
    return [
        Visit.objects.create(grid=grid, organisation=shop, visitor=visitor, visited_at=when or at(11, 10))
        for _ in range(count)
    ]
