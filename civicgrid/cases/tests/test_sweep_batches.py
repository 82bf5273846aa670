"""The sweep moves overdue cases in groups — one compare-and-set UPDATE per group of cases that get
the same new values — and writes timeline entries, audit rows and messages only for the cases it won."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services
from civicgrid.cases import sweep as sweep_module
from civicgrid.cases.choices import CaseStatus, EventKind
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.sweep import sweep
from civicgrid.cases.workflow import InvalidTransition
from civicgrid.notifications.models import Notification

from .conftest import A1_POINT, MONDAY_9AM

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def report(personas, flow, category, *, actor=None, now=MONDAY_9AM):
    return services.case_report(
        actor=actor or personas.grid_worker_a,
        channel="visit",
        category=category,
        description="问题",
        lat=A1_POINT[0],
        lng=A1_POINT[1],
        now=now,
    )


def fresh(case):
    return Case.objects.get(pk=case.pk)


def case_updates(queries) -> int:
    return sum(q["sql"].startswith('UPDATE "cases_case"') for q in queries.captured_queries)


def test_overdue_cases_are_dispatched_in_groups_and_each_is_written_once(personas, flow, tree):
    rewarded = [report(personas, flow, flow.rewarded, actor=personas.volunteer) for _ in range(6)]
    municipal = [report(personas, flow, flow.ordinary) for _ in range(4)]
    suggestions = [report(personas, flow, flow.suggestion) for _ in range(3)]
    now = MONDAY_9AM + 25 * H
    with CaptureQueriesContext(connection) as queries:
        done = sweep(now=now)
    assert done["dispatched"] == 13
    # Three groups (rewarded → the community, municipal → the department, no rule → the queue),
    # then the yellow and red marks.
    assert case_updates(queries) == 3 + 2
    for case in rewarded + municipal:
        case = fresh(case)
        assert case.status == CaseStatus.DISPATCHED
        assert case.assigned_at == now and case.claim_due_at is None
        assert list(case.events.values_list("kind", flat=True)) == [EventKind.REPORTED, EventKind.DISPATCHED]
    assert {fresh(c).holder for c in rewarded} == {tree.community_a}
    assert {fresh(c).holder for c in municipal} == {tree.department}
    # The deadlines of a first assignment now: verification 24 h (yellow at 75 %), resolution 48 h.
    one = fresh(rewarded[0])
    assert (one.verify_due_at, one.resolve_due_at, one.dispute_due_at) == (
        now + 24 * H,
        now + 48 * H,
        now + 24 * H,
    )
    assert (one.stage_started_at, one.stage_due_at, one.stage_yellow_at) == (now, now + 24 * H, now + 18 * H)
    assert fresh(municipal[0]).dispute_due_at is None
    for case in suggestions:
        assert fresh(case).status == CaseStatus.DISPATCHER_QUEUE
        assert fresh(case).events.filter(kind=EventKind.QUEUED).count() == 1
    dispatched_audit = AuditEvent.objects.filter(details__event=EventKind.DISPATCHED)
    assert dispatched_audit.count() == 10
    assert Notification.objects.filter(user=personas.community_head_a, kind="case.assigned").count() == 6
    assert Notification.objects.filter(user=personas.dispatcher, kind="case.queue").count() == 3
    assert sweep(now=now + timedelta(seconds=1))["dispatched"] == 0
    assert CaseEvent.objects.filter(kind=EventKind.DISPATCHED).count() == 10


def test_a_returned_case_dispatched_by_the_sweep_keeps_its_deadlines(personas, flow, tree):
    case = report(personas, flow, flow.ordinary)
    case = services.case_claim(case=case, actor=personas.grid_worker_a, now=MONDAY_9AM + H)
    verify_due, resolve_due = case.verify_due_at, case.resolve_due_at
    services.case_return(
        case=case, actor=personas.grid_worker_a, reason="wrong_place", now=MONDAY_9AM + 2 * H
    )
    others = [report(personas, flow, flow.ordinary, now=MONDAY_9AM + 2 * H) for _ in range(2)]
    now = MONDAY_9AM + 27 * H
    assert sweep(now=now)["dispatched"] == 3
    case = fresh(case)
    assert (case.status, case.holder) == (CaseStatus.DISPATCHED, tree.department)
    assert (case.assigned_at, case.verify_due_at, case.resolve_due_at) == (
        MONDAY_9AM + H,
        verify_due,
        resolve_due,
    )
    assert all(fresh(c).assigned_at == now for c in others)


def test_a_group_move_wins_only_the_cases_still_in_their_status(personas, flow, tree):
    cases = [report(personas, flow, flow.ordinary) for _ in range(3)]
    services.case_claim(case=fresh(cases[1]), actor=personas.grid_worker_a, now=MONDAY_9AM + H)
    won = services.cases_move(
        cases, action="dispatch", to=CaseStatus.DISPATCHED, holder=tree.department, holder_user=None
    )
    assert won == {cases[0].pk, cases[2].pk}
    assert fresh(cases[1]).status == CaseStatus.CLAIMED
    assert fresh(cases[1]).holder == tree.grid_a1
    assert {fresh(c).holder for c in (cases[0], cases[2])} == {tree.department}


def test_a_group_move_follows_the_state_machine(personas, flow):
    cases = [report(personas, flow, flow.ordinary) for _ in range(2)]
    with pytest.raises(ValueError):
        services.cases_move(cases, action="dispatch", to=CaseStatus.CLOSED)
    with pytest.raises(InvalidTransition):
        services.cases_move(cases, action="resolve", to=CaseStatus.RESOLVED)
    assert {fresh(c).status for c in cases} == {CaseStatus.AWAITING_CLAIM}


def test_a_case_dispatched_after_the_sweep_read_it_does_not_turn_yellow(personas, flow, tree, monkeypatch):
    case = report(personas, flow, flow.ordinary)  # claim limit 24 h, yellow after 18 h
    now = MONDAY_9AM + 19 * H
    update = sweep_module.update_returning_ids

    def dispatched_meanwhile(cases, **fields):
        if "yellow_notified_at" in fields:  # another worker, or the dispatcher, got there first
            services.case_dispatch(
                case=fresh(case), target=tree.department, actor=personas.dispatcher, now=now
            )
        return update(cases, **fields)

    monkeypatch.setattr(sweep_module, "update_returning_ids", dispatched_meanwhile)
    assert sweep(now=now) == {"dispatched": 0, "yellow": 0, "red": 0}
    case = fresh(case)
    assert (case.status, case.yellow_notified_at) == (CaseStatus.DISPATCHED, None)
    assert not case.events.filter(kind=EventKind.YELLOW).exists()
    assert not Notification.objects.filter(kind="case.yellow").exists()


def test_the_sweep_sends_as_many_queries_for_nine_cases_as_for_three(personas, flow):
    def overdue(n, at):
        cases = [report(personas, flow, flow.rewarded, actor=personas.volunteer, now=at) for _ in range(n)]
        for case in cases[: n // 3]:  # held ones turn yellow, then red
            services.case_claim(case=case, actor=personas.grid_worker_a, now=at)
        return at + 30 * H

    counts = []
    for n, at in ((3, MONDAY_9AM), (9, MONDAY_9AM + 40 * H)):
        now = overdue(n, at)
        with CaptureQueriesContext(connection) as queries:
            done = sweep(now=now)
        assert done["dispatched"] == n - n // 3 and done["red"] >= n // 3  # (and the first ones, later)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
