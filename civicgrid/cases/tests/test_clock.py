"""Time limits and lights, moved with time-machine: the rewarded-report clock, working days across
a national holiday, returns, pauses, and the sweep that acts on what became due."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicgrid.cases import services, sla
from civicgrid.cases.choices import CaseStatus, EventKind, Light
from civicgrid.cases.models import CalendarDay, Case
from civicgrid.cases.sweep import sweep
from civicgrid.core.errors import Forbidden
from civicgrid.notifications.models import Notification

from .conftest import A1_POINT, MONDAY_9AM, SHANGHAI

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


def rewarded_report(personas, flow, now=MONDAY_9AM):
    return services.case_report(
        actor=personas.volunteer,
        channel="rewarded_report",
        category=flow.rewarded,
        description="垃圾堆积",
        lat=A1_POINT[0],
        lng=A1_POINT[1],
        now=now,
    )


def fresh(case):
    return Case.objects.get(pk=case.pk)


def test_rewarded_report_clock_end_to_end(personas, flow, tree):
    t0 = MONDAY_9AM
    case = rewarded_report(personas, flow, t0)
    # Claim limit 4 h; yellow at 75 % (3 h).
    assert sla.light(case, t0 + 2.9 * H) == Light.GREEN
    assert sla.light(case, t0 + 3 * H) == Light.YELLOW
    assert sla.light(case, t0 + 4 * H) == Light.RED
    assert sweep(now=t0 + 3.9 * H) == {"dispatched": 0, "yellow": 1, "red": 0}
    # Nobody claimed within 4 h: dispatched to the community of the place by the routing rule.
    assert sweep(now=t0 + 4 * H)["dispatched"] == 1
    case = fresh(case)
    assert (case.status, case.holder) == (CaseStatus.DISPATCHED, tree.community_a)
    # The community verifies within 24 h of the dispatch and resolves within 48 h.
    t1 = t0 + 4 * H
    assert case.verify_due_at == t1 + 24 * H
    assert case.resolve_due_at == t1 + 48 * H
    assert case.dispute_due_at == t1 + 24 * H
    assert sla.light(case, t1 + 17 * H) == Light.GREEN
    assert sla.light(case, t1 + 18 * H) == Light.YELLOW
    case = services.case_verify(case=case, actor=personas.community_head_a, now=t1 + 20 * H)
    assert case.stage_due_at == t1 + 48 * H
    assert sla.light(case, t1 + 35.9 * H) == Light.GREEN  # 75 % of 48 h from the dispatch = 36 h
    assert sla.light(case, t1 + 36 * H) == Light.YELLOW
    assert sla.light(case, t1 + 48 * H) == Light.RED
    sweep(now=t1 + 49 * H)
    case = fresh(case)
    assert case.red_at == t1 + 49 * H
    # Red stays until the case is done, even after the resolution.
    assert Notification.objects.filter(kind="case.red", user=personas.community_head_a).count() == 1
    assert Notification.objects.filter(kind="case.red", user=personas.street_leader).count() == 1
    case = services.case_resolve(case=case, actor=personas.community_head_a, note="已清理", now=t1 + 50 * H)
    assert sla.light(case, t1 + 50 * H) == Light.RED
    case = services.case_close(case=case, actor=personas.dispatcher, now=t1 + 51 * H)
    assert sla.light(case, t1 + 51 * H) == Light.NONE


def test_a_dispute_within_24_hours_is_accepted_and_reviewed(personas, flow):
    case = services.case_claim(
        case=rewarded_report(personas, flow), actor=personas.community_head_a, now=MONDAY_9AM + H
    )
    case = services.case_dispute(
        case=case, actor=personas.community_head_a, note="现场无垃圾", now=MONDAY_9AM + 24 * H
    )
    assert case.status == CaseStatus.DISPUTED
    with pytest.raises(Forbidden):
        services.dispute_review(case=case, actor=personas.grid_worker_a, upheld=True, note="x")
    case = services.dispute_review(
        case=case, actor=personas.department_staff, upheld=False, note="照片属实", now=MONDAY_9AM + 26 * H
    )
    assert case.status == CaseStatus.CLAIMED  # the clock went on all along
    assert case.resolve_due_at == MONDAY_9AM + 49 * H


def test_an_upheld_dispute_closes_the_report_as_invalid(personas, flow):
    case = services.case_claim(case=rewarded_report(personas, flow), actor=personas.grid_worker_a)
    case = services.case_dispute(case=case, actor=personas.grid_worker_a, note="不实")
    case = services.dispute_review(case=case, actor=personas.department_staff, upheld=True, note="核实不实")
    assert (case.status, case.outcome, case.is_valid_report) == (CaseStatus.CLOSED, "invalid", False)


def test_a_dispute_after_24_hours_is_refused(personas, flow):
    case = services.case_claim(
        case=rewarded_report(personas, flow), actor=personas.grid_worker_a, now=MONDAY_9AM + H
    )
    with pytest.raises(ValidationError) as error:
        services.case_dispute(
            case=case,
            actor=personas.grid_worker_a,
            note="不实",
            now=MONDAY_9AM + 25 * H + 1 * timedelta(seconds=1),
        )
    assert "异议期已过" in error.value.message_dict["note"][0]
    assert fresh(case).status == CaseStatus.CLAIMED


def test_working_days_skip_national_day_and_count_the_make_up_saturday(personas, flow):
    """7 working days from Tue 2026-09-29 10:00: 29–30 Sep, (1–7 Oct holiday), 8, 9 Oct, Sat 10 Oct (调休),
    (Sun 11 Oct), 12, 13 Oct — due Wed 14 Oct 10:00."""
    for day in range(1, 8):
        CalendarDay.objects.create(date=date(2026, 10, day), is_workday=False, note="国庆节")
    CalendarDay.objects.create(date=date(2026, 10, 10), is_workday=True, note="国庆节调休")
    start = datetime(2026, 9, 29, 10, 0, tzinfo=SHANGHAI)
    due = sla.add_hours(start, 7 * 24, working_days=True)
    assert due == datetime(2026, 10, 14, 10, 0, tzinfo=SHANGHAI)
    without_make_up = CalendarDay.objects.filter(date="2026-10-10")
    without_make_up.update(is_workday=False)
    assert sla.add_hours(start, 7 * 24, working_days=True) == datetime(2026, 10, 15, 10, 0, tzinfo=SHANGHAI)
    without_make_up.update(is_workday=True)
    assert sla.working_between(start, due, working_days=True) == timedelta(days=7)
    case = services.case_report(
        actor=personas.grid_worker_a,
        channel="visit",
        category=flow.ordinary,
        description="井盖缺失",
        lat=A1_POINT[0],
        lng=A1_POINT[1],
        now=start,
    )
    case = services.case_claim(case=case, actor=personas.grid_worker_a, now=start)
    assert case.resolve_due_at == due
    assert case.verify_due_at == start + 24 * H  # verification is plain hours


def test_the_calendar_is_seeded_from_chinesecalendar(db):
    assert sla.seed_calendar(2026) > 0
    assert CalendarDay.objects.get(date="2026-10-01").is_workday is False
    assert CalendarDay.objects.get(date="2026-10-10").is_workday is True
    assert sla.calendar_known(2026)
    assert sla.seed_calendar(2099) == 0  # the package does not know it yet: weekdays rule, admins warned


def test_the_return_limit_sends_the_case_to_the_dispatcher_and_the_clock_keeps_running(personas, flow, tree):
    case = rewarded_report(personas, flow)
    case = services.case_claim(case=case, actor=personas.grid_worker_a, now=MONDAY_9AM + H)
    first_due = case.resolve_due_at
    for n in range(1, 3):
        case = services.case_return(
            case=case, actor=personas.grid_worker_a, reason="wrong_place", now=MONDAY_9AM + (n + 1) * H
        )
        assert case.status == CaseStatus.AWAITING_CLAIM
        case = services.case_claim(case=case, actor=personas.grid_worker_a, now=MONDAY_9AM + (n + 1) * H)
        assert case.resolve_due_at == first_due
    with pytest.raises(ValidationError):
        services.case_return(case=case, actor=personas.grid_worker_a, reason="because")
    case = services.case_return(
        case=case, actor=personas.grid_worker_a, reason="not_our_duty", now=MONDAY_9AM + 5 * H
    )
    assert (case.status, case.return_count, case.needs_binding_decision) == (
        CaseStatus.DISPATCHER_QUEUE,
        3,
        True,
    )
    assert case.returns.count() == 3
    case = services.case_dispatch(
        case=case, actor=personas.dispatcher, target=tree.community_a, now=MONDAY_9AM + 6 * H
    )
    assert case.resolve_due_at == first_due
    assert not case.needs_binding_decision


def test_a_pause_stops_the_clock_and_resumes_it_exactly(personas, flow):
    case = services.case_claim(
        case=rewarded_report(personas, flow), actor=personas.grid_worker_a, now=MONDAY_9AM
    )
    case = services.case_verify(case=case, actor=personas.grid_worker_a, now=MONDAY_9AM + H)
    due = case.resolve_due_at
    request = services.extension_request(
        case=case, actor=personas.grid_worker_a, kind="pause", reason="等待供电公司", now=MONDAY_9AM + 2 * H
    )
    with pytest.raises(Forbidden):
        services.extension_decide(request=request, actor=personas.grid_worker_a, approve=True)
    services.extension_decide(
        request=request, actor=personas.community_head_a, approve=True, now=MONDAY_9AM + 3 * H
    )
    case = fresh(case)
    assert sla.light(case, due + 10 * H) == Light.PAUSED
    assert sweep(now=due + 10 * H)["red"] == 0
    case = services.case_resume(case=case, actor=personas.grid_worker_a, now=MONDAY_9AM + 3 * H + 30 * H)
    assert case.resolve_due_at == due + 30 * H
    assert case.paused_seconds == 30 * 3600


def test_an_approved_extension_moves_the_resolution_deadline(personas, flow):
    case = services.case_claim(
        case=rewarded_report(personas, flow), actor=personas.grid_worker_a, now=MONDAY_9AM
    )
    case = services.case_verify(case=case, actor=personas.grid_worker_a, now=MONDAY_9AM + H)
    due = case.resolve_due_at
    request = services.extension_request(
        case=case, actor=personas.grid_worker_a, kind="extension", hours=24, reason="需要采购材料"
    )
    services.extension_decide(request=request, actor=personas.dispatcher, approve=True)
    assert fresh(case).resolve_due_at == due + 24 * H
    with pytest.raises(ValidationError):
        services.extension_request(
            case=fresh(case), actor=personas.grid_worker_a, kind="extension", hours=0, reason="x"
        )


def test_the_sweep_twice_changes_nothing_more_and_sends_nothing_twice(personas, flow):
    cases = [rewarded_report(personas, flow) for _ in range(3)]
    services.case_claim(case=cases[0], actor=personas.grid_worker_a, now=MONDAY_9AM)
    later = MONDAY_9AM + 30 * H
    first = sweep(now=later)
    assert first["dispatched"] == 2
    events = list(Case.objects.values_list("pk", "status", "red_at", "yellow_notified_at"))
    notifications = Notification.objects.count()
    assert sweep(now=later) == {"dispatched": 0, "yellow": 0, "red": 0}
    assert sweep(now=later + timedelta(seconds=30)) == {"dispatched": 0, "yellow": 0, "red": 0}
    assert list(Case.objects.values_list("pk", "status", "red_at", "yellow_notified_at")) == events
    assert Notification.objects.count() == notifications


def test_a_case_with_no_routing_rule_lands_in_the_dispatchers_queue(personas, flow):
    case = services.case_report(
        actor=personas.grid_worker_a,
        channel="visit",
        category=flow.suggestion,
        description="建议增设座椅",
        lat=A1_POINT[0],
        lng=A1_POINT[1],
        now=MONDAY_9AM,
    )
    sweep(now=MONDAY_9AM + 25 * H)
    assert fresh(case).status == CaseStatus.DISPATCHER_QUEUE
    assert Notification.objects.filter(user=personas.dispatcher, kind="case.queue").exists()
    assert fresh(case).events.filter(kind=EventKind.QUEUED).exists()


def test_yellow_notifies_the_holder_once(personas, flow):
    case = services.case_claim(
        case=rewarded_report(personas, flow), actor=personas.grid_worker_a, now=MONDAY_9AM
    )
    with time_machine.travel(MONDAY_9AM + 19 * H, tick=False):
        sweep(now=MONDAY_9AM + 19 * H)
        sweep(now=MONDAY_9AM + 20 * H)
    assert Notification.objects.filter(user=personas.grid_worker_a, kind="case.yellow").count() == 1
    assert fresh(case).yellow_notified_at == MONDAY_9AM + 19 * H
