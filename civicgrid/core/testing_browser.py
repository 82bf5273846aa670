"""Real-browser test fixtures (Playwright driving the system Chromium).

Registered in the root conftest.py. Any test that uses Playwright's `page`, `context`,
`new_context` or `browser` fixture is marked `browser` automatically, so `-m "not browser"`
leaves them out. Without Debian's Chromium the browser tests are skipped, except under CI
(`CI` set), where they fail: CI must never skip them silently.

Write a browser test as::

    def test_x(transactional_db, live_server, personas, page, console_errors):
        log_in_browser(page, live_server.url, "worker_a")
        ...
        assert console_errors == []

`live_server` needs a transactional database: pytest-django switches `db` (which `tree` and
`personas` request) to transactional whenever `live_server` or `transactional_db` is among the
test's fixtures, so the two don't conflict; naming `transactional_db` first just says it.
For a phone-sized page, mark the test `@pytest.mark.browser_context_args(**PHONE)` (then
`page` is a phone), or open a second one with the `phone_page` fixture.
"""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in the test thread, and Django refuses ORM calls
# while a loop runs ("You cannot call this from an async context"). The loop is Playwright's,
# not the ORM's: the ORM calls are still made synchronously, so lifting the guard is safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Fixtures whose use makes a test a browser test.
_BROWSER_FIXTURES = {"page", "context", "new_context", "browser", "phone_page"}

# An iPhone-12/13/14-sized phone. Use as `@pytest.mark.browser_context_args(**PHONE)` or
# `new_context(**PHONE)`.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "screen": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
# Bootstrap's `lg` breakpoint: the staff navbar collapses below it (navbar-expand-lg).
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _BROWSER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)


# A hook, not an autouse fixture: session-scoped fixtures such as `browser` are set up before any
# function-scoped one, so only a setup hook runs before the launch.
@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip browser tests when Chromium is missing — fail instead under CI."""
    if item.get_closest_marker("browser") is None or CHROMIUM.exists():
        return
    message = (
        f"Chromium not found at {CHROMIUM}: install it with "
        "`apt-get install chromium fonts-noto-cjk` (never `playwright install`)."
    )
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI is set, so browser tests may not be skipped. {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's own launch arguments (--headed, --slowmo …) plus the system Chromium."""
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A Chinese-speaking user in China, whatever the machine's locale.

    The language is chosen from Accept-Language (LocaleMiddleware), and headless Chromium sends
    en-US by default, which would open the English interface.
    """
    return {**DESKTOP, "locale": "zh-CN", "timezone_id": "Asia/Shanghai", **browser_context_args}


@pytest.fixture
def phone_context_args(browser_context_args):
    """Context arguments for a phone (390×844, touch), on top of the session defaults."""
    return {**browser_context_args, **PHONE}


@pytest.fixture
def phone_page(browser, phone_context_args):
    """A page in its own phone-sized browser context (for a test that also needs a desktop page)."""
    context = browser.new_context(**phone_context_args)
    yield context.new_page()
    context.close()


# Console errors that are not the page's fault: a form with errors answers 422 on purpose (htmx
# swaps it in), and Chromium logs every 4xx response.
KNOWN_CONSOLE_ERRORS: list[re.Pattern] = [re.compile(r"status of 422 \(Unprocessable Entity\)")]


@pytest.fixture
def console_errors(page):
    """Errors the page reports — console errors (CSP violations, failed loads) and uncaught
    exceptions — as "kind: text (url)" strings, gathered for the whole test. Assert it is empty
    at the end of the test."""
    errors: list[str] = []

    def on_console(msg):
        if msg.type != "error":
            return
        text = f"console.error: {msg.text} ({msg.location.get('url', '')})"
        if not any(known.search(text) for known in KNOWN_CONSOLE_ERRORS):
            errors.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    return errors


def log_in_browser(page, base_url: str, username: str, password: str | None = None) -> None:
    """Sign in through the real staff login form and wait until the browser has left it.

    Roles that need a second factor get a confirmed test device and enter its current code on the
    TOTP page (/accounts/otp/), as a person with an authenticator app would.
    """
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from playwright.sync_api import expect

    from civicgrid.accounts.models import User
    from civicgrid.accounts.selectors import requires_second_factor
    from civicgrid.core.testing import PASSWORD, totp_device

    user = User.objects.filter(username=username).first()
    device = totp_device(user) if user is not None and requires_second_factor(user) else None
    if device is not None:  # a code may be used once: let this sign-in use the current one again
        TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)

    page.goto(f"{base_url}/accounts/login/")
    form = page.locator("form:has(#id_username)")
    form.locator("#id_username").fill(username)
    form.locator("#id_password").fill(password or PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page, f"{username} could not sign in through the login form").not_to_have_url(
        re.compile(r"/accounts/login/")
    )
    if device is not None:
        expect(page).to_have_url(re.compile(r"/accounts/otp/"))
        page.locator("#id_token").fill(
            f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"
        )
        page.locator("form:has(#id_token) button[type=submit]").click()
        expect(page, f"{username} could not pass the second factor").not_to_have_url(
            re.compile(r"/accounts/otp/")
        )


def wait_for_image(page, image, *, timeout_ms: int = 10_000) -> None:
    """In a browser test: wait until the image (a locator) has loaded and has pixels — fails on timeout.
    Asking once right after the page is shown races the image's own request."""
    page.wait_for_function(
        "i => i.complete && i.naturalWidth > 0", arg=image.element_handle(), timeout=timeout_ms
    )
