"""A grid worker edits a household on a phone during a home visit and sees the change in its history."""

import pytest
from playwright.sync_api import expect

from civicgrid.core.testing_browser import PHONE, log_in_browser
from civicgrid.registry.models import Building, Entrance, Household, Person, Room
from civicgrid.registry.services import person_set_identity
from civicgrid.registry.validators import id_check_digit

SCREENSHOT = "/tmp/browser-household.png"


@pytest.fixture
def visited_household(personas, tree):
    building = Building.objects.create(grid=tree.grid_a1, road="测试路8号", name="3幢")
    entrance = Entrance.objects.create(building=building, name="1单元")
    room = Room.objects.create(
        entrance=entrance, grid=tree.grid_a1, number="301", floor=3, owner_name="周建国"
    )
    household = Household.objects.create(room=room, grid=tree.grid_a1)
    head = Person(full_name="周建国", household=household, grid=tree.grid_a1, relation="head")
    person_set_identity(head, "33010219650312041" + id_check_digit("33010219650312041"))
    head.save()
    return household


@pytest.mark.browser_context_args(**PHONE)
def test_worker_records_a_rental_and_a_new_tenant_and_sees_both_in_the_history(
    transactional_db, live_server, personas, visited_household, page, console_errors
):
    log_in_browser(page, live_server.url, "worker_a")
    page.goto(f"{live_server.url}/registry/")
    page.get_by_test_id("my-grids").get_by_text("甲一网格").click()
    page.get_by_test_id("buildings").get_by_text("测试路8号 3幢").click()
    page.get_by_test_id("rooms").get_by_text("301").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("测试路8号3幢1单元301室")
    expect(page.get_by_test_id("members")).to_contain_text("周建国")

    # The flat is now rented out: change its use, with the reason.
    page.get_by_text("房屋用途或产权人变化").click()
    form = page.get_by_test_id("room-form")
    form.get_by_label("房屋用途").select_option("rented")
    form.get_by_label("变更原因").fill("业主外出务工，房屋出租")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible()

    # A tenant moved in: a bad ID number is refused in Chinese, nothing is saved.
    page.get_by_text("新迁入人员").click()
    person = page.get_by_test_id("person-form")
    person.get_by_label("姓名").fill("李小红")
    person.get_by_label("身份证号").fill("330102199001011230")
    person.get_by_label("与户主关系").select_option("tenant")
    person.get_by_label("变更原因").fill("新租客入住")
    person.get_by_role("button", name="登记").click()
    expect(page.get_by_test_id("person-form")).to_contain_text("身份证号校验位不正确")
    assert not Person.objects.filter(full_name="李小红").exists()

    person = page.get_by_test_id("person-form")
    person.get_by_label("身份证号").fill("33010219900101123" + id_check_digit("33010219900101123"))
    person.get_by_role("button", name="登记").click()
    expect(page.get_by_test_id("members")).to_contain_text("李小红")
    expect(page.get_by_test_id("members")).not_to_contain_text("330102199001011234")

    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("last-verified")).to_contain_text("最近核实")
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.get_by_role("link", name="变更记录").click()
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("业主外出务工，房屋出租")
    expect(history).to_contain_text("自住")
    expect(history).to_contain_text("出租")
    expect(history).to_contain_text("李小红")
    expect(history).to_contain_text("甲网格员")
    assert Household.objects.get(pk=visited_household.pk).last_verified_at is not None
    assert console_errors == []
