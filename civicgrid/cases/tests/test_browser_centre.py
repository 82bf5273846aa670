"""A volunteer reports a rewarded problem on a phone; the grid worker claims it in the centre and
watches its light turn yellow and then red as the verification limit runs out."""

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from civicgrid.cases.models import Case
from civicgrid.core.testing import PASSWORD
from civicgrid.core.testing_browser import KNOWN_CONSOLE_ERRORS, PHONE, log_in_browser

from .conftest import MONDAY_9AM

SCREENSHOT = "/tmp/browser-centre-{}.png"
# The middle of grid A1 (lng 120.0–120.05, lat 30.0–30.1 in the `tree` fixture).
A1_MIDDLE = (30.05, 120.025)
# Keep every Leaflet map the page makes reachable, so the test can find where a place is on screen.
KEEP_MAPS = """
(() => {
  let leaflet;
  Object.defineProperty(window, "L", {
    configurable: true,
    get() { return leaflet; },
    set(value) {
      leaflet = value;
      const make = value.map;
      value.map = function (...args) {
        const map = make.apply(this, args);
        (window.__maps = window.__maps || []).push(map);
        return map;
      };
    },
  });
})();
"""


def watch_console(page, errors: list[str]) -> None:
    """Gather a second page's errors into the test's `console_errors` (that fixture watches `page`)."""

    def on_console(msg):
        text = f"console.error: {msg.text} ({msg.location.get('url', '')})"
        if msg.type == "error" and not any(known.search(text) for known in KNOWN_CONSOLE_ERRORS):
            errors.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))


def log_in_resident(page, base_url: str, phone: str) -> None:
    page.goto(f"{base_url}/accounts/resident-login/")
    page.get_by_label("手机号").fill(phone)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/resident-login/"))


def picked(page) -> tuple[float, float]:
    return float(page.locator("#id_lat").input_value()), float(page.locator("#id_lng").input_value())


def tap_map_at(page, lat: float, lng: float) -> None:
    """Bring the place into view on the pick map and tap it there."""
    # The report map opens on a fixed point of the demo street instead of the reporter's area
    # (see test_the_report_map_opens_on_the_volunteers_community), so move it there first.
    x, y = page.evaluate(
        """([lat, lng]) => {
            const map = window.__maps[window.__maps.length - 1];
            map.setView([lat, lng], 14, {animate: false});
            const point = map.latLngToContainerPoint([lat, lng]);
            return [point.x, point.y];
        }""",
        [lat, lng],
    )
    page.locator("[data-pick-map]").tap(position={"x": x, "y": y})


def light_of(page, case: Case):
    return page.locator(f"#case-{case.pk}").get_by_test_id("light")


@pytest.mark.browser_context_args(**PHONE)
def test_a_volunteers_report_turns_yellow_then_red_in_the_workers_centre(
    transactional_db, live_server, personas, flow, page, console_errors, browser, browser_context_args
):
    with time_machine.travel(MONDAY_9AM, tick=True) as traveller:
        # The volunteer, on a phone, reports a rubbish heap and places it on the map.
        page.add_init_script(KEEP_MAPS)
        log_in_resident(page, live_server.url, "13900000001")
        page.goto(f"{live_server.url}/cases/report/")
        form = page.get_by_test_id("report-form")
        expect(form.get_by_label("问题类别")).to_have_value(str(flow.rewarded.pk))
        expect(form.locator("option")).to_have_count(1)  # only rewarded categories for volunteers
        form.get_by_label("问题描述").fill("小区东门绿化带垃圾堆放三天无人清理")
        form.locator("[data-pick-map]").tap()  # the middle of the map
        expect(form.locator("[data-pick-label]")).not_to_have_text("尚未选点")
        middle = picked(page)
        tap_map_at(page, *A1_MIDDLE)
        expect(form.locator("[data-pick-label]")).not_to_have_text(f"{middle[0]:.6f}, {middle[1]:.6f}")
        lat, lng = picked(page)
        assert abs(lat - A1_MIDDLE[0]) < 0.001
        assert abs(lng - A1_MIDDLE[1]) < 0.001
        page.screenshot(path=SCREENSHOT.format(1), full_page=True)
        form.get_by_test_id("submit-report").click()

        case = Case.objects.get()
        expect(page).to_have_url(f"{live_server.url}/cases/{case.pk}/")
        expect(page.get_by_text(f"已上报，问题编号 {case.number}。")).to_be_visible()
        expect(page.get_by_role("heading", level=1)).to_contain_text("卫生死角")
        expect(page.get_by_test_id("status")).to_have_text("待领办")
        assert (case.grid.name, case.channel) == ("甲一网格", "rewarded_report")
        page.screenshot(path=SCREENSHOT.format(2), full_page=True)

        # The grid worker, at a desk, sees it waiting with a green light and claims it.
        desk_context = browser.new_context(**browser_context_args)
        try:
            desk = desk_context.new_page()
            watch_console(desk, console_errors)
            log_in_browser(desk, live_server.url, "worker_a")
            desk.goto(f"{live_server.url}/cases/")
            row = desk.locator(f"#case-{case.pk}")
            expect(row).to_contain_text("卫生死角")
            expect(light_of(desk, case)).to_have_attribute("data-light", "green")
            expect(row.get_by_test_id("time-left")).to_contain_text("剩余 4.0 小时")
            row.get_by_test_id("claim").click()
            expect(desk.get_by_test_id("claim-result")).to_contain_text("已领办。")
            desk.screenshot(path=SCREENSHOT.format(3), full_page=True)
            case.refresh_from_db()
            assert case.holder_user == personas.grid_worker_a
            desk.goto(f"{live_server.url}/cases/?tab=mine")
            expect(light_of(desk, case)).to_have_attribute("data-light", "green")

            # 18 h 30 min later: past 75 % of the 24 h verification limit. The idle session has
            # ended meanwhile, so the worker signs in again.
            traveller.shift(timedelta(hours=18, minutes=30))
            desk.reload()
            expect(desk).to_have_url(re.compile(r"/accounts/login/"))
            log_in_browser(desk, live_server.url, "worker_a")
            desk.goto(f"{live_server.url}/cases/?tab=mine")
            expect(light_of(desk, case)).to_have_attribute("data-light", "yellow")
            expect(desk.locator(f"#case-{case.pk}").get_by_test_id("time-left")).to_contain_text(
                "剩余 5.5 小时"
            )
            desk.screenshot(path=SCREENSHOT.format(4), full_page=True)

            # Past the 24 h limit, still not verified: red.
            traveller.shift(timedelta(hours=6))
            log_in_browser(desk, live_server.url, "worker_a")
            desk.goto(f"{live_server.url}/cases/?tab=mine")
            expect(light_of(desk, case)).to_have_attribute("data-light", "red")
            expect(desk.locator(f"#case-{case.pk}").get_by_test_id("time-left")).to_contain_text(
                "已超时 0.5 小时"
            )
            desk.screenshot(path=SCREENSHOT.format(5), full_page=True)
        finally:
            desk_context.close()

        # A day later the volunteer (signed out meanwhile: a session lasts 12 hours) looks at the
        # report again. The browser's cookie jar and a Redis cache expire by the wall clock, not the
        # test's, so the cookie is dropped here as the 12 hours would have.
        page.context.clear_cookies()
        log_in_resident(page, live_server.url, "13900000001")
        page.goto(f"{live_server.url}/cases/{case.pk}/")
        expect(page.get_by_test_id("status")).to_have_text("已领办")
        expect(page.get_by_test_id("light")).to_have_attribute("data-light", "red")
    assert console_errors == []


@pytest.mark.browser_context_args(**PHONE)
def test_the_report_map_opens_on_the_volunteers_community(
    transactional_db, live_server, personas, flow, page, console_errors
):
    log_in_resident(page, live_server.url, "13900000001")
    page.goto(f"{live_server.url}/cases/report/")
    page.locator("[data-pick-map]").tap()
    expect(page.locator("[data-pick-label]")).not_to_have_text("尚未选点")
    lat, lng = picked(page)
    assert console_errors == []
    # Community A covers lng 120.0–120.1, lat 30.0–30.1.
    assert 30.0 <= lat <= 30.1
    assert 120.0 <= lng <= 120.1
