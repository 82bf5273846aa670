"""The cockpit's figures against a recount in plain Python, their drill-downs, scoping and export."""

import io
import random
from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services, sla
from civicgrid.cases.choices import OPEN_STATUSES, CaseStatus, EventKind, Light, Outcome
from civicgrid.cases.models import Case
from civicgrid.cases.selectors import centre_list
from civicgrid.cases.tests.conftest import A1_POINT, SHANGHAI
from civicgrid.cockpit import selectors
from civicgrid.cockpit.selectors import FIGURES, Month
from civicgrid.core.testing import log_in

pytestmark = pytest.mark.django_db

B1_POINT = (30.05, 120.15)
OCTOBER, NOVEMBER = Month(2026, 10), Month(2026, 11)
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=SHANGHAI)


def _report(personas, flow, *, community: str, rewarded: bool, at: datetime, channel: str = "visit"):
    return services.case_report(
        actor=personas.grid_worker_a if community == "a" else personas.grid_worker_b,
        channel="rewarded_report" if rewarded else channel,
        category=flow.rewarded if rewarded else flow.ordinary,
        description="测试问题",
        lat=(A1_POINT if community == "a" else B1_POINT)[0],
        lng=(A1_POINT if community == "a" else B1_POINT)[1],
        now=at,
    )


def _handle(case, path: str, *, personas, tree, traveller, at: datetime):
    worker = personas.grid_worker_a if case.grid_id == tree.grid_a1.pk else personas.grid_worker_b
    head = personas.community_head_a if case.grid_id == tree.grid_a1.pk else personas.community_head_b
    if path == "waiting":
        return
    if path == "dispatched":
        traveller.move_to(at + timedelta(hours=30))
        services.case_dispatch(case=case, target=tree.department, actor=personas.dispatcher)
        return
    traveller.move_to(at + timedelta(hours=30 if path == "late_claim" else 1))
    case = services.case_claim(case=case, actor=worker)
    if path in ("claimed", "late_claim"):
        return
    if path == "paused":
        request = services.extension_request(case=case, actor=worker, kind="pause", reason="等待配合")
        services.extension_decide(request=request, actor=head, approve=True)
        return
    case = services.case_verify(case=case, actor=worker)
    if path == "late_close":
        traveller.move_to(case.resolve_due_at + timedelta(hours=5))
    case = services.case_resolve(case=case, actor=worker, note="已处理")
    if path == "resolved":
        return
    if path == "rework":
        case = services.case_reopen(case=case, actor=head, note="未处理到位")
        case = services.case_resolve(case=case, actor=worker, note="再次处理")
    services.case_close(case=case, actor=head, outcome=Outcome.RESOLVED)


PATHS = [
    "waiting",
    "claimed",
    "late_claim",
    "dispatched",
    "closed",
    "rework",
    "late_close",
    "resolved",
    "paused",
]


@pytest.fixture
def world(personas, flow, tree):
    """About forty cases in October and November, in communities A and B, along every path."""
    rng = random.Random(2026)
    with time_machine.travel(datetime(2026, 10, 1, 9, tzinfo=SHANGHAI), tick=False) as traveller:
        for index in range(36):
            month = 10 + index % 2
            at = datetime(2026, month, rng.randint(1, 22), rng.randint(8, 18), tzinfo=SHANGHAI)
            traveller.move_to(at)
            case = _report(
                personas,
                flow,
                community=rng.choice("ab"),
                rewarded=rng.random() < 0.3,
                at=at,
                channel=rng.choice(["visit", "hotline"]),
            )
            _handle(case, PATHS[index % len(PATHS)], personas=personas, tree=tree, traveller=traveller, at=at)
        # Fresh cases near the moment of the check: green and yellow lights.
        for hours, community in ((2, "a"), (20, "b"), (19, "a")):
            at = NOW - timedelta(hours=hours)
            traveller.move_to(at)
            _report(personas, flow, community=community, rewarded=False, at=at)
    return tree


def recount(area, month: Month, now: datetime) -> dict:
    """Every figure counted case by case in Python, from the definitions in cockpit.selectors."""
    cases = [
        c
        for c in Case.objects.select_related("grid", "policy", "category", "holder")
        if c.grid.path.startswith(area.path)
    ]
    start, end = month.start, month.end
    reopened = set(Case.objects.filter(events__kind=EventKind.REOPENED).values_list("pk", flat=True))
    due = [c for c in cases if c.resolve_due_at and start <= c.resolve_due_at < end]
    closed = [c for c in due if c.status == CaseStatus.CLOSED]
    entered = [c for c in cases if c.entered_centre_at and start <= c.entered_centre_at < end]

    def limit(c):
        return timedelta(hours=float(c.policy.claim_hours))

    claim_due = [c for c in entered if c.assigned_at or c.entered_centre_at + limit(c) <= now]
    open_cases = [c for c in cases if c.status in OPEN_STATUSES]
    lights = Counter(sla.light(c, now) for c in open_cases)
    return {
        "registered": sum(start <= c.reported_at < end for c in cases),
        "due": len(due),
        "closed": len(closed),
        "closed_on_time": sum(c.closed_at <= c.resolve_due_at for c in closed),
        "reworked": sum(c.pk in reopened for c in closed),
        "claim_due": len(claim_due),
        "claimed_on_time": sum(
            c.assigned_at is not None and c.assigned_at - c.entered_centre_at <= limit(c) for c in claim_due
        ),
        "open": len(open_cases),
        **{f"light_{light}": lights[light] for light in selectors.LIGHTS},
        "by_category": Counter(c.category.name for c in open_cases),
        "by_channel": Counter(c.channel for c in open_cases),
        "by_holder": Counter(c.holder_id for c in open_cases),
    }


def test_every_figure_equals_a_recount_case_by_case(world):
    seen = Counter()
    for area in (world.street, world.community_a, world.community_b):
        for month in (OCTOBER, NOVEMBER):
            got = selectors.figures(area=area, month=month, now=NOW)
            expected = recount(area, month, NOW)
            for name in FIGURES:
                assert got[name] == expected[name], (area.name, month.key, name)
                seen[name] += got[name]
            rate = round(expected["closed"] * 100 / expected["due"], 1) if expected["due"] else None
            assert got["closure_rate"] == rate
            for field in ("category", "channel", "holder"):
                rows = selectors.open_by(area=area, field=field)
                assert {r["key"] if field != "category" else r["name"]: r["n"] for r in rows} == dict(
                    expected[f"by_{field}"]
                ), field
    # The world is varied enough that no figure is trivially zero everywhere.
    assert all(seen[name] > 0 for name in FIGURES), seen
    assert seen["closed_on_time"] < seen["closed"] and seen["claimed_on_time"] < seen["claim_due"]


def test_a_community_is_the_street_split(world):
    street = selectors.figures(area=world.street, month=NOVEMBER, now=NOW)
    a = selectors.figures(area=world.community_a, month=NOVEMBER, now=NOW)
    b = selectors.figures(area=world.community_b, month=NOVEMBER, now=NOW)
    assert all(street[name] == a[name] + b[name] for name in FIGURES)


def test_the_figures_are_one_query_per_window(world, django_assert_max_num_queries):
    # the area's unit ids (cached when SHARED_CACHE is on), the policies' claim limits, then one
    # aggregate per window: the month's reports, deadlines and entries, and the open cases
    with django_assert_max_num_queries(2 + len(selectors.WINDOWS)):
        selectors.figures(area=world.street, month=NOVEMBER, now=NOW)


def test_the_drill_down_lists_as_many_cases_as_its_figure(world, client, personas):
    log_in(client, personas.street_leader)
    with time_machine.travel(NOW, tick=False):
        for area in (world.street, world.community_a):
            got = selectors.figures(area=area, month=NOVEMBER, now=NOW)
            for name in FIGURES:
                response = client.get(
                    reverse("cockpit:cases"), {"figure": name, "month": "2026-11", "community": area.pk}
                )
                assert response.status_code == 200
                assert response.context["page"].paginator.count == got[name], name
            for light in (Light.RED, Light.YELLOW):  # these link to the centre, whose filter agrees
                listed = centre_list(
                    user=personas.street_leader, now=NOW, status="open", light=light, community=area.pk
                )
                assert listed.count() == got[f"light_{light}"]
            for row in selectors.open_by(area=area, field="holder"):
                response = client.get(
                    reverse("cockpit:cases"),
                    {"holder": row["key"] or "none", "month": "2026-11", "community": area.pk},
                )
                assert response.context["page"].paginator.count == row["n"]


def test_the_page_shows_the_figures_with_their_links(world, client, personas):
    log_in(client, personas.street_leader)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("cockpit:home"), {"month": "2026-11"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "按期结案率" in html and 'id="cockpit-charts"' in html and "cockpit/cockpit.js" in html
    assert "<script>" not in html.replace('<script type="application/json"', "")
    assert f"/cases/?tab=open&amp;light=red&amp;community={world.street.pk}" in html
    assert f"/cockpit/cases/?figure=closed&amp;month=2026-11&amp;community={world.street.pk}" in html


def test_a_community_head_sees_only_their_community(world, client, personas):
    log_in(client, personas.community_head_a)
    response = client.get(reverse("cockpit:home"), {"month": "2026-11"})
    assert response.status_code == 200
    assert response.context["area"] == world.community_a
    assert [a.pk for a in response.context["areas"]] == [world.community_a.pk]
    assert client.get(reverse("cockpit:home"), {"community": world.community_b.pk}).status_code == 404
    drill = {"figure": "registered", "month": "2026-11", "community": world.street.pk}
    assert client.get(reverse("cockpit:cases"), drill).status_code == 404


@pytest.mark.parametrize("who", ["resident", "volunteer", "grid_worker_a", "department_staff"])
def test_others_are_refused(world, client, personas, who):
    log_in(client, getattr(personas, who))
    assert client.get(reverse("cockpit:home")).status_code == 403
    assert client.get(reverse("cockpit:cases"), {"figure": "open"}).status_code == 403


def test_the_export_needs_a_purpose_and_is_audited(world, client, personas):
    log_in(client, personas.street_leader)
    params = {"figure": "closed", "month": "2026-10", "community": world.community_a.pk}
    before = AuditEvent.objects.filter(action="export").count()
    refused = client.post(reverse("cockpit:export"), params)
    assert refused.status_code == 422
    assert "请填写导出用途。" in refused.content.decode()
    assert AuditEvent.objects.filter(action="export").count() == before
    response = client.post(reverse("cockpit:export"), {**params, "reason": "核查十月结案"})
    assert response.status_code == 200
    expected = selectors.figures(area=world.community_a, month=OCTOBER, now=NOW)["closed"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row - 2 == expected
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert event.details["what"] == "cockpit" and event.details["reason"] == "核查十月结案"
    assert event.details["rows"] == expected
