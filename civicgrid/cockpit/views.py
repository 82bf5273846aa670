"""领导驾驶舱 pages: the figures of an area and month, each a link to its cases, and their audited export."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civicgrid.cases.choices import Light
from civicgrid.core import clock
from civicgrid.org.decorators import require_action

from . import exports, selectors, services
from .forms import ExportForm
from .listings import listing, scope
from .selectors import FIGURES, Month

BREAKDOWN_ROWS = 15
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _drill(area, month: Month, **params) -> str:
    query = {**params, "month": month.key, "community": area.pk if area else ""}
    return reverse("cockpit:cases") + "?" + urlencode(query)


def _centre(area, **params) -> str:
    """The problem-flow centre's open cases of the area, with its own filters."""
    return reverse("cases:centre") + "?" + urlencode({"tab": "open", **params, "community": area.pk})


def _map(user, area, month: Month, grids: list[dict]) -> dict:
    """The grids with their worst light, their score and the link to their open cases; the
    boundaries are fetched apart (`boundaries`), one version of them cached by the browser."""
    if area is None:
        return {"grids": [], "scheme": "", "base": None, "boundaries": "", "grid_url": ""}
    scheme, base, scores = selectors.grid_scores(user=user, area=area, month=month)
    for grid in grids:
        grid["score"] = scores.get(grid["id"])
        grid["score_colour"] = selectors.score_colour(grid["score"], base)
    version, _text = selectors.grid_boundaries(area)
    boundaries = reverse("cockpit:boundaries") + "?" + urlencode({"community": area.pk, "v": version})
    # Each grid's link is this followed by its id.
    grid_url = _drill(area, month, figure="open") + "&grid="
    return {"grids": grids, "scheme": scheme, "base": base, "boundaries": boundaries, "grid_url": grid_url}


@require_GET
@require_action("cockpit.view")
def boundaries(request):
    """The GeoJSON boundaries of the area's grids. Asked for with the version the page names, the
    answer may be kept a year: another version is another address."""
    area, _month = scope(request.user, request.GET)
    if area is None:
        raise Http404
    version, text = selectors.grid_boundaries(area)
    etag = f'"{version}"'
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(text, content_type="application/geo+json")
    response["ETag"] = etag
    kept = "max-age=31536000, immutable" if request.GET.get("v") == version else "no-cache"
    response["Cache-Control"] = f"private, {kept}"
    return response


@require_GET
@require_action("cockpit.view")
def home(request):
    """The cards and charts of the chosen area and month."""
    area, month = scope(request.user, request.GET)
    now = clock.now()
    panels, as_of = services.area_panels(area, month, now)
    counts = panels["counts"]

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
        rows = panels["open_by"][field]
        # A street's holders run to thousands of grids: the largest few, and the rest as one line
        # that opens the list of them all.
        shown, rest = (rows[:BREAKDOWN_ROWS], rows[BREAKDOWN_ROWS:]) if field == "holder" else (rows, [])
        for row in shown:
            if field == "holder":
                row["url"] = _drill(area, month, holder=row["key"] if row["key"] is not None else "none")
            else:
                row["url"] = _centre(area, **{field: row["key"]})
        breakdowns.append(
            {
                "key": field,
                "title": title,
                "rows": shown,
                "rest": len(rest),
                "rest_n": sum(r["n"] for r in rest),
                "rest_url": _drill(area, month, list="holders"),
            }
        )
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
            "labels": [r["name"] for r in b["rows"][:BREAKDOWN_ROWS]],
            "values": [r["n"] for r in b["rows"][:BREAKDOWN_ROWS]],
            "urls": [r["url"] for r in b["rows"][:BREAKDOWN_ROWS]],
        }
        for b in breakdowns
    ]
    times = panels["times"]
    for row in times.values():
        row["url"] = _drill(area, month, figure=row["figure"])
    trend_lists = {
        "visits": {"list": "visits"},
        "households": {"list": "households"},
        "changes": {"list": "changes"},
    }
    trends = panels["trends"]
    for row in trends:
        params = trend_lists.get(row["key"], {"figure": row["key"]})
        row["url"] = _drill(area, month, **params)
        row["before_url"] = _drill(area, month.shifted(-12), **params)
    returns = panels["returns"]
    for row in returns:
        row["url"] = _drill(area, month, returned_by=row["key"])
    disputes = panels["disputes"]
    for row in disputes:
        row["url"] = _drill(area, month, figure=row["key"])
    warnings = panels["warnings"]
    for row in warnings:
        row["url"] = _drill(area, month, figure=f"warning_{row['key']}")
    context = {
        "times": times,
        "trends": trends,
        "returns": returns,
        "disputes": disputes,
        "warnings": warnings,
        "map": _map(request.user, area, month, panels["grids"]),
        "as_of": as_of,
        "area": area,
        "areas": selectors.areas_for(request.user),
        "month": month,
        "month_cards": month_cards,
        "rate_cards": rate_cards,
        "open_card": card("open", url=_centre(area) if area else ""),
        "lights": lights,
        "breakdowns": breakdowns,
        "charts": charts,
        "now": as_of or now,
        "max_age_minutes": max(1, settings.COCKPIT_SNAPSHOT_MAX_AGE // 60),
    }
    return render(request, "cockpit/home.html", context)


def _cases_page(request, params, form, status=200):
    found = listing(request.user, params)
    page = Paginator(found.rows, 50).get_page(request.GET.get("page"))
    context = {
        "listing": found,
        "page": page,
        "rows": [found.cells(row) for row in page.object_list],
        "query": urlencode(found.filters),
        "form": form,
        "back": reverse("cockpit:home")
        + "?"
        + urlencode({"month": found.month.key, "community": found.filters["community"]}),
    }
    return render(request, "cockpit/cases.html", context, status=status)


@require_GET
@require_action("cockpit.view")
def cases(request):
    """The records behind one figure: cases, visits or information changes."""
    return _cases_page(request, request.GET, ExportForm())


@require_POST
@require_action("cockpit.view")
def export(request):
    """The figure's records as XLSX, with the purpose of the export (audited with its row count)."""
    form = ExportForm(request.POST)
    if not form.is_valid():
        return _cases_page(request, request.POST, form, status=422)
    content = exports.listing_xlsx(
        actor=request.user,
        listing=listing(request.user, request.POST),
        reason=form.cleaned_data["reason"],
        request=request,
    )
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="cockpit-{stamp}.xlsx"'
    return response
