"""The market on a phone: a resident finds the nearest shops from where they stand (the browser's
position), narrows them to food with a chip, and offers an item with a photo that waits for review.

The database is read only once the page shows the answer: with in-memory SQLite the live server
shares the test's database connection, so the test must not query while a request runs."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from civicgrid.core.testing import PASSWORD
from civicgrid.core.testing_browser import wait_for_image
from civicgrid.market import services

from .conftest import HANGZHOU

SCREENSHOT = "/tmp/browser-market-{}.png"


@pytest.fixture
def shops(transactional_db, personas, tree):
    for name, category, metres in (
        ("巷口早餐店", "food", 350),
        ("老周修鞋", "clothing", 120),
        ("远处的面馆", "food", 1800),
    ):
        services.merchant_create(
            actor=personas.community_head_a,
            community=tree.community_a,
            name=name,
            category=category,
            address="凯旋路 12 号",
            lat=HANGZHOU[0] + metres / 111_195,
            lng=HANGZHOU[1],
            hours="6:00–10:30",
            phone="13912345678",
        )


@pytest.fixture
def picture(tmp_path):
    path = tmp_path / "bike.jpg"
    Image.new("RGB", (64, 48), "teal").save(path, "JPEG")
    return path


def test_nearest_shops_from_here_then_an_item_for_review(
    live_server, personas, shops, picture, browser, phone_context_args, console_errors
):
    base = live_server.url
    context = browser.new_context(
        **phone_context_args,
        geolocation={"latitude": HANGZHOU[0], "longitude": HANGZHOU[1]},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    try:
        page.goto(f"{base}/accounts/resident-login/")
        page.get_by_label("手机号").fill("13800000001")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name=re.compile("登录")).click()
        expect(page).to_have_url(f"{base}/portal/")
        page.get_by_role("link", name=re.compile("1 公里微商圈")).click()
        # No verified home yet: the community's centre, far from these shops.
        expect(page.get_by_test_id("merchant-summary")).to_contain_text("以您所在社区为中心")
        page.get_by_role("button", name=re.compile("用当前位置")).click()
        summary = page.get_by_test_id("merchant-summary")
        expect(summary).to_contain_text("以您的当前位置为中心")
        expect(summary).to_contain_text("1 公里内共 2 家")
        rows = page.get_by_test_id("merchant-row")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_contain_text("老周修鞋")
        expect(rows.nth(0).get_by_test_id("distance")).to_have_text("120 米")
        expect(rows.nth(1).get_by_test_id("distance")).to_have_text("350 米")
        expect(rows.nth(0)).to_contain_text("139****5678")
        page.locator("label[for=cat-food]").click()
        expect(rows).to_have_count(1)
        expect(rows.nth(0)).to_contain_text("巷口早餐店")
        expect(page).to_have_url(re.compile(r"category=food"))
        page.screenshot(path=SCREENSHOT.format(1), full_page=True)
        rows.nth(0).click()
        expect(page.get_by_test_id("distance")).to_contain_text("350 米")
        expect(page.get_by_role("link", name="13912345678")).to_be_visible()

        page.goto(f"{base}/portal/market/listings/new/")
        form = page.get_by_test_id("listing-form")
        form.get_by_label("物品名称").fill("九成新儿童自行车")
        form.get_by_label("价格（元，留空表示免费赠送）").fill("150")
        form.get_by_label("照片（最多 6 张）").set_input_files(picture)
        form.get_by_role("button", name="提交审核").click()
        expect(page.get_by_role("alert")).to_contain_text("社区审核通过后")
        expect(page.get_by_test_id("listing-status")).to_have_text("待审核")
        expect(page.get_by_test_id("listing-price")).to_have_text("¥150")
        wait_for_image(page, page.get_by_role("img", name="九成新儿童自行车"))  # shown to its seller
        page.screenshot(path=SCREENSHOT.format(2), full_page=True)
    finally:
        context.close()
    assert console_errors == []
