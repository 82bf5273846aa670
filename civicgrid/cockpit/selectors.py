"""领导驾驶舱: the figures of an area (the user's street, or one community under it) for a month.

Each figure is a condition on Case (`figure_q`), so the figure is a `Count(filter=…)` in one aggregate
query and its drill-down list is the same condition as a filter: the two always agree.

Definitions (a month runs from its first to its last day in Asia/Shanghai):
- 立案数 registered: cases reported in the month.
- 应结案数 due: cases whose resolution deadline (`resolve_due_at`) falls in the month.
- 结案数 closed: of those, the cases closed (status closed, whatever the outcome).
- 按期结案数 closed_on_time: of those, the cases closed by their resolution deadline.
- 返工数 reworked: of the closed ones, the cases sent back at least once (a REOPENED event).
- 应领办数 claim_due: cases that entered the centre in the month and were claimed/dispatched, or
  whose claim limit (the policy's claim hours after entering the centre) has passed.
- 按期领办数 claimed_on_time: of those, first claimed or dispatched within the claim limit.
- Rates: closed/due, closed_on_time/due, reworked/closed, claimed_on_time/claim_due.
Open cases (a snapshot now, not per month): by light (the rule of cases.sla.light), category, channel
and holder.
"""

import calendar
import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import connection, models
from django.db.models import (
    Aggregate,
    Avg,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.choices import (
    OPEN_STATUSES,
    CaseStatus,
    Channel,
    EventKind,
    Light,
    Outcome,
    WarningLevel,
)
from civicgrid.cases.models import Case, CaseEvent, CaseReturn
from civicgrid.cases.selectors import claim_limit_passed_q, claim_limits, claimed_in_time_q, light_q
from civicgrid.core import clock
from civicgrid.core.clock import make_aware_date
from civicgrid.core.errors import NotFound
from civicgrid.fieldwork.models import Visit
from civicgrid.org.choices import UnitKind
from civicgrid.org.geo import grids_version
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import path_q, scope_paths, user_can
from civicgrid.registry.models import Household, Person
from civicgrid.scoring import selectors as scoring
from civicgrid.scoring.choices import TargetKind

MONTH_FIGURES = {
    "registered": _("立案数"),
    "due": _("应结案数"),
    "closed": _("结案数"),
    "closed_on_time": _("按期结案数"),
    "reworked": _("返工数"),
    "claim_due": _("应领办数"),
    "claimed_on_time": _("按期领办数"),
}
LIGHTS = (Light.RED, Light.YELLOW, Light.GREEN, Light.PAUSED)
OPEN_FIGURES = {"open": _("当前在办"), **{f"light_{light}": light.label for light in LIGHTS}}
# Figures with their own panel (not in the one aggregate query of `figures`).
OTHER_FIGURES = {
    "solved": _("解决问题数"),
    "claim_timed": _("本月领办/派单的问题"),
    "resolve_timed": _("本月办结的问题"),
    "dispute_upheld": EventKind.DISPUTE_UPHELD.label,
    "dispute_rejected": EventKind.DISPUTE_REJECTED.label,
    "disputed": _("异议甄别中"),
    **{f"warning_{level}": label for level, label in WarningLevel.choices},
}
FIGURES = {**MONTH_FIGURES, **OPEN_FIGURES}
DRILL_FIGURES = {**FIGURES, **OTHER_FIGURES}
OPEN = Q(status__in=sorted(OPEN_STATUSES))
DISPUTE_KINDS = (EventKind.DISPUTE_UPHELD.value, EventKind.DISPUTE_REJECTED.value)


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @property
    def start(self) -> datetime:
        return make_aware_date(date(self.year, self.month, 1))

    @property
    def end(self) -> datetime:
        days = calendar.monthrange(self.year, self.month)[1]
        return make_aware_date(date(self.year, self.month, days) + timedelta(days=1))

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def shifted(self, months: int) -> "Month":
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    @property
    def window(self) -> tuple[datetime, datetime]:
        return self.start, self.end

    @classmethod
    def parse(cls, value: str | None, today) -> "Month":
        """`YYYY-MM`, else the month of `today`."""
        try:
            year, month = (int(part) for part in (value or "").split("-"))
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return cls(year, month)
        except ValueError:
            pass
        return cls(today.year, today.month)


# ------------------------------------------------------------------------------------------ areas


def areas_for(user) -> list[OrgUnit]:
    """The units the user may look at: their cockpit places (street, community) and the communities
    under them, the widest first."""
    paths = scope_paths(user, roles=PERMISSIONS["cockpit.view"])
    if not paths:
        return []
    roots = list(OrgUnit.objects.filter(path__in=paths).defer("boundary").order_by("path"))
    communities = (
        OrgUnit.objects.filter(path_q(paths), kind=UnitKind.COMMUNITY, is_active=True)
        .exclude(path__in=paths)
        .defer("boundary")
        .order_by("code")
    )
    return roots + list(communities)


def access_area(*, user, unit_id: int | None) -> OrgUnit | None:
    """The chosen area if the user may look at it (the widest one when none is chosen)."""
    areas = areas_for(user)
    if unit_id is None:
        return areas[0] if areas else None
    for area in areas:
        if area.pk == unit_id:
            return area
    raise NotFound()


def area_cases(area: OrgUnit | None) -> QuerySet[Case]:
    """Cases located in the area (by grid): the same cases the centre lists with `community=area`."""
    if area is None:
        return Case.objects.none()
    return Case.objects.filter(grid_id__in=_units(area))


def _units(area: OrgUnit) -> QuerySet:
    """The ids of the units under the area (inactive ones too: their records stay in scope), as a
    subquery: a street's 2,000 grids as a literal list cost more to build than to count with."""
    return OrgUnit.objects.filter(path_q([area.path])).values("pk")


def _count(condition: Q | None = None) -> Count:
    """The cases meeting the condition, counted by their grid (never null): a column every index of
    the cockpit's windows holds, so the count is answered from the index alone."""
    return Count("grid", filter=condition)


# ---------------------------------------------------------------------------------------- figures


def _claim_q(limits: dict[int, timedelta], now: datetime, month: Month) -> tuple[Q, Q]:
    """(claim due, claimed on time) for the cases that entered the centre in the month."""
    entered = Q(entered_centre_at__gte=month.start, entered_centre_at__lt=month.end)
    due = entered & (Q(assigned_at__isnull=False) | claim_limit_passed_q(limits, now))
    return due, entered & claimed_in_time_q(limits)


def figure_q(figure: str, *, month: Month, now: datetime, limits: dict[int, timedelta] | None = None) -> Q:
    """The condition a case meets to count in `figure`."""
    if figure == "registered":
        return Q(reported_at__gte=month.start, reported_at__lt=month.end)
    due = Q(resolve_due_at__gte=month.start, resolve_due_at__lt=month.end)
    closed = due & Q(status=CaseStatus.CLOSED, closed_at__isnull=False)
    if figure == "due":
        return due
    if figure == "closed":
        return closed
    if figure == "closed_on_time":
        return closed & Q(closed_at__lte=F("resolve_due_at"))
    if figure == "reworked":
        # From the reopenings (a partial index), not one probe of the timeline per case.
        reopened = CaseEvent.objects.filter(kind=EventKind.REOPENED).values("case_id")
        return closed & Q(pk__in=reopened)
    if figure in ("claim_due", "claimed_on_time"):
        claim_due, on_time = _claim_q(claim_limits() if limits is None else limits, now, month)
        return claim_due if figure == "claim_due" else on_time
    if figure == "solved":
        return Q(closed_at__gte=month.start, closed_at__lt=month.end, status=CaseStatus.CLOSED) & Q(
            outcome=Outcome.RESOLVED
        )
    if figure == "claim_timed":
        return Q(assigned_at__gte=month.start, assigned_at__lt=month.end, entered_centre_at__isnull=False)
    if figure == "resolve_timed":
        return Q(resolved_at__gte=month.start, resolved_at__lt=month.end)
    if figure in DISPUTE_KINDS:
        # From the decisions of the month (a partial index on the event time), not case by case.
        decided = CaseEvent.objects.filter(kind=figure, at__gte=month.start, at__lt=month.end)
        return Q(pk__in=decided.values("case_id"))
    if figure == "disputed":
        return Q(status=CaseStatus.DISPUTED)
    if figure.startswith("warning_") and figure[8:] in WarningLevel.values:
        return OPEN & Q(warning_level=figure[8:])
    if figure == "open":
        return OPEN
    red = light_q(Light.RED, now)
    if figure == "light_red":
        return OPEN & red
    if figure == "light_yellow":
        return OPEN & light_q(Light.YELLOW, now)
    if figure == "light_paused":
        return OPEN & ~red & Q(paused_at__isnull=False)
    if figure == "light_green":
        return OPEN & ~red & ~light_q(Light.YELLOW, now) & Q(paused_at__isnull=True)
    raise KeyError(figure)


def _rate(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 1) if whole else None


# The figures by the window of cases they count in: one aggregate query per window, each window one
# month of one indexed moment (which holds every column its figures read) or the open cases.
WINDOWS = {
    "registered": ("registered",),
    "due": ("due", "closed", "closed_on_time", "reworked"),
    "entered": ("claim_due", "claimed_on_time"),
    "open": tuple(OPEN_FIGURES),
}


def _window_q(window: str, month: Month, now: datetime) -> Q:
    if window == "entered":
        return Q(entered_centre_at__gte=month.start, entered_centre_at__lt=month.end)
    return figure_q(window, month=month, now=now)


def figures(
    *, area: OrgUnit | None, month: Month, now: datetime, open_cases: "OpenCases | None" = None
) -> dict:
    """Every figure of the area and month, with the rates (percent or None)."""
    limits = claim_limits()
    counts = {}
    for window, names in WINDOWS.items():
        if window == "open":
            counts.update((open_cases or open_tally(area, now)).figures())
            continue
        cases = area_cases(area).filter(_window_q(window, month, now))
        if names == (window,):
            counts[window] = cases.count()
            continue
        counts.update(
            cases.aggregate(
                **{name: _count(figure_q(name, month=month, now=now, limits=limits)) for name in names}
            )
        )
    counts = {name: counts.get(name) or 0 for name in FIGURES}
    counts["closure_rate"] = _rate(counts["closed"], counts["due"])
    counts["on_time_closure_rate"] = _rate(counts["closed_on_time"], counts["due"])
    counts["rework_rate"] = _rate(counts["reworked"], counts["closed"])
    counts["on_time_claim_rate"] = _rate(counts["claimed_on_time"], counts["claim_due"])
    return counts


# ------------------------------------------------------------------------------------ open cases

# What the open cases are counted by: the columns read of each.
OPEN_COLUMNS = (
    "grid_id",
    "category_id",
    "category__name",
    "channel",
    "holder_id",
    "holder__name",
    "warning_level",
    "status",
    "light",
)
# The breakdowns of the open cases (`open_by`).
BREAKDOWNS = ("category", "channel", "holder")


class OpenCases:
    """The area's open cases at one moment, counted by everything the open-case panels show: light,
    status, category, channel, holder, warning level, and light per grid. One read of the open cases
    serves every panel of a page, so the panels agree."""

    def __init__(self, rows=()):
        rows = list(rows)
        self.total = len(rows)
        grid, category_id, category, channel, holder_id, holder, warning, status, light = (
            zip(*rows, strict=True) if rows else ((),) * len(OPEN_COLUMNS)
        )
        self.counts: dict[str, Counter] = {
            "light": Counter(light),
            "status": Counter(status),
            "warning_level": Counter(warning),
            "grid_light": Counter(zip(grid, light, strict=True)),
            "category": Counter(zip(category_id, category, strict=True)),
            "channel": Counter(zip(channel, strict=True)),
            "holder": Counter(zip(holder_id, holder, strict=True)),
        }

    def figures(self) -> dict:
        lights = self.counts["light"]
        return {"open": self.total, **{f"light_{light}": lights.get(str(light), 0) for light in LIGHTS}}


def open_tally(area: OrgUnit | None, now: datetime) -> OpenCases:
    """The area's open cases, read once (see OpenCases); the light by the rule of cases.sla.light,
    as `figure_q`'s light figures."""
    if area is None:
        return OpenCases()
    light = models.Case(
        When(light_q(Light.RED, now), then=Value(str(Light.RED))),
        When(light_q(Light.YELLOW, now), then=Value(str(Light.YELLOW))),
        When(paused_at__isnull=False, then=Value(str(Light.PAUSED))),
        default=Value(str(Light.GREEN)),
        output_field=CharField(),
    )
    return OpenCases(
        area_cases(area).filter(OPEN).annotate(light=light).order_by().values_list(*OPEN_COLUMNS)
    )


def open_by(*, area: OrgUnit | None, field: str, open_cases: OpenCases | None = None) -> list[dict]:
    """Open cases grouped by one of BREAKDOWNS (category, channel or holder), largest first."""
    totals = (open_cases or open_tally(area, clock.now())).counts[field]
    labels = dict(Channel.choices)
    out = []
    for key, n in totals.items():
        if field == "channel":
            name = str(labels.get(key[0], key[0]))
        elif key[0] is None:
            name = str(_("未领办"))
        else:
            name = key[1]
        out.append({"key": key[0], "name": name, "n": n})
    out.sort(key=lambda r: (-r["n"], r["key"] is None, r["key"] if r["key"] is not None else 0))
    return out


def warnings(*, area: OrgUnit | None, open_cases: OpenCases | None = None) -> list[dict]:
    """Open cases by warning level (I the most serious), every level shown."""
    counts = (open_cases or open_tally(area, clock.now())).counts["warning_level"]
    return [
        {"key": level, "name": str(label), "n": counts.get(level, 0)} for level, label in WarningLevel.choices
    ]


def disputes(*, area: OrgUnit | None, month: Month, open_cases: OpenCases | None = None) -> list[dict]:
    """Rewarded reports' disputes decided in the month, by outcome (from the month's decisions, a
    partial index on their time), and those being examined now."""
    decided = dict(
        CaseEvent.objects.filter(
            kind__in=DISPUTE_KINDS, at__gte=month.start, at__lt=month.end, case__in=area_cases(area)
        )
        .order_by()
        .values_list("kind")
        .annotate(n=Count("case_id", distinct=True))
    )
    counts = {**{kind: decided.get(kind, 0) for kind in DISPUTE_KINDS}}
    counts["disputed"] = (
        (open_cases or open_tally(area, clock.now())).counts["status"].get(CaseStatus.DISPUTED, 0)
    )
    return [
        {"key": key, "name": str(OTHER_FIGURES[key]), "n": counts[key]}
        for key in (*DISPUTE_KINDS, "disputed")
    ]


def returns_by_holder(*, area: OrgUnit | None, month: Month) -> list[dict]:
    """Returns (退回) made in the month by each holder, of cases located in the area, most first."""
    rows = (
        CaseReturn.objects.filter(at__gte=month.start, at__lt=month.end, case__in=area_cases(area))
        .order_by()
        .values("unit_id", "unit__name")
        .annotate(n=Count("pk"), cases=Count("case_id", distinct=True))
        .order_by("-n", "unit__name")
    )
    return [{"key": r["unit_id"], "name": r["unit__name"], "n": r["n"], "cases": r["cases"]} for r in rows]


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 1)


def _percentile(cases: QuerySet, expression, share: float, n: int) -> timedelta | None:
    """The nearest-rank percentile of `expression` over the n cases (the same on every database)."""
    if not n:
        return None
    rank = math.ceil(share * n)
    return cases.annotate(took=expression).order_by("took").values_list("took", flat=True)[rank - 1]


class PercentileDisc(Aggregate):
    """PostgreSQL's nearest-rank percentile (the value the rank ⌈share × n⌉ has), in the same query
    as the average."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(%(share)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, share: float, **extra):
        super().__init__(expression, share=float(share), output_field=DurationField(), **extra)


TIMES = {
    # From entering the centre to the first claim or dispatch, for the cases first claimed in the month.
    "claim": ("claim_timed", F("assigned_at") - F("entered_centre_at")),
    # From the report to the resolution, for the cases resolved in the month (what the reporter waited).
    "resolve": ("resolve_timed", F("resolved_at") - F("reported_at")),
}


def times(*, area: OrgUnit | None, month: Month) -> dict:
    """Average and p90 (nearest rank) of the claim and resolution times of the month, in plain hours."""
    out = {}
    for key, (figure, difference) in TIMES.items():
        took = ExpressionWrapper(difference, output_field=DurationField())
        cases = area_cases(area).filter(figure_q(figure, month=month, now=month.end))
        if connection.vendor == "postgresql":
            summary = cases.aggregate(n=_count(), average=Avg(took), p90=PercentileDisc(took, 0.9))
        else:
            summary = cases.aggregate(n=_count(), average=Avg(took))
            summary["p90"] = _percentile(cases, took, 0.9, summary["n"])
        out[key] = {
            "figure": figure,
            "n": summary["n"],
            "average_hours": _hours(summary["average"]),
            "p90_hours": _hours(summary["p90"]),
        }
    return out


# ------------------------------------------------------------------------------------ year on year

TRENDS = {
    "visits": _("走访次数"),
    "households": _("入户户数"),
    "changes": _("信息采集条数"),
    "solved": _("解决问题数"),
}


def area_visits(area: OrgUnit | None, month: Month) -> QuerySet:
    if area is None:
        return Visit.objects.none()
    return Visit.objects.filter(
        grid_id__in=_units(area), visited_at__gte=month.start, visited_at__lt=month.end
    )


def area_changes(area: OrgUnit | None, month: Month) -> list[QuerySet]:
    """Household and person records added or changed in the area in the month, from their history
    (whoever made them: the grid staff on the workbench, or an import)."""
    if area is None:
        return []
    grids = _units(area)
    return [
        model.history.model.objects.filter(
            grid_id__in=grids,
            history_date__gte=month.start,
            history_date__lt=month.end,
            history_type__in=("+", "~"),
        )
        for model in (Household, Person)
    ]


def _trend_counts(area: OrgUnit | None, month: Month) -> dict:
    visits = area_visits(area, month).aggregate(
        visits=Count("grid"), households=Count("household_id", distinct=True)
    )
    return {
        **visits,
        "changes": sum(q.count() for q in area_changes(area, month)),
        "solved": area_cases(area).filter(figure_q("solved", month=month, now=month.end)).count(),
    }


def trends(*, area: OrgUnit | None, month: Month) -> list[dict]:
    """Visits, households visited, information collected and problems solved in the month, with the
    same month of the previous year and the change in per cent (None when there was nothing then)."""
    before_month = month.shifted(-12)
    now, before = _trend_counts(area, month), _trend_counts(area, before_month)
    return [
        {
            "key": key,
            "name": str(label),
            "n": now[key],
            "before": before[key],
            "change": round((now[key] - before[key]) * 100 / before[key], 1) if before[key] else None,
        }
        for key, label in TRENDS.items()
    ]


# --------------------------------------------------------------------------------------- grid map

# A grid's colour by score: at least the base score less SCORE_GREEN is green, less SCORE_YELLOW
# yellow, lower red.
SCORE_GREEN, SCORE_YELLOW = 5, 15


def grid_map(
    *,
    area: OrgUnit | None,
    now: datetime,
    open_cases: OpenCases | None = None,
) -> list[dict]:
    """Every grid of the area with its open cases and its worst light (the score is the reader's, added
    by the caller; the boundaries come from `grid_shapes`, which change far less often)."""
    if area is None:
        return []
    grids = OrgUnit.objects.filter(path_q([area.path]), kind=UnitKind.GRID, is_active=True).order_by("code")
    lights = (open_cases or open_tally(area, now)).counts["grid_light"]
    counts: dict[int, dict] = {}
    for (grid_id, light), n in lights.items():
        row = counts.setdefault(grid_id, {"open": 0, "red": 0, "yellow": 0})
        row["open"] += n
        if light in ("red", "yellow"):
            row[light] += n
    out = []
    for grid_id, name in grids.values_list("pk", "name"):
        row = counts.get(grid_id, {})
        n_red, n_yellow, n_open = row.get("red", 0), row.get("yellow", 0), row.get("open", 0)
        worst = "red" if n_red else "yellow" if n_yellow else "green" if n_open else "none"
        out.append(
            {
                "id": grid_id,
                "name": name,
                "open": n_open,
                "red": n_red,
                "yellow": n_yellow,
                "light": worst,
            }
        )
    return out


BOUNDARIES_KEPT_S = 24 * 3600


def grid_shapes(area: OrgUnit) -> tuple[str, dict[int, str]]:
    """(version, {grid id: its boundary as GeoJSON text}) of the area's active grids, read and
    serialised once per version of the grid units (any change of a grid makes a new one)."""
    version = hashlib.blake2b(repr((area.path, grids_version())).encode(), digest_size=8).hexdigest()
    key = f"cockpit:boundaries:{version}"
    shapes = cache.get(key)
    if shapes is None:
        grids = (
            OrgUnit.objects.filter(path_q([area.path]), kind=UnitKind.GRID, is_active=True)
            .exclude(boundary=None)
            .order_by("code")
            .values_list("pk", "boundary")
        )
        shapes = {pk: json.dumps(boundary, separators=(",", ":")) for pk, boundary in grids}
        cache.set(key, shapes, BOUNDARIES_KEPT_S)
    return version, shapes


def feature_collection(features: list[tuple[int, str, dict]], **members) -> str:
    """GeoJSON text of (id, geometry text, properties) features, the geometries copied as they are."""
    parts = (
        f'{{"type":"Feature","id":{pk},"geometry":{geometry},"properties":{json.dumps(properties)}}}'
        for pk, geometry, properties in features
    )
    head = json.dumps({"type": "FeatureCollection", **members})[:-1]
    return f'{head}, "features":[{",".join(parts)}]}}'


def grid_boundaries(area: OrgUnit) -> tuple[str, str]:
    """(version, GeoJSON text) of the boundaries of the area's active grids, each feature's id the
    grid's: what a page's map fetches, and a browser that has this version keeps."""
    version, shapes = grid_shapes(area)
    return version, feature_collection([(pk, geometry, {}) for pk, geometry in shapes.items()])


def grid_scores(*, user, area: OrgUnit | None, month: Month) -> tuple[str, float | None, dict[int, float]]:
    """The month's score of each grid under the first grid scheme the user may read:
    (scheme name, base score, {grid id: score}); empty when there is none."""
    if area is None or not user_can(user, "scoring.view"):
        return "", None, {}
    scheme = next(
        (s for s in scoring.schemes_visible_to(user) if s.target_kind == TargetKind.GRID and s.is_active),
        None,
    )
    if scheme is None or area is None:
        return "", None, {}
    ranking = scoring.ranking(user=user, scheme=scheme, year=month.year, month=month.month)
    return (
        scheme.name,
        float(scheme.base_score),
        {r.unit_id: float(r.score) for r in ranking.rows if r.path.startswith(area.path)},
    )


def score_colour(score: float | None, base: float | None) -> str:
    if score is None or base is None:
        return "none"
    if score >= base - SCORE_GREEN:
        return "green"
    return "yellow" if score >= base - SCORE_YELLOW else "red"


# ------------------------------------------------------------------------------------- drill-down

DRILL_FIELDS = (
    "id",
    "number",
    "category__name",
    "grid__name",
    "holder__name",
    "status",
    "reported_at",
    "resolve_due_at",
    "closed_at",
)


def drill_down(
    *,
    area: OrgUnit | None,
    month: Month,
    now: datetime,
    figure: str = "",
    holder: str = "",
    grid: int | None = None,
    returned_by: int | None = None,
) -> QuerySet:
    """The cases behind one figure (or the open cases of one holder, `holder="none"`: unheld; or the
    cases one holder returned in the month), optionally of one grid of the area."""
    cases = area_cases(area)
    if grid is not None:
        cases = cases.filter(grid_id=grid)
    if figure:
        cases = cases.filter(figure_q(figure, month=month, now=now))
    elif holder:
        by_holder = Q(holder__isnull=True) if holder == "none" else Q(holder_id=int(holder))
        cases = cases.filter(OPEN & by_holder)
    elif returned_by is not None:
        returned = CaseReturn.objects.filter(
            case_id=OuterRef("pk"), unit_id=returned_by, at__gte=month.start, at__lt=month.end
        )
        cases = cases.filter(Exists(returned))
    else:
        return Case.objects.none().values(*DRILL_FIELDS)
    return cases.order_by("-reported_at", "-id").values(*DRILL_FIELDS)


def holder_list(*, area: OrgUnit | None) -> QuerySet:
    """The area's open cases counted by holder (none: not yet claimed), most first."""
    return (
        area_cases(area)
        .filter(OPEN)
        .order_by()
        .values("holder_id", "holder__name")
        .annotate(n=Count("grid"))
        .order_by("-n", "holder_id")
    )


VISIT_FIELDS = ("id", "visited_at", "grid__name", "visitor__full_name", "visitor__username", "household_id")


def visit_list(*, area: OrgUnit | None, month: Month) -> QuerySet:
    """The visits of the month in the area, newest first (no household address: not needed here)."""
    return area_visits(area, month).order_by("-visited_at", "-id").values(*VISIT_FIELDS)


def household_list(*, area: OrgUnit | None, month: Month) -> QuerySet:
    """The households visited in the month: their grid, how often and when last (no address)."""
    return (
        area_visits(area, month)
        .filter(household__isnull=False)
        .order_by()
        .values("household_id", "grid__name")
        .annotate(visits=Count("pk"), last=Max("visited_at"))
        .order_by("-last", "-household_id")
    )


CHANGE_FIELDS = (
    "history_date",
    "grid__name",
    "history_type",
    "history_user__full_name",
)


def change_list(*, area: OrgUnit | None, month: Month) -> QuerySet:
    """Household and person records added or changed in the month, newest first: when, where and by
    whom, never whose (no names or numbers of residents; not the free-text reason, which may name
    one)."""
    parts = [
        q.order_by().annotate(record=Value(label)).values("record", *CHANGE_FIELDS)
        for q, label in zip(area_changes(area, month), ("household", "person"), strict=True)
    ]
    if not parts:
        return Household.history.none().annotate(record=Value("")).values("record", *CHANGE_FIELDS)
    return parts[0].union(parts[1], all=True).order_by("-history_date")
