"""Two task workers at once, as in production (M Huey consumers on one Redis queue): each one enqueues
the periodic tasks when it starts, so both run the problem-flow sweep; the sweep is then enqueued twice
more and the two workers take it at the same moment. Every due action happens exactly once: one
timeline entry, one audit row and one message per case, transition and recipient.

Real `manage.py run_huey` processes against the test database (PostgreSQL: the workers must reach it
over TCP) and Redis (database 13) under a queue name of the test's own; skipped when either does not
answer. The consumers' machinery (process groups, logs) is in faults_support.py, their settings in
faults_settings.py (the test settings, with the production queue)."""

import os
import sys
import uuid
from collections import Counter
from datetime import timedelta

import pytest
import redis
from django.db import connection
from django.utils import timezone
from huey import PriorityRedisHuey

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services
from civicgrid.cases.choices import CaseStatus
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.tests import conftest as cases_conftest
from civicgrid.notifications.models import Notification

from .faults_support import ROOT, SharedDatabase, log_of, server_env, wait_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database server reached over TCP"),
]
flow = cases_conftest.flow  # the problem-flow fixture: policies, categories, routing rules
A1_POINT = cases_conftest.A1_POINT
# Database 13 of the Redis the suite uses (TEST_REDIS_URL: the one CI starts when none answers on 6379).
REDIS_URL = f"{os.environ.get('TEST_REDIS_URL', 'redis://127.0.0.1:6379').rstrip('/')}/13"
SWEEP = "civicgrid.cases.tasks.sweep_cases"
LOCKED = "unable to acquire lock cases-sweep"
FAILED = "Unhandled exception in task"


@pytest.fixture
def queue_env():
    """The environment of a worker on its own queue in Redis; only that queue's keys are removed
    afterwards (queue, schedule, results and locks under its name)."""
    name = f"civicgrid-periodic-{uuid.uuid4().hex[:8]}"
    queue = PriorityRedisHuey(name, url=REDIS_URL)
    try:
        queue.storage.conn.ping()
    except redis.ConnectionError:
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    yield {
        "REDIS_URL": REDIS_URL,
        "FAULTS_HUEY_NAME": name,
        "DJANGO_SETTINGS_MODULE": "civicgrid.core.tests.faults_settings",
    }
    queue.storage.flush_all()


def report(personas, flow, description: str, at):
    return services.case_report(
        actor=personas.volunteer,
        channel="rewarded_report",
        category=flow.rewarded,
        description=description,
        lat=A1_POINT[0],
        lng=A1_POINT[1],
        now=at,
    )


def sweeps_ended(workers) -> int:
    """Sweeps the workers have finished or skipped for the lock (from their logs)."""
    logs = [log_of(w, lines=None) for w in workers]
    return sum(
        log.count(LOCKED) + sum(SWEEP in line and "executed in" in line for line in log.splitlines())
        for log in logs
    )


def assert_no_task_failed(workers) -> None:
    for worker in workers:
        if FAILED in log_of(worker, lines=None):
            pytest.fail(f"a task failed in a worker:\n{log_of(worker, lines=30)}", pytrace=False)


def assert_exactly_once(waiting, held, personas) -> None:
    """Each waiting case dispatched once; each held case yellow once and red once; one audit row per
    state change; one message per case, kind and recipient, and the recipients the rules name."""
    events = Counter(
        CaseEvent.objects.filter(kind__in=["dispatched", "yellow", "red"]).values_list("case", "kind")
    )
    expected = Counter({(c.pk, "dispatched"): 1 for c in waiting})
    expected |= Counter({(c.pk, kind): 1 for c in held for kind in ("yellow", "red")})
    assert events == expected
    audit = Counter(
        (int(object_id), details["event"])
        for object_id, details in AuditEvent.objects.filter(object_type="cases.case").values_list(
            "object_id", "details"
        )
        if details.get("event") in ("dispatched", "red")
    )
    assert audit == Counter({(c.pk, "dispatched"): 1 for c in waiting} | {(c.pk, "red"): 1 for c in held})
    messages = Counter(
        Notification.objects.filter(kind__in=["case.assigned", "case.yellow", "case.red"]).values_list(
            "url", "kind", "user"
        )
    )
    assert set(messages.values()) == {1}, [m for m, n in messages.items() if n > 1]
    by_case = Counter((url, kind) for url, kind, _user in messages)
    for case in waiting:
        assert by_case[(case.get_absolute_url(), "case.assigned")] >= 1
    red_to = {personas.community_head_a.pk, personas.street_leader.pk}
    for case in held:
        url = case.get_absolute_url()
        assert {u for (m_url, kind, u) in messages if m_url == url and kind == "case.red"} >= red_to
        assert {u for (m_url, kind, u) in messages if m_url == url and kind == "case.yellow"} == {
            personas.grid_worker_a.pk
        }


def test_two_consumers_run_the_periodic_sweep_and_each_due_action_happens_once(
    processes, queue_env, personas, flow, tmp_path
):
    # Three days ago: past the 4-hour claim limit (waiting) and the 24-hour verification (held: red,
    # and yellow before it); reported just now: nothing due.
    ago = timezone.now() - timedelta(days=3)
    cases = [report(personas, flow, f"问题 {i}", ago) for i in range(160)]
    held, waiting = cases[:80], cases[80:]
    for case in held:
        services.case_claim(case=case, actor=personas.grid_worker_a, now=ago)
    fresh = [report(personas, flow, f"新问题 {i}", timezone.now()) for i in range(5)]
    assert not CaseEvent.objects.filter(kind__in=["dispatched", "yellow", "red"]).exists()

    shared = SharedDatabase(tmp_path)
    env = server_env(shared.url, **queue_env)
    command = [sys.executable, str(ROOT / "manage.py"), "run_huey"]
    workers = [processes.spawn(command, env=env, log_name=f"worker-{i}.log") for i in (1, 2)]

    # Each consumer enqueues the periodic tasks as it starts: two sweeps on the shared queue.
    wait_for(
        lambda: all(f"Enqueueing periodic task {SWEEP}" in log_of(w, lines=None) for w in workers),
        timeout=45,
        what=lambda: "both workers to start:\n" + "\n".join(log_of(w) for w in workers),
    )
    wait_for(
        lambda: sweeps_ended(workers) >= 2 or FAILED in "".join(log_of(w, lines=None) for w in workers),
        timeout=45,
        what=lambda: "the two sweeps to end:\n" + "\n".join(log_of(w) for w in workers),
    )
    assert_no_task_failed(workers)
    assert Case.objects.filter(pk__in=[c.pk for c in waiting], status=CaseStatus.DISPATCHED).count() == 80
    assert_exactly_once(waiting, held, personas)

    # More cases fall due; the sweep is enqueued twice at once, as two schedulers would, and the two
    # idle workers take one each.
    late = [report(personas, flow, f"又一问题 {i}", ago) for i in range(40)]
    before = sweeps_ended(workers)
    enqueue = "from civicgrid.cases.tasks import sweep_cases; sweep_cases(); sweep_cases()"
    processes.spawn(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", enqueue], env=env, log_name="enqueue.log"
    )
    wait_for(
        lambda: sweeps_ended(workers) >= before + 2,
        timeout=45,
        what=lambda: "the two sweeps to end:\n" + "\n".join(log_of(w) for w in workers),
    )
    assert_no_task_failed(workers)
    assert_exactly_once(waiting + late, held, personas)
    assert not CaseEvent.objects.filter(case__in=fresh).exclude(kind="reported").exists()
    assert all(w.poll() is None for w in workers), "a worker died"
