"""淘社区 part 2 on a phone, in one visit from the portal home: a verified resident books the community's
room for an afternoon, signs up for an activity and votes in the community's poll — and each answer
shows on the page they are on.

The database is read only after the pages show the outcome: with in-memory SQLite the live server
shares the test's database connection."""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civicgrid.activities import services as activities
from civicgrid.activities.tests.conftest import fields
from civicgrid.bookings.tests.conftest import make_resource, verify
from civicgrid.core.testing import PASSWORD
from civicgrid.core.testing_browser import PHONE
from civicgrid.polls.tests.conftest import make_poll

SCREENSHOT = "/tmp/browser-neighbourhood-{}.png"


@pytest.mark.browser_context_args(**PHONE)
def test_a_resident_books_a_room_signs_up_and_votes_on_a_phone(
    transactional_db, live_server, tree, personas, page, console_errors
):
    make_resource(
        tree.community_a,
        created_by=personas.community_head_a,
        name="甲社区书画室",
        hours=dict.fromkeys(range(7), (time(8), time(21))),
        capacity=12,
    )
    activity = activities.activity_create(
        actor=personas.community_head_a, unit=tree.community_a, **fields(title="邻里书法交流会", capacity=20)
    )
    poll = make_poll(personas.community_head_a, tree.community_a, title="书画室周末开放时间")
    verify(personas.resident, tree.community_a)
    day = timezone.localdate() + timedelta(days=2)
    base = live_server.url

    page.goto(f"{base}/accounts/resident-login/")
    page.locator("#id_username").fill("13800000001")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/portal/")

    # Book the room from the home card: a day, a free slot, the form.
    page.get_by_test_id("bookings-links").get_by_role("link", name=re.compile("资源共享")).click()
    page.get_by_role("link", name=re.compile("甲社区书画室")).click()
    page.get_by_role("link", name=re.compile(f"^{day:%m-%d} ")).click()  # htmx: the day's slots
    expect(page.get_by_test_id("slots")).to_contain_text(day.strftime("%Y-%m-%d"))
    page.get_by_role("link", name="14:00–15:00").click()
    form = page.get_by_test_id("booking-form")
    expect(form.get_by_label("开始")).to_have_value("14:00")  # the slot's link filled the form in
    expect(form.get_by_label("结束")).to_have_value("15:00")
    form.get_by_label("人数").fill("4")
    form.get_by_label("用途").fill("书法练习")
    form.get_by_role("button", name="确认预约").click()
    expect(page.get_by_role("alert")).to_contain_text("预约成功")
    expect(page.get_by_test_id("my-bookings")).to_contain_text("已确认")
    page.screenshot(path=SCREENSHOT.format(1), full_page=True)

    # Sign up for the activity.
    page.goto(f"{base}/portal/")
    page.locator("[data-testid=activities-links] a", has_text="社区活动报名").click()
    page.locator("[data-testid=activities] a", has_text="邻里书法交流会").click()
    page.get_by_role("button", name=re.compile("报名")).first.click()
    expect(page.locator("[data-testid=my-status]")).to_contain_text("已报名")
    page.screenshot(path=SCREENSHOT.format(2), full_page=True)

    # Vote.
    page.goto(f"{base}/portal/polls/")
    page.get_by_role("link", name="书画室周末开放时间").click()
    vote = page.get_by_test_id("vote-form")
    vote.get_by_label("早上 9 点").check()
    vote.get_by_role("button", name="投票").click()
    expect(page.get_by_text("投票成功，感谢参与！")).to_be_visible()
    expect(page.get_by_test_id("vote-form")).to_have_count(0)
    page.screenshot(path=SCREENSHOT.format(3), full_page=True)

    assert console_errors == []
    assert activity.signups.get(user=personas.resident).status == "confirmed"
    assert poll.votes.filter(user=personas.resident).count() == 1
