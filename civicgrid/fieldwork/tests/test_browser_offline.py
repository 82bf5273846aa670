"""The field workbench without a connection, on a phone: a grid worker opens 我的一天 and a due household,
loses the connection, still sees both pages (from the service worker's cache), records the visit with
a problem on the device, and it reaches the server exactly once when the connection returns — however
often it is sent again.

The database is read only once the page says the request is done: with in-memory SQLite the live
server shares the test's database connection, so the test must not query while a request runs."""

import time

import pytest
from django.core.signals import request_started
from django.db import connection
from playwright.sync_api import expect

from civicgrid.cases.choices import Channel
from civicgrid.cases.models import Case
from civicgrid.core.testing_browser import PHONE, log_in_browser
from civicgrid.fieldwork.models import Visit

SCREENSHOT = "/tmp/browser-offline-{}.png"
ADDRESS = "凯旋路12号1幢1单元301室"  # registry.household_a, due today (never visited)
NOTES = "张伟在家，身体尚可；李娜上班未见。"
PROBLEM = "3楼楼道灯不亮，老人夜间出行不便"
SENT = "离线记录已发送"
QUEUED = "已保存在本机"

FLUSH_TWICE_AT_ONCE = "Promise.all([window.civicgridOutbox.flush(), window.civicgridOutbox.flush()])"
# Put an entry (back) into the offline queue, as a crash between the server's answer and its removal
# from IndexedDB, or a second tab holding the same queue, would leave it.
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
# A queued entry sent `times` times the way offline.js sends it, one after the other or all at once;
# answers [[status, json], …].
REPLAY = """async ([entry, times, together]) => {
    const send = async () => {
        const body = new FormData();
        entry.fields.forEach(([name, value]) => body.append(name, value));
        const response = await fetch(entry.action, {
            method: "POST", body, credentials: "same-origin", headers: {Accept: "application/json"},
        });
        return [response.status, await response.json()];
    };
    if (together) return Promise.all(Array.from({length: times}, send));
    const answers = [];
    for (let i = 0; i < times; i++) answers.push(await send());
    return answers;
}"""


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
    """Poll a condition in the browser while it keeps running."""
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
    list; return the household's page address once both pages are kept for offline use (the copy
    offline.js keeps of a first page is tested on its own at the end)."""
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


def record_visit(page, category) -> None:
    form = page.get_by_test_id("visit-form")
    form.get_by_label("走访情况").fill(NOTES)
    form.locator("select[name=problem_category]").select_option(str(category.pk))
    form.locator("textarea[name=problem_description]").fill(PROBLEM)
    form.get_by_test_id("visit-submit").click()


def queue_a_visit_offline(page, context, base: str, household, category) -> dict:
    """Open the household, lose the connection, record the visit: return the queued entry."""
    open_household_online(page, base, household)
    context.set_offline(True)
    page.reload()
    expect(page.get_by_test_id("visit-target")).to_have_text(ADDRESS)
    record_visit(page, category)
    expect(page.get_by_test_id("offline-status")).to_contain_text(QUEUED)
    (entry,) = page.evaluate("window.civicgridOutbox.all()")
    return entry


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
    record_visit(page, flow.ordinary)
    status = page.get_by_test_id("offline-status")
    expect(status).to_contain_text(QUEUED)
    expect(status).to_contain_text(f"待发送：走访 {ADDRESS}")
    expect(page.get_by_label("走访情况")).to_have_value("")  # the form is cleared for the next one
    page.screenshot(path=SCREENSHOT.format(1), full_page=True)
    assert len(page.evaluate("window.civicgridOutbox.all()")) == 1
    assert server_hits[sent_before:] == [], "requests reached the server while offline"
    assert counts() == (0, 0)

    # The connection returns: the queue is sent by itself, once.
    context.set_offline(False)
    expect(status).to_contain_text(SENT)
    expect(status).to_contain_text(f"走访 {ADDRESS}")
    page.screenshot(path=SCREENSHOT.format(2), full_page=True)
    assert page.evaluate("window.civicgridOutbox.all()") == []
    assert counts() == (1, 1)
    visit, case = Visit.objects.get(), Case.objects.get()
    assert (visit.household, visit.visitor, visit.notes) == (
        registry.household_a,
        personas.grid_worker_a,
        NOTES,
    )
    assert list(visit.cases.all()) == [case]
    assert (case.channel, case.category, case.description) == (Channel.VISIT, flow.ordinary, PROBLEM)

    # Sending again and reloading changes nothing.
    page.evaluate("window.civicgridOutbox.flush()")
    page.reload()
    expect(page.get_by_test_id("visit-row")).to_have_count(1)
    expect(page.get_by_test_id("visit-row")).to_contain_text(NOTES)
    expect(page.get_by_test_id("visit-row")).to_contain_text(case.number)
    assert counts() == (1, 1)
    posts = [path for method, path in server_hits if method == "POST"]
    assert posts == ["/accounts/login/", f"/fieldwork/households/{registry.household_a.pk}/visit/"]
    assert console_errors == []


@pytest.mark.browser_context_args(**PHONE)
def test_the_same_offline_visit_sent_twice_is_recorded_once(
    transactional_db, live_server, personas, registry, flow, page, context, console_errors
):
    entry = queue_a_visit_offline(page, context, live_server.url, registry.household_a, flow.ordinary)
    assert counts() == (0, 0)
    status = page.get_by_test_id("offline-status")

    # Back online: two sends at once on top of the automatic one.
    context.set_offline(False)
    page.evaluate(FLUSH_TWICE_AT_ONCE)
    expect(status).to_contain_text(SENT)
    assert counts() == (1, 1)
    first = Visit.objects.get()

    # The same entry queued again and sent twice at once: the server answers that it is already
    # recorded (200), and the queue empties.
    page.evaluate(PUT_BACK, entry)
    assert len(page.evaluate("window.civicgridOutbox.all()")) == 1
    page.evaluate(FLUSH_TWICE_AT_ONCE)
    expect(status).to_contain_text(SENT)
    assert page.evaluate("window.civicgridOutbox.all()") == []
    assert counts() == (1, 1)

    # The same submission replayed three more times, straight to the server.
    answers = page.evaluate(REPLAY, [entry, 3, False])
    assert answers == [[200, {"id": first.pk, "created": False, "cases": [first.cases.get().number]}]] * 3
    assert counts() == (1, 1)
    assert Case.objects.get().channel == Channel.VISIT
    assert console_errors == []


@pytest.mark.browser_context_args(**PHONE)
def test_a_new_submission_arriving_twice_at_the_same_moment_is_recorded_once(
    transactional_db, live_server, personas, registry, flow, page, context, console_errors
):
    """Copies of a submission the server has not seen yet, arriving together (two tabs sending the
    same queue as the connection returns): one creates the visit, the others get it back."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip(
            "the live server shares the one in-memory SQLite connection between its request threads, "
            "so requests at the same moment say nothing about the app: this runs on PostgreSQL"
        )
    entry = queue_a_visit_offline(page, context, live_server.url, registry.household_a, flow.ordinary)
    context.set_offline(False)
    expect(page.get_by_test_id("offline-status")).to_contain_text(SENT)
    assert counts() == (1, 1)

    # The same form with a key the server has not seen, sent four times at once.
    fresh = page.evaluate("crypto.randomUUID()")
    entry["fields"] = [[n, fresh if n == "idempotency_key" else v] for n, v in entry["fields"]]
    answers = page.evaluate(REPLAY, [entry, 4, True])
    assert sorted(code for code, _body in answers) == [200, 200, 200, 201], answers
    assert len({body["id"] for _code, body in answers}) == 1
    assert counts() == (2, 2)
    assert console_errors == []


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
