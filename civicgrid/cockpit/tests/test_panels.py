"""The cockpit's other panels against a recount: times, year on year, returns, disputes, warnings and
the grid map; each number's list; the map's colours and its drill into a grid."""

import io
import math
from collections import Counter
from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services, sla
from civicgrid.cases.choices import OPEN_STATUSES, CaseStatus, Light, Outcome
from civicgrid.cases.models import Case, CaseEvent, CaseReturn
from civicgrid.cases.tests.conftest import stability_centre  # noqa: F401
from civicgrid.cockpit import selectors, views
from civicgrid.core.testing import log_in
from civicgrid.fieldwork import services as fieldwork
from civicgrid.fieldwork.models import Visit
from civicgrid.org.models import OrgUnit
from civicgrid.registry import services as registry_services
from civicgrid.registry.models import Household, Person
from civicgrid.registry.tests.conftest import registry  # noqa: F401

from .test_figures import NOVEMBER, NOW, SHANGHAI, _report, world  # noqa: F401

pytestmark = pytest.mark.django_db

LAST_NOVEMBER = selectors.Month(2025, 11)


@pytest.fixture
def panels(world, registry, personas, flow, tree, stability_centre):  # noqa: F811
    """The figures world plus visits and registry changes this November and last, returns, disputes
    and warning levels."""
    with time_machine.travel(datetime(2025, 11, 10, 10, tzinfo=SHANGHAI), tick=False) as traveller:
        for day in (3, 10):
            at = datetime(2025, 11, day, 10, tzinfo=SHANGHAI)
            traveller.move_to(at)
            fieldwork.visit_record(
                actor=personas.grid_worker_a, household=registry.household_a, visited_at=at, notes="走访"
            )
        registry_services.household_verify(actor=personas.grid_worker_a, household=registry.household_a)
        for day, worker, household in (
            (2, personas.grid_worker_a, registry.household_a),
            (5, personas.grid_worker_a, registry.household_a),
            (6, personas.grid_worker_b, registry.household_b),
        ):
            at = datetime(2026, 11, day, 10, tzinfo=SHANGHAI)
            traveller.move_to(at)
            fieldwork.visit_record(actor=worker, household=household, visited_at=at, notes="走访")
        traveller.move_to(datetime(2026, 11, 7, 10, tzinfo=SHANGHAI))
        registry_services.household_verify(actor=personas.grid_worker_a, household=registry.household_a)
        registry_services.household_verify(actor=personas.grid_worker_b, household=registry.household_b)
        # Returns, a dispute each way, warning levels, in November.
        at = datetime(2026, 11, 20, 9, tzinfo=SHANGHAI)
        traveller.move_to(at)
        for community in "aab":
            case = _report(personas, flow, community=community, rewarded=False, at=at)
            worker = personas.grid_worker_a if community == "a" else personas.grid_worker_b
            case = services.case_claim(case=case, actor=worker)
            services.case_return(case=case, actor=worker, reason="wrong_place")
        for upheld in (True, False):
            case = _report(personas, flow, community="a", rewarded=True, at=at)
            case = services.case_claim(case=case, actor=personas.grid_worker_a)
            case = services.case_dispute(case=case, actor=personas.grid_worker_a, note="不实")
            services.dispute_review(case=case, actor=personas.department_staff, upheld=upheld, note="甄别")
        case = _report(personas, flow, community="a", rewarded=True, at=at)
        case = services.case_claim(case=case, actor=personas.grid_worker_a)
        services.case_dispute(case=case, actor=personas.grid_worker_a, note="待甄别")
        for level in ("I", "II", "II"):
            case = _report(personas, flow, community="b", rewarded=False, at=at)
            case = services.case_claim(case=case, actor=personas.grid_worker_b)
            services.case_set_warning(case=case, actor=personas.department_staff, level=level)
    return world


def _in(moment, month) -> bool:
    return moment is not None and month.start <= moment < month.end


def _area_cases(area):
    return [c for c in Case.objects.select_related("grid") if c.grid.path.startswith(area.path)]


def _nearest_rank(values, share):
    values = sorted(values)
    return values[math.ceil(share * len(values)) - 1]


def test_times_equal_a_recount(panels):
    for area in (panels.street, panels.community_a, panels.community_b):
        cases = _area_cases(area)
        claim = [c.assigned_at - c.entered_centre_at for c in cases if _in(c.assigned_at, NOVEMBER)]
        resolve = [c.resolved_at - c.reported_at for c in cases if _in(c.resolved_at, NOVEMBER)]
        got = selectors.times(area=area, month=NOVEMBER)
        for key, spans in (("claim", claim), ("resolve", resolve)):
            assert got[key]["n"] == len(spans) > 0, (area.name, key)
            hours = [s.total_seconds() / 3600 for s in spans]
            assert got[key]["average_hours"] == round(sum(hours) / len(hours), 1)
            assert got[key]["p90_hours"] == round(_nearest_rank(hours, 0.9), 1)


def test_year_on_year_equals_a_recount(panels):
    def recount(area, month):
        visits = [
            v
            for v in Visit.objects.select_related("grid")
            if v.grid.path.startswith(area.path) and _in(v.visited_at, month)
        ]
        changes = [
            h
            for model in (Household, Person)
            for h in model.history.select_related("grid")
            if h.grid.path.startswith(area.path) and _in(h.history_date, month) and h.history_type != "-"
        ]
        solved = [
            c
            for c in _area_cases(area)
            if c.status == CaseStatus.CLOSED and c.outcome == Outcome.RESOLVED and _in(c.closed_at, month)
        ]
        return {
            "visits": len(visits),
            "households": len({v.household_id for v in visits}),
            "changes": len(changes),
            "solved": len(solved),
        }

    for area in (panels.street, panels.community_a, panels.community_b):
        now, before = recount(area, NOVEMBER), recount(area, LAST_NOVEMBER)
        for row in selectors.trends(area=area, month=NOVEMBER):
            key = row["key"]
            assert (row["n"], row["before"]) == (now[key], before[key]), (area.name, key)
            change = round((now[key] - before[key]) * 100 / before[key], 1) if before[key] else None
            assert row["change"] == change
    street = {r["key"]: r for r in selectors.trends(area=panels.street, month=NOVEMBER)}
    assert (street["visits"]["n"], street["visits"]["before"], street["visits"]["change"]) == (3, 2, 50.0)
    assert street["households"]["n"] == 2 and street["households"]["change"] == 100.0


def test_returns_disputes_and_warnings_equal_a_recount(panels):
    for area in (panels.street, panels.community_a, panels.community_b):
        cases = {c.pk: c for c in _area_cases(area)}
        returns = Counter(r.unit_id for r in CaseReturn.objects.all() if r.case_id in cases)
        got = selectors.returns_by_holder(area=area, month=NOVEMBER)
        assert {r["key"]: r["n"] for r in got} == dict(returns)
        decided = Counter(
            e.kind
            for e in CaseEvent.objects.filter(case_id__in=cases)
            if _in(e.at, NOVEMBER) and "dispute_" in e.kind
        )
        disputing = sum(c.status == CaseStatus.DISPUTED for c in cases.values())
        expected = {**{k: decided[k] for k in selectors.DISPUTE_KINDS}, "disputed": disputing}
        assert {r["key"]: r["n"] for r in selectors.disputes(area=area, month=NOVEMBER)} == expected
        levels = Counter(
            c.warning_level for c in cases.values() if c.status in OPEN_STATUSES and c.warning_level
        )
        assert {r["key"]: r["n"] for r in selectors.warnings(area=area)} == {
            level: levels[level] for level in ("I", "II", "III")
        }
    street = selectors.disputes(area=panels.street, month=NOVEMBER)
    assert [r["n"] for r in street] == [1, 1, 1]
    assert sum(r["n"] for r in selectors.returns_by_holder(area=panels.street, month=NOVEMBER)) == 3


def test_the_map_colours_each_grid_by_its_worst_light(panels):
    grids = selectors.grid_map(area=panels.street, now=NOW)
    assert {g["id"] for g in grids} >= {panels.grid_a1.pk, panels.grid_b1.pk}
    for grid in grids:
        lights = [
            sla.light(c, NOW) for c in Case.objects.filter(grid_id=grid["id"], status__in=OPEN_STATUSES)
        ]
        assert grid["open"] == len(lights)
        assert (grid["red"], grid["yellow"]) == (lights.count(Light.RED), lights.count(Light.YELLOW))
        expected = "red" if Light.RED in lights else "yellow" if Light.YELLOW in lights else "green"
        assert grid["light"] == (expected if lights else "none")
    assert any(g["light"] == "red" for g in grids)
    assert selectors.score_colour(98, 100) == "green" and selectors.score_colour(90, 100) == "yellow"
    assert selectors.score_colour(80, 100) == "red" and selectors.score_colour(None, 100) == "none"


def test_every_panel_number_lists_as_many_records(panels, client, personas):
    log_in(client, personas.street_leader)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("cockpit:home"), {"month": "2026-11"})
        assert page.status_code == 200
        context = page.context
        numbers = [(r["url"], r["n"]) for r in context["trends"]]
        numbers += [(r["before_url"], r["before"]) for r in context["trends"]]
        numbers += [(r["url"], r["n"]) for key in ("returns", "disputes", "warnings") for r in context[key]]
        numbers += [(t["url"], t["n"]) for t in context["times"].values()]
        grid_url = context["map"]["grid_url"]
        numbers += [(f"{grid_url}{g['id']}", g["open"]) for g in context["map"]["grids"]]
        assert len(numbers) > 20
        for url, n in numbers:
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.context["page"].paginator.count == n, url
    html = page.content.decode()
    assert 'id="cockpit-map"' in html and "leaflet.js" in html and "实践成效" in html


def test_a_grid_outside_the_area_is_not_found(panels, client, personas):
    log_in(client, personas.community_head_a)
    mine = {"figure": "open", "month": "2026-11", "grid": panels.grid_a1.pk}
    assert client.get(reverse("cockpit:cases"), mine).status_code == 200
    theirs = {**mine, "grid": panels.grid_b1.pk}
    assert client.get(reverse("cockpit:cases"), theirs).status_code == 404
    assert client.get(reverse("cockpit:cases"), {**mine, "grid": 999999}).status_code == 404
    assert client.get(reverse("cockpit:cases"), {"list": "nothing"}).status_code == 404
    page_map = client.get(reverse("cockpit:home")).context["map"]
    shown = OrgUnit.objects.filter(pk__in=[g["id"] for g in page_map["grids"]])
    assert panels.grid_a1 in shown and all(g.path.startswith(panels.community_a.path) for g in shown)
    shapes = client.get(page_map["boundaries"]).json()
    outlined = OrgUnit.objects.filter(pk__in=[f["id"] for f in shapes["features"]])
    assert panels.grid_a1 in outlined and all(g.path.startswith(panels.community_a.path) for g in outlined)
    street = {"community": panels.street.pk}
    assert client.get(reverse("cockpit:boundaries"), street).status_code == 404


def test_the_boundaries_are_kept_by_version_and_a_changed_grid_makes_a_new_one(panels, client, personas):
    log_in(client, personas.street_leader)
    url = client.get(reverse("cockpit:home")).context["map"]["boundaries"]
    first = client.get(url)
    assert first.status_code == 200 and first["Content-Type"] == "application/geo+json"
    assert "immutable" in first["Cache-Control"] and first["Cache-Control"].startswith("private")
    shapes = {f["id"]: f["geometry"] for f in first.json()["features"]}
    assert shapes[panels.grid_a1.pk] == OrgUnit.objects.get(pk=panels.grid_a1.pk).boundary
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    moved = {
        "type": "Polygon",
        "coordinates": [[[120.0, 30.0], [120.01, 30.0], [120.01, 30.01], [120.0, 30.0]]],
    }
    grid = OrgUnit.objects.get(pk=panels.grid_a1.pk)
    grid.boundary = moved
    grid.save()
    again = client.get(reverse("cockpit:home")).context["map"]["boundaries"]
    assert again != url
    assert {f["id"]: f["geometry"] for f in client.get(again).json()["features"]}[grid.pk] == moved
    stale = client.get(url)  # an old page's address: today's shapes, not to be kept
    assert stale["ETag"] != first["ETag"] and "no-cache" in stale["Cache-Control"]


def test_visits_export_names_no_household_and_is_audited(panels, client, personas):
    log_in(client, personas.street_leader)
    params = {"list": "visits", "month": "2026-11", "community": panels.street.pk, "reason": "核对走访量"}
    response = client.post(reverse("cockpit:export"), params)
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert len(rows) - 2 == 3
    text = repr(rows)
    assert "凯旋路" not in text and "景芳路" not in text and "301" not in text
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.details["rows"] == 3 and event.details["filters"]["list"] == "visits"


def test_the_api_gives_the_page_s_figures_within_the_caller_s_places(panels, client, personas):
    log_in(client, personas.community_head_a)
    with time_machine.travel(NOW, tick=False):
        areas = client.get("/api/v1/cockpit/areas").json()
        assert [a["id"] for a in areas] == [panels.community_a.pk]
        body = client.get("/api/v1/cockpit/figures", {"month": "2026-11"}).json()
        expected = selectors.figures(area=panels.community_a, month=NOVEMBER, now=NOW)
        assert body["area"]["id"] == panels.community_a.pk and body["previous_year_month"] == "2025-11"
        assert body["figures"] == expected
        assert (
            body["times"]["claim"]["n"]
            == selectors.times(area=panels.community_a, month=NOVEMBER)["claim"]["n"]
        )
        assert {t["key"]: t["n"] for t in body["trends"]}["visits"] == 2
        grids = client.get("/api/v1/cockpit/grids", {"month": "2026-11"}).json()
        assert grids["type"] == "FeatureCollection" and grids["features"]
        assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in grids["features"])
        refused = client.get("/api/v1/cockpit/figures", {"community": panels.community_b.pk})
        assert refused.status_code == 404 and refused.json()["code"] == "not_found"
    log_in(client, personas.grid_worker_a)
    assert client.get("/api/v1/cockpit/figures").status_code == 403


def test_every_holder_is_a_link_also_past_the_largest_few(panels, client, personas, monkeypatch):
    monkeypatch.setattr(views, "BREAKDOWN_ROWS", 1)
    log_in(client, personas.street_leader)
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("cockpit:home"), {"month": "2026-11"})
        holders = next(b for b in page.context["breakdowns"] if b["key"] == "holder")
        assert len(holders["rows"]) == 1 and holders["rest"] >= 1
        assert 'data-testid="by-holder-rest"' in page.content.decode()
        everyone = client.get(holders["rest_url"])
        assert everyone.status_code == 200
        rows = everyone.context["rows"]
        assert len(rows) == holders["rest"] + 1
        counts = [int(cells[1][0]) for cells in rows]
        assert sum(counts) == page.context["open_card"]["value"]
        assert sum(counts[1:]) == holders["rest_n"]
        for cells in rows:
            text, url = cells[1]
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.context["page"].paginator.count == int(text), url
        exported = client.post(
            reverse("cockpit:export"), {"list": "holders", "month": "2026-11", "reason": "核对承办单位"}
        )
        assert exported.status_code == 200
