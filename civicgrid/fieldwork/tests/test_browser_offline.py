"""The field workbench without a connection, on a phone: a grid worker opens 我的一天 and a due household,
loses the connection, still sees both pages (from the service worker's cache), records the visit with
a problem on the device, and it reaches the server exactly once when the connection returns — however
often it is sent again."""

import time

import pytest
from django.core.signals import request_started
from playwright.sync_api import expect

from civicgrid.cases.choices import Channel
from civicgrid.cases.models import Case
from civicgrid.core.testing_browser import PHONE, log_in_browser
from civicgrid.fieldwork.models import Visit

SCREENSHOT = "/tmp/browser-offline-{}.png"
ADDRESS = "凯旋路12号1幢1单元301室"  # registry.household_a, due today (never visited)
NOTES = "张伟在家，身体尚可；李娜上班未见。"
PROBLEM = "3楼楼道灯不亮，老人夜间出行不便"

# What the server answers when the page's own queue entry is sent again (e.g. after a crash between
# the server's answer and the removal from IndexedDB, or from a second tab): put it back first.
PUT_BACK = """(entry) => new Promise((resolve, reject) => {
    const open = indexedDB.open("civicgrid-outbox", 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const t = open.result.transaction("submissions", "readwrite");
        t.objectStore("submissions").put(entry);
        t.oncomplete = () => { open.result.close(); resolve(); };
        t.onerror = () => reject(t.error);
    };
})"""
# The queued form sent the way the queue sends it, several times at once; answers [status, body].
REPLAY = """async ([entry, times]) => Promise.all(Array.from({length: times}, async () => {
    const body = new FormData();
    entry.fields.forEach(([name, value]) => body.append(name, value));
    const response = await fetch(entry.action, {
        method: "POST", body, credentials: "same-origin", headers: {Accept: "application/json"},
    });
    return [response.status, await response.json()];
}))"""


@pytest.fixture
def server_hits():
    """Method and path of every request the live server (a thread of this process) receives."""
    hits: list[tuple[str, str]] = []

    def record(sender, environ, **kwargs):
        hits.append((environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")))

    request_started.connect(record, weak=False, dispatch_uid="test_browser_offline")
    yield hits
    request_started.disconnect(dispatch_uid="test_browser_offline")


def wait_until(page, condition, message: str, timeout: float = 10.0) -> None:
    """Poll a Python condition (e.g. on the database) while the browser keeps running."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(message)
        page.wait_for_timeout(100)


def kept_offline(page, url: str) -> bool:
    """Whether the service worker's cache answers a navigation to `url` from this browser.

    The pages vary on Cookie and Accept-Language, and the worker looks navigations up with
    `caches.match(request)`, so ask with the Accept-Language a navigation sends (the context's
    locale; Cookie is never visible to the Cache API)."""
    return page.evaluate(
        """async (url) => !!(await caches.match(new Request(url, {headers: {"Accept-Language": "zh-CN"}})))""",
        url,
    )


def open_my_day(page, base: str) -> None:
    """Sign in and open 我的一天 until the service worker controls the page."""
    log_in_browser(page, base, "worker_a")
    page.goto(f"{base}/fieldwork/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的一天")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)


def open_household_online(page, base: str, household) -> str:
    """Sign in, open 我的一天 until the service worker controls it, then the due household from the
    list; return the household's page address once both pages are kept for offline use.

    我的一天 is opened once more after the worker took control: the copy offline.js keeps of the
    first page does not open offline (see the xfail test at the end)."""
    open_my_day(page, base)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的一天")
    due = page.get_by_test_id("due-visit")
    expect(due).to_have_count(1)
    expect(due).to_contain_text(ADDRESS)
    due.click()
    url = f"{base}/fieldwork/households/{household.pk}/"
    expect(page).to_have_url(url)
    expect(page.get_by_test_id("visit-target")).to_have_text(ADDRESS)
    # The worker stores its copies after answering: let it finish before the connection goes.
    wait_until(page, lambda: kept_offline(page, url), "the household page was never cached")
    wait_until(page, lambda: kept_offline(page, f"{base}/fieldwork/"), "我的一天 was never cached")
    return url


def record_visit(page) -> None:
    form = page.get_by_test_id("visit-form")
    form.get_by_label("走访情况").fill(NOTES)
    form.locator("select[name=problem_category]").select_option(label="市政设施")
    form.locator("textarea[name=problem_description]").fill(PROBLEM)
    form.get_by_test_id("visit-submit").click()


def counts() -> tuple[int, int]:
    return Visit.objects.count(), Case.objects.count()


@pytest.mark.browser_context_args(**PHONE)
def test_a_visit_recorded_offline_reaches_the_server_once_when_the_connection_returns(
    transactional_db, live_server, personas, registry, flow, page, context, console_errors, server_hits
):
    base = live_server.url
    household_url = open_household_online(page, base, registry.household_a)

    # No connection: the household and 我的一天 still open, and nothing reaches the server.
    context.set_offline(True)
    sent_before = len(server_hits)
    page.reload()
    expect(page.get_by_test_id("visit-target")).to_have_text(ADDRESS)
    expect(page.get_by_test_id("members")).to_contain_text("张伟")
    page.locator("main nav").get_by_role("link", name="我的一天").click()
    expect(page).to_have_url(f"{base}/fieldwork/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的一天")
    expect(page.get_by_test_id("due-visit")).to_contain_text(ADDRESS)
    page.goto(f"{base}/fieldwork/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的一天")
    page.get_by_test_id("due-visit").click()
    expect(page).to_have_url(household_url)
    expect(page.get_by_test_id("visit-target")).to_have_text(ADDRESS)

    # The visit, with one problem, is kept on the phone.
    record_visit(page)
    status = page.get_by_test_id("offline-status")
    expect(status).to_contain_text("已保存在本机")
    expect(status).to_contain_text(f"待发送：走访 {ADDRESS}")
    expect(page.get_by_label("走访情况")).to_have_value("")  # the form is cleared for the next one
    page.screenshot(path=SCREENSHOT.format(1), full_page=True)
    assert len(page.evaluate("window.civicgridOutbox.all()")) == 1
    assert counts() == (0, 0)
    assert server_hits[sent_before:] == [], "requests reached the server while offline"

    # The connection returns: the queue is sent by itself, once.
    context.set_offline(False)
    expect(status).to_contain_text("离线记录已发送")
    expect(status).to_contain_text(f"走访 {ADDRESS}")
    wait_until(page, lambda: counts() == (1, 1), f"expected 1 visit and 1 case, found {counts()}")
    page.screenshot(path=SCREENSHOT.format(2), full_page=True)
    visit, case = Visit.objects.get(), Case.objects.get()
    assert (visit.household, visit.visitor, visit.notes) == (
        registry.household_a,
        personas.grid_worker_a,
        NOTES,
    )
    assert list(visit.cases.all()) == [case]
    assert (case.channel, case.category, case.description) == (Channel.VISIT, flow.ordinary, PROBLEM)
    assert page.evaluate("window.civicgridOutbox.all()") == []

    # Sending again and reloading changes nothing.
    page.evaluate("window.civicgridOutbox.flush()")
    page.reload()
    expect(page.get_by_test_id("visit-row")).to_have_count(1)
    expect(page.get_by_test_id("visit-row")).to_contain_text(NOTES)
    expect(page.get_by_test_id("visit-row")).to_contain_text(case.number)
    assert counts() == (1, 1)
    posts = [path for method, path in server_hits if method == "POST" and path.endswith("/visit/")]
    assert posts == [f"/fieldwork/households/{registry.household_a.pk}/visit/"]
    assert console_errors == []


@pytest.mark.browser_context_args(**PHONE)
def test_the_same_offline_visit_sent_twice_is_recorded_once(
    transactional_db, live_server, personas, registry, flow, page, context, console_errors
):
    base = live_server.url
    open_household_online(page, base, registry.household_a)
    context.set_offline(True)
    page.reload()
    record_visit(page)
    status = page.get_by_test_id("offline-status")
    expect(status).to_contain_text("已保存在本机")
    (entry,) = page.evaluate("window.civicgridOutbox.all()")
    assert counts() == (0, 0)

    # Back online, two sends at once on top of the automatic one.
    context.set_offline(False)
    page.evaluate("Promise.all([window.civicgridOutbox.flush(), window.civicgridOutbox.flush()])")
    expect(status).to_contain_text("离线记录已发送")
    wait_until(page, lambda: counts() == (1, 1), f"expected 1 visit and 1 case, found {counts()}")
    first = Visit.objects.get()

    # The same entry queued again (a crash before it was removed, a second tab) and sent twice at
    # once: the server answers that it is already recorded, and the queue empties.
    page.evaluate(PUT_BACK, entry)
    page.evaluate("Promise.all([window.civicgridOutbox.flush(), window.civicgridOutbox.flush()])")
    expect(status).to_contain_text("离线记录已发送")
    assert page.evaluate("window.civicgridOutbox.all()") == []
    assert counts() == (1, 1)

    # The same submission replayed three times at once, straight to the server.
    answers = page.evaluate(REPLAY, [entry, 3])
    assert [code for code, _body in answers] == [200, 200, 200]
    assert {body["id"] for _code, body in answers} == {first.pk}
    assert {body["created"] for _code, body in answers} == {False}
    assert counts() == (1, 1)
    assert list(first.cases.values_list("channel", flat=True)) == [Channel.VISIT]
    assert console_errors == []


@pytest.mark.browser_context_args(**PHONE)
def test_a_new_submission_replayed_at_the_same_moment_is_recorded_once(
    transactional_db, live_server, personas, registry, flow, page, context, console_errors
):
    """Two copies of a submission the server has not seen yet, arriving together (two tabs sending
    the same queue as the connection returns): one creates the visit, the other gets it back."""
    base = live_server.url
    open_household_online(page, base, registry.household_a)
    context.set_offline(True)
    page.reload()
    record_visit(page)
    expect(page.get_by_test_id("offline-status")).to_contain_text("已保存在本机")
    (entry,) = page.evaluate("window.civicgridOutbox.all()")
    context.set_offline(False)
    expect(page.get_by_test_id("offline-status")).to_contain_text("离线记录已发送")
    wait_until(page, lambda: counts() == (1, 1), f"expected 1 visit and 1 case, found {counts()}")

    # The same form with a key the server has not seen, sent four times at once.
    fresh = page.evaluate("crypto.randomUUID()")
    entry["fields"] = [[n, fresh if n == "idempotency_key" else v] for n, v in entry["fields"]]
    answers = page.evaluate(REPLAY, [entry, 4])
    assert sorted(code for code, _body in answers) == [200, 200, 200, 201], answers
    assert len({body["id"] for _code, body in answers}) == 1
    assert counts() == (2, 2)
    assert console_errors == []


@pytest.mark.xfail(
    strict=True,
    reason=(
        "App bug: the first page opened before the service worker controls it (here 我的一天) is kept "
        "by offline.js with `cache.add(location.href)`, a request without Accept-Language, while the "
        "page answers `Vary: Cookie, Accept-Language`; sw.js looks navigations up with "
        "`caches.match(request)` (Vary honoured) and the browser's navigation sends "
        "`Accept-Language: zh-CN`, so the copy never matches and the worker shows the 当前离线 page."
    ),
)
@pytest.mark.browser_context_args(**PHONE)
def test_my_day_opened_once_before_the_service_worker_took_control_opens_offline(
    transactional_db, live_server, personas, registry, flow, page, context, console_errors
):
    base = live_server.url
    open_my_day(page, base)
    # offline.js keeps a copy of this first page once the worker is ready: wait until it is stored.
    wait_until(
        page,
        lambda: page.evaluate(
            """async (url) => !!(await caches.match(url, {ignoreVary: true}))""", f"{base}/fieldwork/"
        ),
        "offline.js never stored 我的一天",
    )
    context.set_offline(True)
    page.goto(f"{base}/fieldwork/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("我的一天")
    expect(page.get_by_test_id("due-visit")).to_contain_text(ADDRESS)
    assert console_errors == []
