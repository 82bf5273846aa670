"""A street leader opens the cockpit, clicks the red grid on the map, lands on its open cases and
exports them to Excel."""

import io
import re
from datetime import timedelta
from pathlib import Path

import time_machine
from openpyxl import load_workbook
from playwright.sync_api import expect

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services
from civicgrid.cases.tests.conftest import A1_POINT, MONDAY_9AM
from civicgrid.core.testing_browser import log_in_browser

B1_POINT = (30.05, 120.15)
SCREENSHOT = "/tmp/browser-cockpit-{}.png"


def _report(personas, flow, point, worker):
    return services.case_report(
        actor=worker,
        channel="visit",
        category=flow.ordinary,
        description="楼道堆物",
        lat=point[0],
        lng=point[1],
    )


def test_a_leader_clicks_a_red_grid_and_exports_its_cases(
    transactional_db, live_server, personas, flow, tree, page, console_errors
):
    with time_machine.travel(MONDAY_9AM, tick=True) as traveller:
        late = _report(personas, flow, A1_POINT, personas.grid_worker_a)
        late = services.case_claim(case=late, actor=personas.grid_worker_a)
        traveller.move_to(late.resolve_due_at + timedelta(hours=2))
        fresh = _report(personas, flow, B1_POINT, personas.grid_worker_b)

        page.set_viewport_size({"width": 1600, "height": 1000})  # a wall screen
        log_in_browser(page, live_server.url, personas.street_leader.username)
        page.goto(f"{live_server.url}/cockpit/")
        expect(page.get_by_role("heading", name=re.compile("领导驾驶舱"))).to_be_visible()
        red = page.locator('.cockpit-map path[data-light="red"]')
        expect(red).to_have_count(1)
        expect(page.locator(f'.cockpit-map path[data-grid="{tree.grid_b1.pk}"]')).to_have_attribute(
            "data-light", "green"
        )
        page.screenshot(path=SCREENSHOT.format("map"), full_page=True)
        red.click()

        expect(page).to_have_url(re.compile(rf"/cockpit/cases/\?.*grid={tree.grid_a1.pk}"))
        drill = page.get_by_test_id("drill")
        expect(drill.get_by_role("link", name=late.number)).to_be_visible()
        expect(drill.get_by_text(fresh.number)).to_have_count(0)

        page.get_by_role("button", name="导出 Excel").click()  # no purpose: the browser holds it back
        assert page.get_by_label("导出用途").evaluate("el => el.validity.valueMissing")
        expect(page).to_have_url(re.compile(r"/cockpit/cases/\?"))
        page.get_by_label("导出用途").fill("督办超期问题")
        with page.expect_download() as download:
            page.get_by_role("button", name="导出 Excel").click()
        content = Path(download.value.path()).read_bytes()
        rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
        assert [row[0] for row in rows[2:]] == [late.number]
        event = AuditEvent.objects.filter(action="export").latest("pk")
        assert event.details["reason"] == "督办超期问题" and event.details["rows"] == 1
    assert console_errors == []
