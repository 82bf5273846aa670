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
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.choices import OPEN_STATUSES, CaseStatus, Channel, EventKind, Light
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.selectors import claim_limit_passed_q, claim_limits, claimed_in_time_q, light_q
from civicgrid.core.clock import make_aware_date
from civicgrid.core.errors import NotFound
from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import path_q, scope_paths, unit_ids_under

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
FIGURES = {**MONTH_FIGURES, **OPEN_FIGURES}
OPEN = Q(status__in=sorted(OPEN_STATUSES))


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
    return Case.objects.filter(grid_id__in=unit_ids_under([area.path]))


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
        reopened = CaseEvent.objects.filter(case_id=OuterRef("pk"), kind=EventKind.REOPENED)
        return closed & Q(Exists(reopened))
    if figure in ("claim_due", "claimed_on_time"):
        claim_due, on_time = _claim_q(claim_limits() if limits is None else limits, now, month)
        return claim_due if figure == "claim_due" else on_time
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


def figures(*, area: OrgUnit | None, month: Month, now: datetime) -> dict:
    """Every figure of the area and month in one aggregate query, with the rates (percent or None)."""
    limits = claim_limits()
    counts = area_cases(area).aggregate(
        **{name: Count("pk", filter=figure_q(name, month=month, now=now, limits=limits)) for name in FIGURES}
    )
    counts = {name: counts.get(name) or 0 for name in FIGURES}
    counts["closure_rate"] = _rate(counts["closed"], counts["due"])
    counts["on_time_closure_rate"] = _rate(counts["closed_on_time"], counts["due"])
    counts["rework_rate"] = _rate(counts["reworked"], counts["closed"])
    counts["on_time_claim_rate"] = _rate(counts["claimed_on_time"], counts["claim_due"])
    return counts


def open_by(*, area: OrgUnit | None, field: str) -> list[dict]:
    """Open cases grouped by category, channel or holder (one GROUP BY query), largest first."""
    columns = {
        "category": ("category_id", "category__name"),
        "channel": ("channel",),
        "holder": ("holder_id", "holder__name"),
    }[field]
    rows = (
        area_cases(area)
        .filter(OPEN)
        .order_by()
        .values(*columns)
        .annotate(n=Count("pk"))
        .order_by("-n", columns[0])
    )
    labels = dict(Channel.choices)
    out = []
    for row in rows:
        key = row[columns[0]]
        if field == "channel":
            name = str(labels.get(key, key))
        elif key is None:
            name = str(_("未领办"))
        else:
            name = row[columns[1]]
        out.append({"key": key, "name": name, "n": row["n"]})
    return out


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
    *, area: OrgUnit | None, month: Month, now: datetime, figure: str = "", holder: str = ""
) -> QuerySet:
    """The cases behind one figure (or the open cases of one holder; `holder="none"`: unheld)."""
    cases = area_cases(area)
    if figure:
        cases = cases.filter(figure_q(figure, month=month, now=now))
    elif holder:
        by_holder = Q(holder__isnull=True) if holder == "none" else Q(holder_id=int(holder))
        cases = cases.filter(OPEN & by_holder)
    else:
        return Case.objects.none().values(*DRILL_FIELDS)
    return cases.order_by("-reported_at", "-id").values(*DRILL_FIELDS)
