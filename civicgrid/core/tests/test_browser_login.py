"""Sign in, switch language and sign out in a real browser, on a desktop and on a phone."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from civicgrid.core.testing_browser import PHONE, log_in_browser

SCREENSHOT = "/tmp/browser-home.png"


def _english(message: str) -> str | None:
    """The English catalogue's translation of `message`, or None while it has none (compiled)."""
    with translation.override("en"):
        text = translation.gettext(message)
    return text if text != message else None


def test_worker_signs_in_switches_to_english_and_signs_out(
    transactional_db, live_server, personas, page, console_errors
):
    log_in_browser(page, live_server.url, "worker_a")

    # The staff home, in Chinese: who I am and where my grid sits in the tree.
    expect(page).to_have_url(live_server.url + reverse("home"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，甲网格员")
    expect(page.get_by_test_id("current-user")).to_contain_text("甲网格员")
    breadcrumb = page.get_by_test_id("my-places").locator(".breadcrumb")
    expect(breadcrumb).to_contain_text("甲社区")
    expect(breadcrumb.locator(".breadcrumb-item.active")).to_have_text("甲一网格")
    page.screenshot(path=SCREENSHOT, full_page=True)

    # Switch to English: the page reloads in English and the switch now offers Chinese.
    switch = page.get_by_test_id("language-switch").get_by_role("button")
    expect(switch).to_have_text("English")
    switch.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server.url + reverse("home"))
    expect(switch).to_have_text("中文")
    if home := _english("首页"):
        expect(page).to_have_title(re.compile("^" + re.escape(home) + " · "))
    if hello := _english("您好，%(name)s"):
        expect(page.get_by_role("heading", level=1)).to_have_text(hello % {"name": "甲网格员"})
    sign_out = page.locator(f"form[action='{reverse('accounts:logout')}'] button[type=submit]")
    if sign_out_label := _english("退出"):
        expect(sign_out).to_have_text(sign_out_label)

    # Sign out: back on the login form, still in English.
    sign_out.click()
    expect(page).to_have_url(live_server.url + reverse("accounts:login"))
    expect(page.locator("#id_username")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")

    assert console_errors == []


@pytest.mark.browser_context_args(**PHONE)
def test_phone_navbar_collapses_and_opens_on_tap(
    transactional_db, live_server, personas, page, console_errors
):
    log_in_browser(page, live_server.url, "worker_a")
    expect(page.get_by_role("heading", level=1)).to_have_text("您好，甲网格员")

    menu = page.locator("#main-nav")
    toggler = page.locator(".navbar-toggler")
    sign_out = menu.get_by_role("button", name="退出")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(sign_out).to_be_hidden()

    toggler.tap()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    expect(sign_out).to_be_visible()
    expect(menu.get_by_test_id("current-user")).to_contain_text("甲网格员")

    # Nothing sticks out sideways on a 390-pixel screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"]

    toggler.tap()
    expect(sign_out).to_be_hidden()

    assert console_errors == []
