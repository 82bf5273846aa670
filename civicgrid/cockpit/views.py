"""领导驾驶舱 pages: the figures of an area and month, each a link to its cases, and their audited export."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.cases.choices import CaseStatus, Light
from civicgrid.core import clock
from civicgrid.core.errors import NotFound
from civicgrid.org.decorators import require_action

from . import exports, selectors
from .forms import ExportForm
from .selectors import FIGURES, Month

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _int(value) -> int | None:
    try:
        return int(value) if value else None
    except (TypeError, ValueError):
        return None


def _scope(request, params):
    """The area and month asked for; 404 for an area outside the user's places."""
    try:
        area = selectors.access_area(user=request.user, unit_id=_int(params.get("community")))
    except NotFound:
        raise Http404 from None
    return area, Month.parse(params.get("month"), clock.today())


def _drill(area, month: Month, **params) -> str:
    query = {**params, "month": month.key, "community": area.pk if area else ""}
    return reverse("cockpit:cases") + "?" + urlencode(query)


def _centre(area, **params) -> str:
    """The problem-flow centre's open cases of the area, with its own filters."""
    return reverse("cases:centre") + "?" + urlencode({"tab": "open", **params, "community": area.pk})


@require_GET
@require_action("cockpit.view")
def home(request):
    """The cards and charts of the chosen area and month."""
    area, month = _scope(request, request.GET)
    now = clock.now()
    counts = selectors.figures(area=area, month=month, now=now)

    def card(name, *, rate_of=None, url=None):
        return {
            "label": FIGURES.get(name) or name,
            "value": counts[name],
            "url": url or _drill(area, month, figure=rate_of or name),
        }

    month_cards = [card(name) for name in selectors.MONTH_FIGURES]
    rate_cards = [
        {"label": _("结案率"), "value": counts["closure_rate"], "url": _drill(area, month, figure="closed")},
        {
            "label": _("按期结案率"),
            "value": counts["on_time_closure_rate"],
            "url": _drill(area, month, figure="closed_on_time"),
        },
        {"label": _("返工率"), "value": counts["rework_rate"], "url": _drill(area, month, figure="reworked")},
        {
            "label": _("按期领办率"),
            "value": counts["on_time_claim_rate"],
            "url": _drill(area, month, figure="claimed_on_time"),
        },
    ]
    light_urls = {
        Light.RED: _centre(area, light=Light.RED) if area else "",
        Light.YELLOW: _centre(area, light=Light.YELLOW) if area else "",
        Light.GREEN: _drill(area, month, figure="light_green"),
        Light.PAUSED: _drill(area, month, figure="light_paused"),
    }
    lights = [
        {"key": str(light), "name": str(light.label), "n": counts[f"light_{light}"], "url": light_urls[light]}
        for light in selectors.LIGHTS
    ]
    breakdowns = []
    for field, title in (
        ("category", _("在办问题按类别")),
        ("channel", _("在办问题按来源")),
        ("holder", _("在办问题按承办单位")),
    ):
        rows = selectors.open_by(area=area, field=field)
        for row in rows:
            if field == "holder":
                row["url"] = _drill(area, month, holder=row["key"] if row["key"] is not None else "none")
            else:
                row["url"] = _centre(area, **{field: row["key"]})
        breakdowns.append({"key": field, "title": title, "rows": rows})
    charts = [
        {
            "key": "lights",
            "type": "pie",
            "labels": [r["name"] for r in lights],
            "values": [r["n"] for r in lights],
            "urls": [r["url"] for r in lights],
            "colors": ["#dc3545", "#ffc107", "#198754", "#6c757d"],
        },
    ] + [
        {
            "key": b["key"],
            "type": "bar",
            "labels": [r["name"] for r in b["rows"][:15]],
            "values": [r["n"] for r in b["rows"][:15]],
            "urls": [r["url"] for r in b["rows"][:15]],
        }
        for b in breakdowns
    ]
    context = {
        "area": area,
        "areas": selectors.areas_for(request.user),
        "month": month,
        "month_cards": month_cards,
        "rate_cards": rate_cards,
        "open_card": card("open", url=_centre(area) if area else ""),
        "lights": lights,
        "breakdowns": breakdowns,
        "charts": charts,
        "now": now,
    }
    return render(request, "cockpit/home.html", context)


def _rows(request, params):
    area, month = _scope(request, params)
    figure, holder = params.get("figure", ""), params.get("holder", "")
    if not figure and not holder:
        figure = "registered"
    if figure:
        if figure not in FIGURES:
            raise Http404
        title = str(FIGURES[figure])
    elif holder == "none" or _int(holder):
        title = _("在办问题（承办单位）")
    else:
        raise Http404
    rows = selectors.drill_down(area=area, month=month, now=clock.now(), figure=figure, holder=holder)
    filters = {"figure": figure, "holder": holder, "month": month.key, "community": area.pk if area else None}
    return area, month, title, rows, filters


def _cases_page(request, params, form, status=200):
    area, month, title, rows, filters = _rows(request, params)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    statuses = dict(CaseStatus.choices)
    for row in page.object_list:
        row["status_label"] = statuses.get(row["status"], row["status"])
    context = {
        "area": area,
        "month": month,
        "title": title,
        "page": page,
        "filters": filters,
        "form": form,
        "back": reverse("cockpit:home")
        + "?"
        + urlencode({"month": month.key, "community": filters["community"] or ""}),
    }
    return render(request, "cockpit/cases.html", context, status=status)


@require_GET
@require_action("cockpit.view")
def cases(request):
    """The cases behind one figure: number, category, grid, status and dates."""
    return _cases_page(request, request.GET, ExportForm())


@require_POST
@require_action("cockpit.view")
def export(request):
    """The figure's cases as XLSX, with the purpose of the export (audited with its row count)."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _cases_page(request, request.POST, form, status=422)
    area, month, title, rows, filters = _rows(request, request.POST)
    content = exports.cases_xlsx(
        actor=request.user,
        rows=rows,
        title=f"{area.name if area else ''} {month.key} {title}",
        reason=form.cleaned_data["reason"],
        filters=filters,
        request=request,
    )
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cockpit-{stamp}.xlsx"'
    return response
