"""The records behind a cockpit figure, as one table shape for the page and the XLSX export.

A listing is chosen by the query string: `list` (cases, visits or changes), `month`, `community`
(the area), and for cases one of `figure`, `holder` or `returned_by`, optionally with `grid`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.cases.choices import CaseStatus
from civicgrid.core import clock
from civicgrid.core.errors import NotFound
from civicgrid.org.models import OrgUnit

from . import selectors
from .selectors import DRILL_FIGURES, Month


def when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def as_int(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def scope(user, params) -> tuple[OrgUnit | None, Month]:
    """The area and month asked for; 404 for an area outside the user's places."""
    try:
        area = selectors.access_area(user=user, unit_id=as_int(params.get("community")))
    except NotFound:
        raise Http404 from None
    return area, Month.parse(params.get("month"), clock.today())


@dataclass
class Listing:
    title: str
    area: OrgUnit | None
    month: Month
    columns: list[str]
    rows: QuerySet
    cells: Callable[[dict], list[tuple[str, str]]]  # (text, link or "")
    filters: dict = field(default_factory=dict)


def _case_cells(row) -> list[tuple[str, str]]:
    statuses = dict(CaseStatus.choices)
    return [
        (row["number"], reverse("cases:detail", args=[row["id"]])),
        (row["category__name"], ""),
        (row["grid__name"], ""),
        (row["holder__name"] or "—", ""),
        (str(statuses.get(row["status"], row["status"])), ""),
        (when(row["reported_at"]), ""),
        (when(row["resolve_due_at"]) or "—", ""),
        (when(row["closed_at"]) or "—", ""),
    ]


def _visit_cells(row) -> list[tuple[str, str]]:
    return [
        (when(row["visited_at"]), ""),
        (row["grid__name"], ""),
        (row["visitor__full_name"] or row["visitor__username"], ""),
        (_("入户") if row["household_id"] else _("单位"), ""),
    ]


def _change_cells(row) -> list[tuple[str, str]]:
    return [
        (when(row["history_date"]), ""),
        (_("户") if row["record"] == "household" else _("人员"), ""),
        (row["grid__name"], ""),
        (_("新增") if row["history_type"] == "+" else _("修改"), ""),
        (row["history_user__full_name"] or "—", ""),
    ]


CASE_COLUMNS = (
    gettext_lazy("编号"),
    gettext_lazy("类别"),
    gettext_lazy("网格"),
    gettext_lazy("承办单位"),
    gettext_lazy("状态"),
    gettext_lazy("上报时间"),
    gettext_lazy("办结期限"),
    gettext_lazy("结案时间"),
)


def listing(user, params) -> Listing:
    """The listing the parameters ask for; 404 for an unknown one or an area not the user's."""
    area, month = scope(user, params)
    kind = params.get("list") or "cases"
    filters = {"list": kind, "month": month.key, "community": area.pk if area else ""}
    if kind == "visits":
        return Listing(
            _("走访记录"),
            area,
            month,
            [_("走访时间"), _("网格"), _("走访人"), _("对象")],
            selectors.visit_list(area=area, month=month),
            _visit_cells,
            filters,
        )
    if kind == "households":
        return Listing(
            _("入户户数"),
            area,
            month,
            [_("网格"), _("户编号"), _("本月走访次数"), _("最近走访")],
            selectors.household_list(area=area, month=month),
            lambda row: [
                (row["grid__name"], ""),
                (str(row["household_id"]), ""),
                (str(row["visits"]), ""),
                (when(row["last"]), ""),
            ],
            filters,
        )
    if kind == "changes":
        return Listing(
            _("信息采集记录"),
            area,
            month,
            [_("时间"), _("对象"), _("网格"), _("类型"), _("操作人")],
            selectors.change_list(area=area, month=month),
            _change_cells,
            filters,
        )
    if kind == "holders":
        holder_url = (
            reverse("cockpit:cases")
            + "?"
            + urlencode({"month": month.key, "community": filters["community"]})
        )
        return Listing(
            _("在办问题按承办单位"),
            area,
            month,
            [_("承办单位"), _("在办问题")],
            selectors.holder_list(area=area),
            lambda row: [
                (row["holder__name"] or _("未领办"), ""),
                (str(row["n"]), f"{holder_url}&holder={row['holder_id'] or 'none'}"),
            ],
            filters,
        )
    if kind != "cases":
        raise Http404
    figure, holder = params.get("figure", ""), params.get("holder", "")
    grid, returned_by = as_int(params.get("grid")), as_int(params.get("returned_by"))
    if not (figure or holder or returned_by):
        figure = "registered"
    if figure:
        if figure not in DRILL_FIGURES:
            raise Http404
        title = str(DRILL_FIGURES[figure])
    elif holder == "none" or as_int(holder):
        title = _("在办问题（承办单位）")
    elif returned_by:
        title = _("本月退回的问题")
    else:
        raise Http404
    if grid is not None:
        # Only a grid of the area: another grid's name would tell what it is.
        name = area and OrgUnit.objects.filter(pk=grid, path__startswith=area.path).values_list(
            "name", flat=True
        )
        name = name.first() if name else None
        if name is None:
            raise Http404
        title = f"{name} · {title}"
    rows = selectors.drill_down(
        area=area,
        month=month,
        now=clock.now(),
        figure=figure,
        holder=holder,
        grid=grid,
        returned_by=returned_by,
    )
    filters.update(figure=figure, holder=holder, grid=grid or "", returned_by=returned_by or "")
    return Listing(title, area, month, [str(c) for c in CASE_COLUMNS], rows, _case_cells, filters)
