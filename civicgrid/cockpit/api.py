"""Cockpit API: the same figures as the page, for a wall screen or a departmental dashboard."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Query, Router, Schema

from civicgrid.core import clock
from civicgrid.core.api import Id
from civicgrid.org.selectors import require

from . import selectors, services
from .selectors import Month

router = Router()


class AreaQuery(Schema):
    month: str | None = None  # YYYY-MM; default: this month
    community: Id | None = None  # an area id from /areas; default: the widest


class AreaOut(Schema):
    id: int
    name: str
    kind: str


class Row(Schema):
    key: str | int | None
    name: str
    n: int


class Trend(Row):
    before: int
    change: float | None


class Duration(Schema):
    n: int
    average_hours: float | None
    p90_hours: float | None


class FiguresOut(Schema):
    area: AreaOut | None
    month: str
    # When the figures come from the area's snapshot (a large area: at most a couple of minutes
    # old), the moment it was computed; null when computed for this request.
    as_of: datetime | None
    previous_year_month: str
    figures: dict[str, int | float | None]
    times: dict[str, Duration]
    trends: list[Trend]
    open_by_category: list[Row]
    open_by_channel: list[Row]
    open_by_holder: list[Row]
    returns_by_holder: list[Row]
    disputes: list[Row]
    warnings: list[Row]


class GridProperties(Schema):
    id: int
    name: str
    open: int
    red: int
    yellow: int
    light: str
    score: float | None


class GridFeature(Schema):
    type: str = "Feature"
    geometry: dict
    properties: GridProperties


class GridsOut(Schema):
    type: str = "FeatureCollection"
    scheme: str
    features: list[GridFeature]


def _scope(request, query: AreaQuery):
    require(request.user, "cockpit.view")
    area = selectors.access_area(user=request.user, unit_id=query.community)  # NotFound: 404
    return area, Month.parse(query.month, clock.today())


@router.get("/areas", response=list[AreaOut], summary="驾驶舱范围 · Areas the caller may look at")
def areas(request):
    require(request.user, "cockpit.view")
    return [AreaOut(id=a.pk, name=a.name, kind=a.kind) for a in selectors.areas_for(request.user)]


@router.get(
    "/figures",
    response=FiguresOut,
    summary="驾驶舱指标 · The month's figures of an area",
)
def figures(request, query: Query[AreaQuery]):
    """The month's indicators and rates, times, year-on-year figures and the open-case breakdowns."""
    area, month = _scope(request, query)
    panels, as_of = services.area_panels(area, month, clock.now())
    return {
        "area": AreaOut(id=area.pk, name=area.name, kind=area.kind) if area else None,
        "month": month.key,
        "as_of": as_of,
        "previous_year_month": month.shifted(-12).key,
        "figures": panels["counts"],
        "times": panels["times"],
        "trends": panels["trends"],
        "open_by_category": panels["open_by"]["category"],
        "open_by_channel": panels["open_by"]["channel"],
        "open_by_holder": panels["open_by"]["holder"],
        "returns_by_holder": panels["returns"],
        "disputes": panels["disputes"],
        "warnings": panels["warnings"],
    }


@router.get("/grids", response=GridsOut, summary="网格地图 · Grids with their lights and scores")
def grids(request, query: Query[AreaQuery]):
    """Each grid of the area as a GeoJSON feature: open cases, red and yellow, worst light, score."""
    area, month = _scope(request, query)
    scheme, _base, scores = selectors.grid_scores(user=request.user, area=area, month=month)
    if area is None:
        return {"scheme": scheme, "features": []}
    _version, shapes = selectors.grid_shapes(area)
    panels, _as_of = services.area_panels(area, month, clock.now())
    fields = list(GridProperties.model_fields)
    features = [
        (
            grid["id"],
            shapes[grid["id"]],
            {key: grid.get(key) for key in fields} | {"score": scores.get(grid["id"])},
        )
        for grid in panels["grids"]
        if grid["id"] in shapes
    ]
    # Written out directly, the boundaries as kept: checking 2,000 of them against the schema, or
    # parsing and writing them again, costs more than everything else.
    return HttpResponse(
        selectors.feature_collection(features, scheme=scheme), content_type="application/json"
    )
