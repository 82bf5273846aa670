"""Coverage figures equal a recount; exporting a grid's register needs a reason and is always audited."""

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from civicgrid.audit.models import AuditEvent
from civicgrid.core import clock
from civicgrid.core.errors import Forbidden
from civicgrid.core.testing import log_in
from civicgrid.registry import exports, services
from civicgrid.registry.models import Conflict, Household, ImportBatch, ImportSource, Person, Room
from civicgrid.registry.selectors import coverage_report

from .conftest import CLEAR_ID_NUMBERS, LI_NA_ID, ZHANG_WEI_ID, ZHANG_WEI_PHONE

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(personas, registry):
    """One member verified recently, one 13 months ago, one moved out; one open and one closed conflict."""
    now = clock.now()
    Person.objects.filter(pk=registry.li_na.pk).update(last_verified_at=now - timedelta(days=20))
    Person.objects.filter(pk=registry.zhang_wei.pk).update(last_verified_at=now - timedelta(days=400))
    Person.objects.filter(pk=registry.wang_fang.pk).update(last_verified_at=now - timedelta(days=1))
    services.person_move_out(actor=None, person=registry.xiaoming, reason="外出求学，户口迁出")
    source = ImportSource.objects.create(name="公安人口库", kind="public_security")
    batch = ImportBatch.objects.create(source=source, file_name="p.csv", created_by=personas.platform_admin)
    for status in ("open", "accepted"):
        Conflict.objects.create(
            batch=batch,
            person=registry.zhang_wei,
            grid=registry.zhang_wei.grid,
            field="phone",
            registry_value=ZHANG_WEI_PHONE,
            source_value="13800000000",
            status=status,
        )
    return registry


def recount(grid, months: int = 12) -> dict:
    since = clock.now() - timedelta(days=round(months * 30.44))
    rooms = list(Room.objects.filter(grid=grid))
    known = sum(1 for room in rooms if Household.objects.filter(room=room).exists())
    living = [p for p in Person.objects.filter(grid=grid) if p.status == "living"]
    verified = [p for p in living if p.last_verified_at and p.last_verified_at >= since]
    return {
        "grid": grid,
        "rooms": len(rooms),
        "rooms_known": known,
        "people": len(living),
        "people_verified": len(verified),
        "conflicts": sum(1 for c in Conflict.objects.filter(grid=grid) if c.status == "open"),
        "rooms_pct": round(100 * known / len(rooms), 1) if rooms else 0.0,
        "verified_pct": round(100 * len(verified) / len(living), 1) if living else 0.0,
    }


def test_coverage_of_a_community_head_equals_a_recount_of_their_grids(personas, tree, varied):
    report = coverage_report(user=personas.community_head_a)
    assert report == [recount(tree.grid_a1), recount(tree.grid_a2)]
    figures = {k: v for k, v in report[0].items() if k != "grid"}
    assert figures == {
        "rooms": 2,
        "rooms_known": 1,
        "people": 2,
        "people_verified": 1,
        "conflicts": 1,
        "rooms_pct": 50.0,
        "verified_pct": 50.0,
    }


def test_coverage_of_the_street_leader_covers_every_grid(personas, tree, varied):
    report = coverage_report(user=personas.street_leader, months=24)
    assert report == [recount(grid, months=24) for grid in (tree.grid_a1, tree.grid_a2, tree.grid_b1)]
    assert report[0]["people_verified"] == 2


def test_coverage_page_shows_the_recounted_figures(client, personas, tree, varied):
    log_in(client, personas.community_head_a)
    page = client.get(reverse("registry:coverage")).content.decode()
    assert "甲一网格" in page
    assert "乙一网格" not in page
    assert '<td class="text-end">1 <span class="text-muted small">(50.0%)</span></td>' in page
    assert "近 12 个月核实" in page
    assert client.get(reverse("registry:coverage"), {"months": "abc"}).status_code == 200


def test_coverage_is_403_for_grid_workers_and_assistants(client, personas, varied):
    for user in (personas.grid_worker_a, personas.assistant_a):
        log_in(client, user)
        assert client.get(reverse("registry:coverage")).status_code == 403
        with pytest.raises(Forbidden):
            coverage_report(user=user)


# --- export --------------------------------------------------------------------------------------------


def export(client, grid, **data):
    return client.post(reverse("registry:export", args=[grid.pk]), data)


def sheet_rows(content: bytes) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return [tuple(row) for row in book.active.iter_rows(values_only=True)]


def test_export_without_a_reason_is_refused_and_not_audited(client, personas, tree, registry):
    log_in(client, personas.grid_worker_a)
    response = export(client, tree.grid_a1, reason="")
    assert response.status_code == 200
    assert "请填写导出用途。" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_writes_the_living_people_masked_and_an_audit_row_with_the_count(
    client, personas, tree, varied
):
    log_in(client, personas.grid_worker_a)
    response = export(client, tree.grid_a1, reason="季度人口核查")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="register-{tree.grid_a1.code}.xlsx"'
    rows = sheet_rows(response.content)
    assert rows[0][:3] == ("地址", "姓名", "身份证号")
    people = {row[1]: row for row in rows[1:]}
    assert set(people) == {"张伟", "李娜"}
    assert people["张伟"][2] == varied.zhang_wei.id_masked
    assert people["张伟"][5] == "138****5678"
    assert people["张伟"][0] == "凯旋路12号1幢1单元301室"
    assert people["李娜"][8] is None
    event = AuditEvent.objects.get(action="export")
    assert event.actor == personas.grid_worker_a
    assert event.details == {
        "what": "grid_register",
        "rows": 2,
        "reason": "季度人口核查",
        "full_id_numbers": False,
    }


def test_grid_worker_may_not_export_full_id_numbers(client, personas, tree, registry):
    log_in(client, personas.grid_worker_a)
    response = export(client, tree.grid_a1, reason="季度人口核查", full_id_numbers="on")
    assert response.status_code == 200
    page = response.content.decode()
    assert "您的角色无权导出完整身份证号。" in page
    assert not AuditEvent.objects.filter(action="export").exists()
    with pytest.raises(Forbidden):
        exports.grid_register_xlsx(
            actor=personas.grid_worker_a, grid=tree.grid_a1, reason="核查", full_id_numbers=True
        )


def test_community_head_exports_full_id_numbers_and_it_is_audited(client, personas, tree, registry):
    log_in(client, personas.community_head_a)
    response = export(client, tree.grid_a1, reason="民政补贴核对", full_id_numbers="on")
    rows = sheet_rows(response.content)
    assert {row[2] for row in rows[1:]} == set(CLEAR_ID_NUMBERS[:3])
    people = {row[1]: row for row in rows[1:]}
    assert people["李娜"][2] == LI_NA_ID
    assert people["李娜"][8] == "社区矫正对象（一级）"
    assert people["张伟"][8] == "独居老人（二级）"
    event = AuditEvent.objects.get(action="export")
    assert (event.actor, event.object_id) == (personas.community_head_a, str(tree.grid_a1.pk))
    assert event.details["full_id_numbers"] is True
    assert event.details["rows"] == 3
    assert ZHANG_WEI_ID not in str(event.details)


def test_grid_worker_export_hides_sensitive_groups(client, personas, tree, registry):
    log_in(client, personas.grid_worker_a)
    rows = sheet_rows(export(client, tree.grid_a1, reason="季度人口核查").content)
    assert "社区矫正对象" not in str(rows)
    assert "独居老人（二级）" in str(rows)


def test_export_of_a_grid_outside_the_scope_is_404_and_not_audited(client, personas, tree, registry):
    log_in(client, personas.grid_worker_a)
    assert export(client, tree.grid_b1, reason="季度人口核查").status_code == 404
    log_in(client, personas.assistant_a)
    assert export(client, tree.grid_a1, reason="季度人口核查").status_code == 403
    assert not AuditEvent.objects.filter(action="export").exists()


def test_export_gives_the_verification_date_in_local_time(client, personas, tree, registry):
    visit = datetime(2031, 3, 2, 7, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    services.household_verify(actor=personas.grid_worker_a, household=registry.household_a, now=visit)
    with time_machine.travel(visit, tick=False):
        log_in(client, personas.grid_worker_a)
        rows = sheet_rows(export(client, tree.grid_a1, reason="季度人口核查").content)
    assert {row[9] for row in rows[1:]} == {"2031-03-02"}
