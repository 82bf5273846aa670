"""资源共享 on a phone: a verified resident browses the street's resources, picks a day and a free slot,
books it, sees it confirmed in 我的预约 and cancels it; the slot shows as taken to others meanwhile."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civicgrid.core.testing import PASSWORD
from civicgrid.core.testing_browser import PHONE

from .conftest import make_resource, verify

SCREENSHOT = "/tmp/browser-bookings-{}.png"


@pytest.mark.browser_context_args(**PHONE)
def test_a_resident_books_a_free_slot_on_a_phone(
    transactional_db, live_server, tree, personas, page, console_errors
):
    base = live_server.url
    room = make_resource(
        tree.community_a,
        created_by=personas.community_head_a,
        name="甲社区书画室",
        hours=dict.fromkeys(range(7), (time(8), time(21))),
        capacity=12,
        location="活动中心三楼",
    )
    make_resource(
        tree.street, created_by=personas.street_leader, name="街道多功能厅", kind="venue", needs_approval=True
    )
    verify(personas.resident, tree.community_a)
    day = timezone.localdate() + timedelta(days=2)

    page.goto(f"{base}/accounts/resident-login/")
    page.locator("input[name=username]").fill("13800000001")
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/portal/")
    page.get_by_test_id("bookings-links").get_by_role("link", name=re.compile("资源共享")).click()

    expect(page.get_by_test_id("resources")).to_contain_text("街道多功能厅")
    page.get_by_label("类型").select_option("room")  # htmx swaps the list
    expect(page.get_by_test_id("resources")).not_to_contain_text("街道多功能厅")
    page.screenshot(path=SCREENSHOT.format(1), full_page=True)
    page.get_by_role("link", name=re.compile("甲社区书画室")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("甲社区书画室")
    page.get_by_role("link", name=re.compile(f"^{day:%m-%d} ")).click()  # htmx: the day's slots
    expect(page.get_by_test_id("slots")).to_contain_text(day.strftime("%Y-%m-%d"))
    expect(page.locator("#pick-date")).to_have_value(f"{day:%Y-%m-%d}")
    page.get_by_role("link", name="14:00–15:00").click()
    form = page.get_by_test_id("booking-form")
    expect(form.get_by_label("开始")).to_have_value("14:00")
    expect(form.get_by_label("结束")).to_have_value("15:00")
    form.get_by_label("结束").select_option("16:00")
    form.get_by_label("人数").fill("6")
    form.get_by_label("用途").fill("书法兴趣小组")
    page.screenshot(path=SCREENSHOT.format(2), full_page=True)
    form.get_by_role("button", name="确认预约").click()

    expect(page).to_have_url(f"{base}/portal/resources/mine/")
    expect(page.get_by_role("alert")).to_contain_text("预约成功")
    bookings = page.get_by_test_id("my-bookings")
    expect(bookings).to_contain_text("甲社区书画室")
    expect(bookings).to_contain_text("14:00–16:00")
    expect(bookings).to_contain_text("已确认")
    page.screenshot(path=SCREENSHOT.format(3), full_page=True)

    page.goto(f"{base}/portal/resources/{room.pk}/?date={day:%Y-%m-%d}")
    expect(page.locator("[data-slot=taken]")).to_have_count(2)
    page.goto(f"{base}/portal/resources/mine/")
    page.get_by_role("button", name="取消预约").click()
    expect(page.get_by_role("alert")).to_contain_text("已取消预约")
    expect(page.get_by_test_id("my-bookings")).to_contain_text("已取消")
    assert console_errors == []
