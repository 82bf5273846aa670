"""On a phone, a resident votes in a street poll: too many choices are refused where they pressed, then
the ballot goes in and the results replace the form without a reload. At a desk, the street leader's
results page draws the chart (ECharts under the CSP, data from json_script), with no console errors.

The database is read only once the page shows the outcome: with in-memory SQLite the live server
shares the test's database connection."""

import pytest
from playwright.sync_api import expect

from civicgrid.core.testing_browser import PHONE, log_in_browser
from civicgrid.polls.choices import PollKind, ResultsVisibility

from .conftest import make_poll, make_survey

SCREENSHOT = "/tmp/browser-polls-{}.png"


@pytest.mark.browser_context_args(**PHONE)
def test_a_resident_votes_on_a_phone_and_staff_see_the_chart(
    transactional_db,
    live_server,
    personas,
    tree,
    verified,
    page,
    console_errors,
    browser,
    browser_context_args,
):
    poll = make_poll(
        personas.community_head_a,
        tree.community_a,
        title="活动室开放时间",
        kind=PollKind.MULTIPLE,
        max_choices=2,
        results_visibility=ResultsVisibility.AFTER_VOTING,
    )
    base = live_server.url
    log_in_browser(page, base, "resident")
    page.goto(f"{base}/portal/polls/")
    page.get_by_role("link", name="活动室开放时间").click()
    expect(page.get_by_test_id("results-hidden")).to_contain_text("投票后即可查看结果")
    form = page.get_by_test_id("vote-form")
    for label in ["早上 8 点", "早上 9 点", "下午 1 点"]:
        form.get_by_label(label).check()
    form.get_by_role("button", name="投票").click()
    expect(page.get_by_test_id("options-error")).to_have_text("最多只能选择 2 项。")
    expect(page.get_by_label("下午 1 点")).to_be_checked()  # what they chose is kept
    page.get_by_label("早上 9 点").uncheck()
    page.get_by_role("button", name="投票").click()
    results = page.get_by_test_id("poll-results")
    expect(results).to_contain_text("共 1 人投票")
    expect(page.get_by_text("投票成功，感谢参与！")).to_be_visible()
    expect(page.get_by_test_id("vote-form")).to_have_count(0)
    page.screenshot(path=SCREENSHOT.format(1), full_page=True)

    desk_context = browser.new_context(**browser_context_args | {"viewport": {"width": 1280, "height": 800}})
    try:
        desk = desk_context.new_page()
        desk.on("pageerror", lambda exc: console_errors.append(f"pageerror: {exc}"))
        desk.on(
            "console", lambda msg: msg.type == "error" and console_errors.append(f"console.error: {msg.text}")
        )
        log_in_browser(desk, base, "head_a")
        desk.goto(f"{base}/portal/polls/staff/")
        desk.get_by_role("link", name="活动室开放时间").click()
        expect(desk.locator('[data-chart="poll"] svg')).to_have_count(1)
        expect(desk.locator('[data-chart="poll"]')).to_contain_text("早上 8 点")
        desk.screenshot(path=SCREENSHOT.format(2), full_page=True)
    finally:
        desk_context.close()
    assert console_errors == []
    assert poll.votes.count() == 1


@pytest.mark.browser_context_args(**PHONE)
def test_a_resident_answers_a_survey_and_the_head_reads_the_charts(
    transactional_db,
    live_server,
    personas,
    tree,
    verified,
    page,
    console_errors,
    browser,
    browser_context_args,
):
    make_survey(personas.community_head_a, tree.community_a)
    base = live_server.url
    log_in_browser(page, base, "resident")
    page.goto(f"{base}/portal/polls/")
    page.get_by_role("link", name="社区环境满意度调查").click()
    page.get_by_label("5 年以上").check()
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("question-error")).to_have_count(2)
    expect(page.get_by_test_id("question-error").first).to_have_text("此题为必答题。")
    expect(page.get_by_label("5 年以上")).to_be_checked()
    page.screenshot(path=SCREENSHOT.format(3), full_page=True)
    page.get_by_label("停车").check()
    page.get_by_label("养老").check()
    page.locator("label", has_text="4 分").click()
    page.get_by_role("textbox").fill("希望增加休息座椅")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_test_id("responded")).to_be_visible()

    desk_context = browser.new_context(**browser_context_args | {"viewport": {"width": 1280, "height": 800}})
    try:
        desk = desk_context.new_page()
        desk.on("pageerror", lambda exc: console_errors.append(f"pageerror: {exc}"))
        log_in_browser(desk, base, "head_a")
        desk.goto(f"{base}/portal/polls/staff/?show=surveys")
        desk.get_by_role("link", name="社区环境满意度调查").click()
        expect(desk.locator(".poll-chart svg")).to_have_count(3)
        expect(desk.get_by_test_id("average")).to_have_text("4.0")
        expect(desk.get_by_test_id("texts")).to_contain_text("希望增加休息座椅")
        desk.screenshot(path=SCREENSHOT.format(4), full_page=True)
    finally:
        desk_context.close()
    assert console_errors == []


def test_a_community_head_drafts_fixes_and_publishes_a_poll(
    transactional_db, live_server, personas, tree, page, console_errors
):
    base = live_server.url
    log_in_browser(page, base, "head_a")
    page.goto(f"{base}/portal/polls/staff/")
    page.get_by_role("link", name="新建投票").click()
    form = page.get_by_test_id("poll-form")
    form.get_by_label("标题").fill("健身器材更新")
    form.get_by_label("投票方式").select_option("multiple")
    form.get_by_label("最多可选几项（多选时填写）").fill("3")
    form.get_by_label("选项（每行一个）").fill("乒乓球台\n单杠")
    form.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("多选时，最多可选项数应不少于 2、不超过选项数（2 个）。")).to_be_visible()
    page.screenshot(path=SCREENSHOT.format(5), full_page=True)
    page.get_by_label("选项（每行一个）").fill("乒乓球台\n单杠\n太极推手器")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_role("alert")).to_contain_text("投票已保存为草稿")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("alert")).to_contain_text("已发布")
    expect(page.get_by_test_id("manage-actions")).to_contain_text("立即结束")
    assert console_errors == []
