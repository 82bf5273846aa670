"""Rankings per role (page and API), and the audited export for performance pay."""

import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.models import AuditEvent
from civicgrid.core.testing import log_in
from civicgrid.org.choices import UnitKind
from civicgrid.org.services import org_unit_create
from civicgrid.scoring.choices import RuleKind, TargetKind
from civicgrid.scoring.forms import PURPOSE_REQUIRED
from civicgrid.scoring.models import ScoreScheme
from civicgrid.scoring.services import period_close

from .conftest import DEC_1, NOVEMBER, make_case, make_scheme

pytestmark = pytest.mark.django_db
NOV = {"year": 2026, "month": 11}


@pytest.fixture
def scheme(tree, flow, personas):
    """November: A1 −4 (two rewarded reports), B1 −2, A2 untouched."""
    scheme = make_scheme(tree, (RuleKind.REWARDED_REPORT, -2))
    for grid in (tree.grid_a1, tree.grid_a1, tree.grid_b1):
        make_case(flow, grid, category=flow.rewarded)
    with time_machine.travel(DEC_1, tick=False):
        period_close(scheme=scheme, day=NOVEMBER)
    return scheme


def page_rows(client, user, scheme, **params):
    log_in(client, user)
    response = client.get(reverse("scoring:rankings"), {"scheme": scheme.pk, **NOV, **params})
    assert response.status_code == 200
    return [(row.rank, row.name, str(row.score)) for row in response.context["ranking"].rows]


def test_a_leader_sees_the_whole_street_ranked(client, scheme, personas):
    assert page_rows(client, personas.street_leader, scheme) == [
        (1, "甲二网格", "100.00"),
        (2, "乙一网格", "98.00"),
        (3, "甲一网格", "96.00"),
    ]


def test_a_community_head_sees_the_communitys_grids_with_their_street_rank(client, scheme, personas):
    assert page_rows(client, personas.community_head_a, scheme) == [
        (1, "甲二网格", "100.00"),
        (3, "甲一网格", "96.00"),
    ]


def test_a_worker_sees_only_their_grid_and_its_rank(client, scheme, personas):
    assert page_rows(client, personas.grid_worker_a, scheme) == [(3, "甲一网格", "96.00")]


def test_a_year_ranking_adds_up_the_months(client, scheme, personas):
    assert page_rows(client, personas.grid_worker_b, scheme, month=0) == [(2, "乙一网格", "98.00")]


def test_a_worker_scheme_shows_a_worker_their_own_score_only(client, tree, flow, personas):
    scheme = make_scheme(tree, (RuleKind.REWARDED_REPORT, -2), target=TargetKind.WORKER)
    make_case(flow, tree.grid_a1, category=flow.rewarded)
    with time_machine.travel(DEC_1, tick=False):
        period_close(scheme=scheme, day=NOVEMBER)
    assert page_rows(client, personas.grid_worker_a, scheme) == [(2, "甲网格员", "98.00")]
    assert len(page_rows(client, personas.community_head_a, scheme)) == 1
    assert len(page_rows(client, personas.street_leader, scheme)) == 2


@pytest.mark.parametrize("who", ["resident", "dispatcher", "department_staff", "volunteer"])
def test_roles_without_scoring_are_refused(client, scheme, personas, who):
    log_in(client, getattr(personas, who))
    assert client.get(reverse("scoring:rankings"), {"scheme": scheme.pk}).status_code == 403
    assert client.get("/api/v1/scoring/rankings", {"scheme_id": scheme.pk}).status_code == 403


def test_a_scheme_of_another_street_is_not_found(client, tree, scheme, personas):
    other = org_unit_create(parent=tree.district, kind=UnitKind.STREET, name="别的街道", code="339901002")
    elsewhere = ScoreScheme.objects.create(
        name="别处", area=other, target_kind=TargetKind.GRID, starts_on=NOVEMBER
    )
    log_in(client, personas.community_head_a)
    assert client.get(reverse("scoring:rankings"), {"scheme": elsewhere.pk}).status_code == 404
    assert client.get("/api/v1/scoring/rankings", {"scheme_id": elsewhere.pk}).status_code == 404
    assert [s["id"] for s in client.get("/api/v1/scoring/schemes").json()] == [scheme.pk]


def test_the_api_gives_the_same_scoped_rows(client, scheme, personas):
    log_in(client, personas.community_head_b)
    body = client.get("/api/v1/scoring/rankings", {"scheme_id": scheme.pk, **NOV}).json()
    assert (body["total"], body["closed"]) == (3, True)
    assert [(r["rank"], r["name"], r["score"]) for r in body["rows"]] == [(2, "乙一网格", "98.00")]


def test_the_export_is_audited_with_its_purpose_and_row_count(client, scheme, personas):
    log_in(client, personas.community_head_a)
    response = client.post(
        reverse("scoring:export"), {"scheme": scheme.pk, **NOV, "reason": "核算十一月绩效薪酬"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)] == ["甲二网格", "甲一网格"]
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.details["what"] == "scoring"
    assert (event.details["rows"], event.details["reason"]) == (2, "核算十一月绩效薪酬")


def test_an_export_without_a_purpose_is_refused(client, scheme, personas):
    log_in(client, personas.street_leader)
    response = client.post(reverse("scoring:export"), {"scheme": scheme.pk, **NOV, "reason": ""})
    assert response.status_code == 422
    assert str(PURPOSE_REQUIRED) in response.content.decode()
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_a_worker_may_not_export(client, scheme, personas):
    log_in(client, personas.grid_worker_a)
    response = client.post(reverse("scoring:export"), {"scheme": scheme.pk, **NOV, "reason": "看看"})
    assert response.status_code == 403


def test_the_rankings_page_and_api_read_a_bounded_number_of_queries(
    client, scheme, personas, django_assert_max_num_queries
):
    log_in(client, personas.street_leader)
    client.get(reverse("scoring:rankings"), {"scheme": scheme.pk, **NOV})  # warm the session
    with django_assert_max_num_queries(16):
        assert client.get(reverse("scoring:rankings"), {"scheme": scheme.pk, **NOV}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/scoring/rankings", {"scheme_id": scheme.pk, **NOV}).status_code == 200


def test_the_ledger_api_shows_the_causes_of_the_rows_the_caller_sees(client, scheme, tree, personas):
    log_in(client, personas.grid_worker_a)
    lines = client.get("/api/v1/scoring/entries", {"scheme_id": scheme.pk, **NOV}).json()
    assert [(e["unit"], e["rule"], e["points"]) for e in lines] == [
        ("甲一网格", "rewarded_report", "-2.00")
    ] * 2
    assert all(e["case_number"] for e in lines)
    log_in(client, personas.community_head_b)
    other = {"scheme_id": scheme.pk, **NOV, "unit_id": tree.grid_a1.pk}
    assert client.get("/api/v1/scoring/entries", other).json() == []
