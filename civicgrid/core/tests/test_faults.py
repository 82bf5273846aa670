"""Faults, for real: the web server killed with SIGKILL under load, the database cut off and back, the
task worker killed in the middle of the sweep. The servers run as subprocesses (gunicorn, Huey's
consumer) against the test database, as in production; the machinery is in faults_support.py.

On SQLite the servers use a file copy of the test database (what they wrote is copied back before the
test looks); the outage tests need a database server reached over TCP and run on PostgreSQL only."""

import http.client
import sys
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import redis
from django.db import connection
from django.utils import timezone
from huey import PriorityRedisHuey, SqliteHuey

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services
from civicgrid.cases.choices import CaseStatus
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.tests import conftest as cases_conftest
from civicgrid.core.testing import record_figure

from .faults_support import (
    Gunicorn,
    SharedDatabase,
    TcpProxy,
    call,
    log_of,
    server_env,
    signed_in_headers,
    wait_for,
)

pytestmark = pytest.mark.django_db(transaction=True)
flow = cases_conftest.flow  # the problem-flow fixture: policies, categories, routing rules
A1_POINT = cases_conftest.A1_POINT
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database server reached over TCP"
)


def report_payload(description: str) -> dict:
    return {
        "category": "municipal",
        "description": description,
        "lat": A1_POINT[0],
        "lng": A1_POINT[1],
        "channel": "visit",
    }


# --------------------------------------------------------------------------- web server killed


@dataclass
class Attempt:
    description: str
    server_start: int  # which gunicorn was up when the request was sent (1: before the kill)
    status: int | None = None  # None: no HTTP answer at all
    body: dict | None = None
    error: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == 201


class Reporters:
    """Threads that send reports as fast as the server takes them, each with its own description, and
    keep what happened to every one of them."""

    def __init__(self, server: Gunicorn, headers: dict[str, str], threads: int):
        self.server = server
        self.headers = headers
        self.attempts: list[Attempt] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(threads)]

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def accepted_from(self, server_start: int) -> int:
        with self._lock:
            return sum(a.accepted and a.server_start == server_start for a in self.attempts)

    def summary(self) -> str:
        with self._lock:
            outcomes = Counter(a.status or a.error for a in self.attempts)
            odd = next((a for a in self.attempts if a.status not in (201, None)), None)
        return f"outcomes so far {dict(outcomes)}" + (f"; e.g. {odd.status} {odd.body}" if odd else "")

    def _run(self, n: int) -> None:
        i = 0
        while not self._stop.is_set():
            i += 1
            attempt = Attempt(description=f"故障演练 {n}-{i}", server_start=self.server.starts)
            try:
                payload = report_payload(attempt.description)
                answer = call(
                    self.server.port, "POST", "/api/v1/cases", headers=self.headers, payload=payload
                )
                attempt.status, attempt.body = answer.status, answer.json()
            except ConnectionRefusedError:
                attempt.error = "refused"  # nothing listened: the request never reached a server
            except (OSError, http.client.HTTPException) as error:
                attempt.error = f"cut: {type(error).__name__}"  # sent, then the server died
            with self._lock:
                self.attempts.append(attempt)
            if attempt.error:
                self._stop.wait(0.01)  # back off a little while the server is down


@pytest.mark.usefixtures("flow")
def test_web_server_killed_under_load_loses_no_accepted_report(processes, personas, tmp_path):
    """gunicorn (2 sync workers) takes reports through the API from 4 clients at once; its master and
    workers are killed with SIGKILL while requests are in flight, it is started again on the same port
    and takes more. Every report answered 201 is in the database with the id and number it was given,
    its deadlines (the timers the sweep acts on), its timeline entry and its audit row. A request cut
    by the kill may or may not have been written (its client was told nothing), but never half: no
    report without its timeline entry and audit row, and no answer other than 201 or none at all."""
    headers = signed_in_headers(personas.grid_worker_a)
    shared = SharedDatabase(tmp_path)  # after every row the servers need
    server = Gunicorn(processes, server_env(shared.url), workers=2)
    server.start()
    with Reporters(server, headers, threads=4) as reporters:
        wait_for(
            lambda: reporters.accepted_from(1) >= 20,
            timeout=30,
            what=lambda: f"20 reports before the kill: {reporters.summary()}\n{server.log()}",
        )
        server.kill()
        server.start()
        wait_for(
            lambda: reporters.accepted_from(2) >= 20,
            timeout=30,
            what=lambda: f"20 reports after the restart: {reporters.summary()}\n{server.log()}",
        )
    attempts = reporters.attempts
    shared.pull()

    unexpected = [(a.description, a.status, a.body) for a in attempts if a.status not in (201, None)]
    assert unexpected == [], "a request got an answer other than 201 (or none)"
    cut = {a.description for a in attempts if a.error.startswith("cut")}
    assert cut, "the kill should have landed while requests were in flight"
    accepted = {a.description: a.body for a in attempts if a.accepted}

    cases = {c.description: c for c in Case.objects.filter(description__startswith="故障演练")}
    missing = sorted(accepted.keys() - cases.keys())
    record_figure("kill -9 under load", reports_sent=len(attempts), accepted=len(accepted), lost=len(missing))
    assert missing == [], f"reports answered 201 are not in the database: {missing}"
    assert cases.keys() - accepted.keys() <= cut, "a report was written that its client never sent"
    for description, body in accepted.items():
        case = cases[description]
        assert (case.pk, case.number) == (body["id"], body["number"])
        assert case.claim_due_at == datetime.fromisoformat(body["claim_due_at"])
        assert case.stage_due_at is not None and case.stage_yellow_at is not None
    events = CaseEvent.objects.filter(case__in=cases.values(), kind="reported")
    assert sorted(events.values_list("case_id", flat=True)) == sorted(c.pk for c in cases.values())
    audited = AuditEvent.objects.filter(object_type="cases.case", details__event="reported")
    assert sorted(int(pk) for pk in audited.values_list("object_id", flat=True)) == sorted(
        c.pk for c in cases.values()
    )


# --------------------------------------------------------------------------- database outage

UNAVAILABLE = "系统暂时无法访问数据库，请稍后再试。"


class Site:
    """What a signed-in person asks of the server: a page, the API's list, a report through the API."""

    def __init__(self, server: Gunicorn, user, timeout: float = 30):
        self.port, self.headers, self.timeout = server.port, signed_in_headers(user), timeout

    def page(self):
        return call(self.port, "GET", "/cases/", headers=self.headers, timeout=self.timeout)

    def api(self):
        return call(self.port, "GET", "/api/v1/cases", headers=self.headers, timeout=self.timeout)

    def report(self, description: str):
        payload = report_payload(description)
        return call(
            self.port, "POST", "/api/v1/cases", headers=self.headers, timeout=self.timeout, payload=payload
        )


def assert_unavailable(page, *api_answers) -> None:
    """The 503 of core.middleware.DatabaseUnavailableMiddleware: a page for people, JSON for the API."""
    assert page.status == 503, page.text
    assert UNAVAILABLE in page.text and "<title>暂时无法访问</title>" in page.text
    assert page.headers["Retry-After"] == "30"
    for answer in api_answers:
        assert answer.status == 503, answer.text
        assert answer.json()["code"] == "service_unavailable"
        assert UNAVAILABLE in answer.json()["message"]
        assert answer.headers["Retry-After"] == "30"


@pytest.fixture
def proxied(processes, personas, flow, tmp_path):
    """gunicorn reaching PostgreSQL through a TcpProxy the test can cut, with one sync worker: the one
    whose connection the outage breaks is the one that answers the next request."""
    shared = SharedDatabase(tmp_path)
    proxy = TcpProxy((shared.host, shared.port))
    proxy.start()
    try:
        server = Gunicorn(processes, server_env(shared.url_via("127.0.0.1", proxy.port)), workers=1)
        server.start()
        yield server, proxy
    finally:
        proxy.close()


@postgres_only
def test_a_database_outage_answers_503_and_the_platform_recovers_by_itself(proxied, personas):
    """The proxy between gunicorn and PostgreSQL is cut (every connection closed, new ones refused),
    then restored. While the database is gone, a page answers 503 with the Chinese message, the API
    503 with {"code": "service_unavailable"}, both with Retry-After, and a report is refused, not half
    taken; once the database is back, the very next requests succeed, with nothing restarted.

    A gunicorn subprocess rather than pytest-django's live_server: its worker keeps its database
    connection between requests (CONN_MAX_AGE, health checks) as in production, so the outage breaks
    a connection in use; and only the server goes through the proxy, not this test."""
    server, proxy = proxied
    worker = Site(server, personas.grid_worker_a)
    assert worker.page().status == 200
    assert worker.api().status == 200
    assert worker.report("停电前").status == 201
    connections_before = proxy.accepted

    proxy.cut()
    assert_unavailable(worker.page(), worker.api(), worker.report("停电中"))
    assert_unavailable(call(server.port, "GET", "/healthz"))  # what a load balancer sees

    proxy.restore()
    assert worker.page().status == 200
    assert worker.api().status == 200
    assert worker.report("来电后").status == 201
    assert proxy.accepted > connections_before, "the server should have connected again"
    assert sorted(Case.objects.values_list("description", flat=True)) == ["停电前", "来电后"]


@postgres_only
def test_during_an_outage_a_session_not_yet_read_by_the_server_also_gets_503(proxied, personas):
    """The same outage, seen by someone whose session this web worker has not cached yet: the session
    and the account are then read from the database by the middleware, before any view. In production
    that is every request on PostgreSQL without Redis (SHARED_CACHE off: sessions in the database), and
    otherwise any worker started, or any cache entry dropped, during the outage."""
    server, proxy = proxied
    assert Site(server, personas.grid_worker_a).page().status == 200  # the server is up and connected
    head = Site(server, personas.community_head_a)

    proxy.cut()
    assert_unavailable(head.page(), head.api())

    proxy.restore()
    assert head.page().status == 200
    assert head.api().status == 200


@postgres_only
def test_a_database_that_does_not_answer_gives_503_within_seconds(proxied, personas):
    """The database stops answering instead of refusing: a host down behind a firewall that drops
    packets, a pooler whose server is gone. Here the proxy closes every connection, then listens
    without ever answering. A page must still answer 503 within seconds (and the platform recover when
    the database is back), not hang a web worker until gunicorn's timeout kills it — with every worker
    stuck that way, the whole site hangs."""
    server, proxy = proxied
    worker = Site(server, personas.grid_worker_a, timeout=12)
    assert worker.page().status == 200

    proxy.black_hole()
    try:
        page = worker.page()
    except TimeoutError:
        page = None
    assert page is not None, "no answer within 12 s: the web worker hangs connecting to the database"
    assert_unavailable(page)

    proxy.cut()
    proxy.restore()
    assert worker.page().status == 200


# --------------------------------------------------------------------------- task worker killed

# The project's consumer (manage.py run_huey), with small sweep batches so that the kill lands between
# two of them, as in cases/tests/test_concurrency.py.
CONSUMER = (
    "import django; django.setup();"
    "import civicgrid.cases.sweep as sweep; sweep.BATCH = 20;"
    "from django.core.management import call_command; call_command('run_huey')"
)
LOCKED = "unable to acquire lock cases-sweep"
FAILED = "Unhandled exception in task"


class SweepSkipped(AssertionError):
    """The worker started again skipped the sweep: the killed worker's lock on it was still held."""


def assert_no_task_failed(worker) -> None:
    if FAILED in log_of(worker, lines=None):
        pytest.fail(f"a task failed in the worker:\n{log_of(worker, lines=25)}", pytrace=False)


@pytest.fixture(params=["sqlite", "redis"])
def task_queue(request, tmp_path):
    """The environment of a worker on each storage Huey has in production, and that storage seen from
    here; it is emptied afterwards (on Redis, only the keys under this test's own name)."""
    name = f"civicgrid-faults-{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        path = str(tmp_path / "huey.sqlite3")
        queue, extra = SqliteHuey(name, filename=path), {"HUEY_SQLITE_PATH": path}
    else:
        url = "redis://127.0.0.1:6379/0"
        queue, extra = PriorityRedisHuey(name, url=url), {"REDIS_URL": url}
        try:
            queue.storage.conn.ping()
        except redis.ConnectionError:
            pytest.skip(f"Redis does not answer at {url}")
    yield extra | {"FAULTS_HUEY_NAME": name, "DJANGO_SETTINGS_MODULE": "civicgrid.core.tests.faults_settings"}
    queue.storage.flush_all()


def test_a_worker_killed_in_the_middle_of_the_sweep_loses_no_timer(
    processes, task_queue, personas, flow, tmp_path
):
    """The task worker (Huey's consumer, as run in production) starts the sweep on start-up and is
    killed with SIGKILL half-way through it. Started again, it runs the sweep again and every overdue
    claim is dispatched, exactly once: the deadlines are rows in the database, so a killed worker loses
    none of them, provided that the next worker does run the sweep.

    (The sweep itself killed half-way and run again is covered by cases/tests/test_concurrency.py;
    this test adds the real worker process and its queue's lock around the sweep.)"""
    reported = timezone.now() - timedelta(days=3)  # past the 4-hour claim limit of the rewarded policy
    for i in range(400):
        services.case_report(
            actor=personas.volunteer,
            channel="rewarded_report",
            category=flow.rewarded,
            description=f"问题 {i}",
            lat=A1_POINT[0],
            lng=A1_POINT[1],
            now=reported,
        )
    shared = SharedDatabase(tmp_path)
    dispatched = Case.objects.filter(status=CaseStatus.DISPATCHED)
    env = server_env(shared.url, **task_queue)

    def sweep_ended(worker) -> bool:
        log = log_of(worker, lines=None)
        return shared.count(dispatched) == 400 or LOCKED in log or FAILED in log

    first = processes.spawn([sys.executable, "-c", CONSUMER], env=env, log_name="worker-1.log")
    wait_for(
        lambda: shared.count(dispatched) >= 40 or FAILED in log_of(first, lines=None),
        timeout=60,
        what=lambda: f"the sweep to start:\n{log_of(first)}",
    )
    assert_no_task_failed(first)
    processes.kill(first)
    partly = shared.count(dispatched)
    assert 0 < partly < 400, "the worker should have been killed half-way through the sweep"

    second = processes.spawn([sys.executable, "-c", CONSUMER], env=env, log_name="worker-2.log")
    wait_for(lambda: sweep_ended(second), timeout=60, what=lambda: f"the sweep to end:\n{log_of(second)}")
    if LOCKED in log_of(second, lines=None):
        raise SweepSkipped(f"{partly} of 400 dispatched, and the sweep did not run again:\n{log_of(second)}")
    assert_no_task_failed(second)
    assert shared.count(dispatched) == 400
    processes.kill(second)
    shared.pull()
    assert CaseEvent.objects.filter(kind="dispatched").count() == 400
    assert set(CaseEvent.objects.filter(kind="dispatched").values_list("case_id", flat=True)) == set(
        Case.objects.values_list("pk", flat=True)
    )
