"""Under real concurrency: people claim cases while a sweep dispatches the same overdue cases in
groups; every case ends either claimed or dispatched, never both, with one timeline entry."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections

from civicgrid.cases import services
from civicgrid.cases.choices import CaseStatus, EventKind
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.core.errors import Conflict
from civicgrid.notifications.models import Notification

from .conftest import MONDAY_9AM
from .test_concurrency import _sweep_process, many_reports

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs a database shared between threads and processes"
)
pytestmark = [pytest.mark.django_db(transaction=True), postgres_only]


def test_claims_racing_a_sweep_each_case_is_claimed_or_dispatched_exactly_once(personas, flow, tree):
    cases = many_reports(personas, flow, 300)
    due = MONDAY_9AM + timedelta(hours=5)
    results: dict[int, str] = {}

    def claim(batch):
        try:
            for case in batch:
                try:
                    services.case_claim(
                        case=Case.objects.get(pk=case.pk), actor=personas.grid_worker_a, now=due
                    )
                    results[case.pk] = "won"
                except Conflict:
                    results[case.pk] = "lost"
        finally:
            connections.close_all()

    process = _sweep_process(due.isoformat())
    deadline = time.time() + 60
    while time.time() < deadline and not Case.objects.filter(status=CaseStatus.DISPATCHED).exists():
        time.sleep(0.01)
    # From both ends while the sweep goes on: some claims come before it reaches a case, some after.
    threads = [threading.Thread(target=claim, args=(b,)) for b in (cases[::2], list(reversed(cases[1::2])))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert process.wait(timeout=120) == 0
    claimed = {pk for pk, result in results.items() if result == "won"}
    assert len(results) == len(cases)
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]).select_related("holder"):
        kinds = list(
            case.events.filter(kind__in=[EventKind.CLAIMED, EventKind.DISPATCHED]).values_list(
                "kind", flat=True
            )
        )
        if case.pk in claimed:
            assert (case.status, case.holder, kinds) == (
                CaseStatus.CLAIMED,
                tree.grid_a1,
                [EventKind.CLAIMED],
            )
        else:
            assert (case.status, case.holder, kinds) == (
                CaseStatus.DISPATCHED,
                tree.community_a,
                [EventKind.DISPATCHED],
            )
    dispatched = len(cases) - len(claimed)
    assert CaseEvent.objects.filter(kind=EventKind.DISPATCHED).count() == dispatched
    assert (
        Notification.objects.filter(kind="case.assigned", user=personas.community_head_a).count()
        == dispatched
    )
