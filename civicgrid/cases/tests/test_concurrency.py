"""Under real concurrency: 50 simultaneous claims have one winner; a sweep killed with SIGKILL
half-way and run again does every due action exactly once; two sweeps at once never double up."""

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections

from civicgrid.cases import services
from civicgrid.cases.choices import CaseStatus
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.core.errors import Conflict
from civicgrid.core.testing import make_user
from civicgrid.notifications.models import Notification
from civicgrid.org.choices import Role

from .conftest import A1_POINT, MONDAY_9AM

ROOT = Path(__file__).resolve().parents[3]
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database shared between threads and processes"
)
pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def many_reports(personas, flow, n: int):
    return [
        services.case_report(
            actor=personas.volunteer,
            channel="rewarded_report",
            category=flow.rewarded,
            description=f"问题 {i}",
            lat=A1_POINT[0],
            lng=A1_POINT[1],
            now=MONDAY_9AM,
        )
        for i in range(n)
    ]


def test_fifty_concurrent_claims_have_exactly_one_winner(personas, flow, tree):
    case = many_reports(personas, flow, 1)[0]
    claimants = [personas.grid_worker_a, personas.community_head_a] + [
        make_user(f"worker_{i}", unit=tree.grid_a1, role=Role.GRID_WORKER) for i in range(48)
    ]
    barrier = threading.Barrier(len(claimants))
    results: list[str] = []

    def claim(user):
        try:
            barrier.wait()
            services.case_claim(case=Case.objects.get(pk=case.pk), actor=user)
            results.append("won")
        except Conflict as error:
            results.append(str(error.message))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(u,)) for u in claimants]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("won") == 1
    holder = Case.objects.select_related("holder").get(pk=case.pk).holder.name
    assert all(r == f"该问题已被“{holder}”领办。" for r in results if r != "won"), set(results)
    assert CaseEvent.objects.filter(case=case, kind="claimed").count() == 1


def _sweep_process(now_iso: str) -> subprocess.Popen:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = os.environ | {"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "civicgrid.settings.test"}
    code = (
        "import django, datetime; django.setup();"
        "import civicgrid.cases.sweep as module; module.BATCH = 20;"  # small batches: a kill lands between them
        "from civicgrid.cases.sweep import sweep;"
        f"print(sweep(now=datetime.datetime.fromisoformat('{now_iso}')), flush=True)"
    )
    return subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


def claim_half(personas, cases):
    """Half the cases were claimed at once (overdue for verification by now: red); the rest waited
    in the centre past the claim limit (due to be dispatched)."""
    held = cases[: len(cases) // 2]
    for case in held:
        services.case_claim(case=case, actor=personas.grid_worker_a, now=MONDAY_9AM)
    return held, cases[len(cases) // 2 :]


def test_a_sweep_killed_half_way_does_every_due_action_exactly_once_after_restart(personas, flow):
    held, waiting = claim_half(personas, many_reports(personas, flow, 600))
    due = MONDAY_9AM + timedelta(hours=60)
    process = _sweep_process(due.isoformat())
    deadline = time.time() + 60
    while time.time() < deadline and Case.objects.filter(status=CaseStatus.DISPATCHED).count() < 40:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    partly = Case.objects.filter(status=CaseStatus.DISPATCHED).count()
    assert 0 < partly < len(waiting), "the sweep should have been killed half-way"
    finished = _sweep_process((due + timedelta(seconds=1)).isoformat())
    assert finished.wait(timeout=120) == 0
    assert Case.objects.filter(status=CaseStatus.DISPATCHED).count() == len(waiting)
    for case in waiting:
        assert CaseEvent.objects.filter(case=case, kind="dispatched").count() == 1
    assert set(Case.objects.filter(red_at__isnull=False).values_list("pk", flat=True)) == {c.pk for c in held}
    assert CaseEvent.objects.filter(kind="red").count() == len(held)
    assert Notification.objects.filter(kind="case.red", user=personas.community_head_a).count() == len(held)


def test_two_sweeps_at_once_do_each_due_action_exactly_once(personas, flow):
    held, waiting = claim_half(personas, many_reports(personas, flow, 400))
    due = MONDAY_9AM + timedelta(hours=60)
    first, second = (
        _sweep_process(due.isoformat()),
        _sweep_process((due + timedelta(microseconds=7)).isoformat()),
    )
    assert first.wait(timeout=120) == 0 and second.wait(timeout=120) == 0
    assert CaseEvent.objects.filter(kind="dispatched").count() == len(waiting)
    assert CaseEvent.objects.filter(kind="red").count() == len(held)
    assert CaseEvent.objects.filter(kind="yellow").count() == len(held)
    assert Notification.objects.filter(kind="case.red", user=personas.street_leader).count() == len(held)
