"""Mixed load on the production profile, for `.venv/bin/locust` (bench/mixed.py runs it headless).

Four kinds of people, each logging in once through the form a person uses (the staff form for grid
workers, the residents' form for residents; no role that needs a second factor):

    weight 6  grid workers browsing their day: home, my day (/fieldwork/), the centre's lists, a case
    weight 2  grid workers acting on cases through the API: claim, on-site check, work log, resolve
    weight 1  residents on the portal: home, news, publications, activities, suggestions
    weight 1  grid workers reporting cases through the API (POST /api/v1/cases)

Settings come from the environment (bench/mixed.py writes the people file from the database):

    MIXED_PEOPLE   JSON: {"password": ..., "grid_workers": [[username, grid_id], ...], "residents": [phone, ...]}
    MIXED_RESULT   where to write the figures of the measured window (JSON); without it, plain locust
    MIXED_WARMUP   seconds of load after the last log-in before the window opens (default 5)
    MIXED_MEASURE  seconds the window lasts; the run then stops by itself (default 20)

The window opens only when every user has logged in (log-ins hash a password: they are not the load
being measured) and the warm-up is over; the statistics are reset then, so the figures are those of
the window alone.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task
from locust.runners import WorkerRunner

PEOPLE = (
    json.loads(Path(os.environ["MIXED_PEOPLE"]).read_text(encoding="utf-8"))
    if "MIXED_PEOPLE" in os.environ
    else {}
)
PASSWORD = PEOPLE.get("password", "Kaixuan@2026")
GRID_WORKERS = PEOPLE.get("grid_workers", [["grid001", None]])
RESIDENTS = PEOPLE.get("residents", ["13805710001"])
WARMUP = float(os.environ.get("MIXED_WARMUP", "5"))
MEASURE = float(os.environ.get("MIXED_MEASURE", "20"))
RESULT = os.environ.get("MIXED_RESULT")

_worker_accounts = itertools.cycle(GRID_WORKERS)
_resident_accounts = itertools.cycle(RESIDENTS)
_lock = threading.Lock()
_logged_in = 0
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CATEGORIES = PEOPLE.get("categories") or ["municipal"]


def _count_login() -> None:
    global _logged_in
    with _lock:
        _logged_in += 1


class Person(FastHttpUser):
    abstract = True
    wait_time = between(0.25, 0.75)
    login_path = "/accounts/login/"

    def account(self) -> str:
        raise NotImplementedError

    def on_start(self) -> None:
        self.username = self.account()
        with self.client.get(self.login_path, name="log-in (form)", catch_response=True) as page:
            match = CSRF_INPUT.search(page.text or "")
            if not match:
                page.failure("no CSRF token on the log-in form")
                raise RuntimeError("no CSRF token")
        form = {"username": self.username, "password": PASSWORD, "csrfmiddlewaretoken": match.group(1)}
        with self.client.post(
            self.login_path,
            data=urlencode(form),
            headers={
                "Referer": self.host + self.login_path,
                "Content-Type": "application/x-www-form-urlencoded",
            },
            name="log-in (post)",
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"log-in as {self.username} answered {answer.status_code}")
                raise RuntimeError("log-in failed")
        self.csrf = self._cookie("csrftoken")
        _count_login()

    def _cookie(self, name: str) -> str:
        for cookie in self.client.cookiejar:
            if cookie.name == name:
                return cookie.value
        return ""

    def api(self, method: str, path: str, payload: dict | None, name: str, expect=(200, 201)):
        """A JSON call with the session's CSRF header; anything but `expect` is a failure."""
        headers = {"X-CSRFToken": self.csrf, "Referer": self.host + "/"}
        with self.client.request(
            method, path, json=payload, headers=headers, name=name, catch_response=True
        ) as answer:
            if answer.status_code not in expect:
                answer.failure(f"{answer.status_code}: {(answer.text or '')[:200]}")
                return None
            return answer.json()

    def page(self, path: str, name: str, must_contain: str | None = None) -> None:
        with self.client.get(path, name=name, catch_response=True, allow_redirects=False) as answer:
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code} (redirect to {answer.headers.get('Location')})")
            elif must_contain and must_contain not in (answer.text or ""):
                answer.failure(f"page without {must_contain!r}")


class GridWorker(Person):
    abstract = True

    def account(self) -> str:
        username, self.grid_id = next(_worker_accounts)
        return username

    def report(self, name: str) -> dict | None:
        payload = {
            "category": random.choice(CATEGORIES),
            "description": f"负载测试上报 {uuid.uuid4().hex[:8]}：路灯不亮",
            "grid_id": self.grid_id,
            "channel": "visit",
        }
        return self.api("POST", "/api/v1/cases", payload, name, expect=(201,))


class BrowsingGridWorker(GridWorker):
    """60 %: the day's pages and the centre."""

    weight = 6

    def on_start(self) -> None:
        super().on_start()
        self.case_ids = []
        for status in ("open", "closed"):  # the cases this worker can see: open ones first
            if not self.case_ids:
                cases = self.api("GET", f"/api/v1/cases?status={status}&limit=50", None, "setup: case ids")
                self.case_ids = [row["id"] for row in (cases or {}).get("items", [])]
        self.case_ids = self.case_ids or [None]

    @task(3)
    def home(self) -> None:
        self.page("/", "/ (staff home)")

    @task(3)
    def my_day(self) -> None:
        self.page("/fieldwork/", "/fieldwork/ (my day)")

    @task(2)
    def centre_open(self) -> None:
        self.page("/cases/?tab=open", "/cases/?tab=open (centre)")

    @task(1)
    def centre_mine(self) -> None:
        self.page("/cases/mine/", "/cases/mine/")

    @task(3)
    def case_detail(self) -> None:
        case_id = random.choice(self.case_ids)
        if case_id is None:
            self.page("/cases/", "/cases/ (centre)")
        else:
            self.page(f"/cases/{case_id}/", "/cases/[id]/ (detail)")


class ActingGridWorker(GridWorker):
    """20 %: take a case of one's grid through claim → on-site check → work log → resolve (the API
    the app's own pages and the mobile client use). The case is one this worker reported before the
    window, so no two workers race for it."""

    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.steps = iter(())

    def cycle(self):
        case = self.report("case action: report (own)")
        if case is None:
            return
        base = f"/api/v1/cases/{case['id']}"
        yield lambda: self.api("POST", f"{base}/claim", None, "case action: claim")
        yield lambda: self.api(
            "POST", f"{base}/actions/verify", {"note": "已到现场核实"}, "case action: verify"
        )
        yield lambda: self.api(
            "POST", f"{base}/actions/work_log", {"note": "已联系维修"}, "case action: work log"
        )
        yield lambda: self.api("POST", f"{base}/actions/resolve", {"note": "已修复"}, "case action: resolve")

    @task
    def next_step(self) -> None:
        step = next(self.steps, None)
        if step is None:
            self.steps = self.cycle()
            step = next(self.steps, None)
        if step is not None:
            step()


class ReportingGridWorker(GridWorker):
    """10 %: reports through the API."""

    weight = 1

    @task
    def report_case(self) -> None:
        self.report("report: POST /api/v1/cases")


class Resident(Person):
    """10 %: the residents' portal."""

    weight = 1
    login_path = "/accounts/resident-login/"

    def account(self) -> str:
        return next(_resident_accounts)

    @task(3)
    def portal_home(self) -> None:
        self.page("/portal/", "/portal/ (home)")

    @task(2)
    def news(self) -> None:
        self.page("/portal/news/", "/portal/news/")

    @task(2)
    def public(self) -> None:
        self.page("/portal/public/", "/portal/public/")

    @task(1)
    def activities(self) -> None:
        self.page("/portal/activities/", "/portal/activities/")

    @task(1)
    def suggestions(self) -> None:
        self.page("/portal/suggestions/", "/portal/suggestions/")


# --------------------------------------------------------------------------- the measured window


def _summary(environment, started: float) -> dict:
    stats = environment.stats
    window = time.monotonic() - started
    total = stats.total
    rows = {}
    for (name, method), entry in stats.entries.items():
        rows[f"{method} {name}"] = {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "req_s": round(entry.num_requests / window, 2) if window else None,
            "p50_ms": entry.get_response_time_percentile(0.5),
            "p99_ms": entry.get_response_time_percentile(0.99),
        }
    return {
        "users": environment.runner.user_count,
        "window_s": round(window, 2),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "req_s": round(total.num_requests / window, 2) if window else None,
        "p50_ms": total.get_response_time_percentile(0.5),
        "p95_ms": total.get_response_time_percentile(0.95),
        "p99_ms": total.get_response_time_percentile(0.99),
        "max_ms": total.max_response_time,
        "rows": rows,
        "errors": [
            {"name": e.name, "method": e.method, "error": str(e.error)[:300], "occurrences": e.occurrences}
            for e in stats.errors.values()
        ],
    }


def _measure(environment) -> None:
    """Wait for every log-in, warm up, reset the statistics, measure, write the figures, stop."""
    runner = environment.runner
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        target = runner.target_user_count or 0
        if target and _logged_in >= target:
            break
        gevent.sleep(0.2)
    else:
        result = {"error": f"only {_logged_in} of {runner.target_user_count} users logged in within 180 s"}
        result["errors"] = [
            {"name": e.name, "error": str(e.error)[:300], "occurrences": e.occurrences}
            for e in environment.stats.errors.values()
        ]
        _write(result)
        runner.quit()
        return
    login_failures = environment.stats.total.num_failures
    gevent.sleep(WARMUP)
    environment.stats.reset_all()
    started = time.monotonic()
    gevent.sleep(MEASURE)
    result = _summary(environment, started)
    result["login_failures"] = login_failures
    _write(result)
    runner.quit()


def _write(result: dict) -> None:
    if RESULT:
        with open(RESULT, "w", encoding="utf-8") as out:
            json.dump(result, out, ensure_ascii=False, indent=1)


@events.test_start.add_listener
def _start_window(environment, **_kwargs) -> None:
    if RESULT and not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(_measure, environment)
