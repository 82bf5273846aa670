"""On a phone: a resident finds an activity that is full, joins the waiting list without leaving the
page (htmx), sees their number, and leaves the queue again; the filter narrows the list by audience.

The database is read only after the page shows the outcome: with in-memory SQLite the live server
shares the test's database connection."""

import re

import pytest
from playwright.sync_api import expect

from civicgrid.activities import services
from civicgrid.core.testing import PASSWORD
from civicgrid.core.testing_browser import PHONE

from .conftest import fields

SCREENSHOT = "/tmp/browser-activities-{}.png"


@pytest.mark.browser_context_args(**PHONE)
def test_a_resident_joins_the_waiting_list_on_a_phone(
    transactional_db, live_server, personas, tree, page, console_errors
):
    full = services.activity_create(
        actor=personas.community_head_a, unit=tree.community_a, **fields(title="社区乒乓球友谊赛", capacity=1)
    )
    services.activity_create(
        actor=personas.community_head_a,
        unit=tree.community_a,
        **fields(title="老年人如何防三高健康讲座", audience="elderly", capacity=40),
    )
    services.signup_create(actor=personas.volunteer, activity=full)

    page.goto(f"{live_server.url}/accounts/resident-login/")
    page.locator("#id_username").fill("13800000001")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
    page.locator("[data-testid=activities-links] a", has_text="社区活动报名").click()
    activities = page.locator("[data-testid=activities]")
    expect(activities).to_contain_text("社区乒乓球友谊赛")
    page.select_option("#audience", "elderly")  # htmx swaps the rows in place
    expect(activities).not_to_contain_text("社区乒乓球友谊赛")
    expect(activities).to_contain_text("老年人如何防三高健康讲座")
    assert "audience=elderly" in page.url
    page.select_option("#audience", "")
    activities.locator("a", has_text="社区乒乓球友谊赛").click()
    expect(page.locator("[data-testid=places]")).to_contain_text("已报名 1 / 1")
    page.get_by_role("button", name="名额已满，加入候补").click()
    expect(page.locator("[data-testid=my-status]")).to_contain_text("您在候补第 1 位")
    expect(page.locator("[data-testid=places]")).to_contain_text("候补 1 人")  # swapped out of band
    page.screenshot(path=SCREENSHOT.format("waiting"), full_page=True)
    page.get_by_role("button", name="取消报名").click()
    expect(page.locator("[data-testid=signup-box]")).to_contain_text("已取消报名")
    expect(page.get_by_role("button", name="名额已满，加入候补")).to_be_visible()
    assert console_errors == []
    assert list(full.signups.values_list("status", flat=True).order_by("pk")) == ["confirmed", "cancelled"]
