"""A case from report to closing, with the people who may (and may not) act at each step."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services
from civicgrid.cases.choices import CaseStatus, EventKind, Outcome
from civicgrid.cases.selectors import cases_for, nearby_open_cases
from civicgrid.cases.workflow import InvalidTransition
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.notifications.models import Notification

from .conftest import A1_POINT, A1_POINT_60M, MONDAY_9AM

pytestmark = pytest.mark.django_db


def report(personas, flow, *, actor=None, category=None, point=A1_POINT, **kwargs):
    return services.case_report(
        actor=actor or personas.grid_worker_a,
        channel=kwargs.pop("channel", "visit"),
        category=category or flow.ordinary,
        description="路灯不亮",
        lat=point[0],
        lng=point[1],
        now=kwargs.pop("now", MONDAY_9AM),
        **kwargs,
    )


def test_a_point_finds_the_grid_and_the_case_waits_in_the_centre_with_its_claim_limit(personas, flow, tree):
    case = report(personas, flow)
    assert case.grid == tree.grid_a1
    assert case.status == CaseStatus.AWAITING_CLAIM
    assert case.claim_due_at == MONDAY_9AM + timedelta(hours=24)
    assert case.number.startswith("20261102")
    assert list(case.events.values_list("kind", flat=True)) == [EventKind.REPORTED]
    assert AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).exists()


def test_a_report_without_a_place_or_description_is_refused_and_nothing_is_saved(personas, flow):
    with pytest.raises(ValidationError) as error:
        services.case_report(
            actor=personas.grid_worker_a,
            channel="visit",
            category=flow.ordinary,
            description=" ",
            lat=None,
            lng=None,
        )
    assert "请描述问题。" in error.value.message_dict["description"]
    assert "无法确定问题所在网格" in error.value.message_dict["grid"][0]
    assert not cases_for(personas.dispatcher).exists()


def test_a_point_outside_every_grid_falls_back_to_the_chosen_grid_or_is_refused(personas, flow, tree):
    with pytest.raises(ValidationError):
        report(personas, flow, point=(31.5, 121.5))
    case = report(personas, flow, point=(31.5, 121.5), grid=tree.grid_a2)
    assert case.grid == tree.grid_a2


def test_the_full_life_of_a_case(personas, flow, tree):
    with time_machine.travel(MONDAY_9AM, tick=False) as traveller:
        case = report(
            personas, flow, actor=personas.volunteer, channel="rewarded_report", category=flow.rewarded
        )
        traveller.shift(timedelta(hours=1))
        case = services.case_claim(case=case, actor=personas.grid_worker_a)
        assert (case.status, case.holder) == (CaseStatus.CLAIMED, tree.grid_a1)
        case = services.case_verify(case=case, actor=personas.grid_worker_a, note="现场确认")
        services.case_log_work(case=case, actor=personas.grid_worker_a, note="已联系物业清运")
        case = services.case_resolve(case=case, actor=personas.grid_worker_a, note="垃圾已清运")
        case = services.case_close(case=case, actor=personas.community_head_a, outcome=Outcome.RESOLVED)
    assert case.status == CaseStatus.CLOSED
    assert case.is_valid_report is True
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["reported", "claimed", "verified", "work_log", "resolved", "closed"]
    inbox = Notification.objects.get(user=personas.volunteer, kind="case.outcome")
    assert "已解决" in inbox.title
    services.case_rate(case=case, actor=personas.volunteer, rating=5, comment="很及时")
    with pytest.raises(Conflict):
        services.case_rate(case=case, actor=personas.volunteer, rating=1)


def test_people_outside_the_place_may_not_act(personas, flow):
    case = report(personas, flow)
    for outsider in (
        personas.grid_worker_b,
        personas.community_head_b,
        personas.resident,
        personas.street_leader,
    ):
        with pytest.raises(Forbidden):
            services.case_claim(case=case, actor=outsider)
    case = services.case_claim(case=case, actor=personas.grid_worker_a)
    with pytest.raises(Forbidden):
        services.case_verify(case=case, actor=personas.grid_worker_b)
    with pytest.raises(InvalidTransition):
        services.case_close(case=case, actor=personas.community_head_a)


def test_a_second_claim_is_refused_and_names_the_holder(personas, flow):
    case = report(personas, flow)
    services.case_claim(case=case, actor=personas.grid_worker_a)
    with pytest.raises(Conflict) as error:
        services.case_claim(case=case, actor=personas.community_head_a)
    assert str(error.value.message) == "该问题已被“甲一网格”领办。"


def test_departments_claim_ordinary_cases_but_only_the_community_claims_rewarded_reports(
    personas, flow, tree
):
    ordinary = report(personas, flow)
    assert services.case_claim(case=ordinary, actor=personas.department_staff).holder == tree.department
    rewarded = report(
        personas, flow, category=flow.rewarded, actor=personas.volunteer, channel="rewarded_report"
    )
    with pytest.raises(Forbidden):
        services.case_claim(case=rewarded, actor=personas.department_staff)


def test_patrol_reports_by_assistants_wait_for_the_grid_worker(personas, flow):
    case = report(personas, flow, actor=personas.assistant_a, channel="patrol")
    assert case.status == CaseStatus.REPORTED
    assert Notification.objects.filter(user=personas.grid_worker_a, kind="case.confirm").exists()
    with pytest.raises(Forbidden):
        services.case_confirm(case=case, actor=personas.grid_worker_b)
    case = services.case_confirm(case=case, actor=personas.grid_worker_a, now=MONDAY_9AM + timedelta(hours=2))
    assert case.status == CaseStatus.AWAITING_CLAIM
    assert case.claim_due_at == MONDAY_9AM + timedelta(hours=26)


def test_a_failed_check_reopens_the_case_with_its_old_deadline(personas, flow):
    case = services.case_claim(case=report(personas, flow), actor=personas.grid_worker_a, now=MONDAY_9AM)
    case = services.case_verify(case=case, actor=personas.grid_worker_a)
    case = services.case_resolve(case=case, actor=personas.grid_worker_a, note="已修")
    due = case.resolve_due_at
    case = services.case_reopen(case=case, actor=personas.community_head_a, note="路灯仍不亮")
    assert (case.status, case.resolve_due_at, case.stage_due_at) == (CaseStatus.VERIFIED, due, due)
    assert Notification.objects.filter(user=personas.grid_worker_a, kind="case.reopened").exists()


def test_only_resolved_counts_as_solved(personas, flow):
    case = services.case_claim(case=report(personas, flow), actor=personas.grid_worker_a)
    case = services.case_verify(case=case, actor=personas.grid_worker_a)
    case = services.case_resolve(case=case, actor=personas.grid_worker_a, note="已转交供电公司")
    case = services.case_close(
        case=case, actor=personas.dispatcher, outcome=Outcome.NOT_OURS, note="供电公司负责"
    )
    assert case.outcome == Outcome.NOT_OURS


def test_nearby_open_cases_of_the_same_category_are_offered_as_duplicates(personas, flow):
    first = report(personas, flow)
    near = nearby_open_cases(user=personas.grid_worker_a, category=flow.ordinary, lat=30.05, lng=120.0202)
    assert near == [first]
    far = nearby_open_cases(
        user=personas.grid_worker_a, category=flow.ordinary, lat=A1_POINT_60M[0], lng=A1_POINT_60M[1]
    )
    assert far == []
    assert nearby_open_cases(user=personas.grid_worker_a, category=flow.rewarded, lat=30.05, lng=120.02) == []


def test_merged_duplicates_hear_the_outcome_of_the_case_they_joined(personas, flow):
    main = report(personas, flow, actor=personas.grid_worker_a)
    duplicate = report(personas, flow, actor=personas.assistant_a, channel="visit")
    services.case_merge(case=duplicate, into=main, actor=personas.community_head_a)
    main = services.case_claim(case=main, actor=personas.grid_worker_a)
    main = services.case_verify(case=main, actor=personas.grid_worker_a)
    main = services.case_resolve(case=main, actor=personas.grid_worker_a, note="已修好")
    services.case_close(case=main, actor=personas.community_head_a)
    assert Notification.objects.filter(kind="case.outcome", user=personas.assistant_a).count() == 1
    assert Notification.objects.filter(kind="case.outcome", user=personas.grid_worker_a).count() == 1


def test_anonymous_reporting_only_where_the_category_allows(personas, flow):
    with pytest.raises(ValidationError) as error:
        report(personas, flow, is_anonymous=True)
    assert "不接受匿名" in error.value.message_dict["is_anonymous"][0]
    case = report(
        personas,
        flow,
        actor=personas.volunteer,
        category=flow.rewarded,
        channel="rewarded_report",
        is_anonymous=True,
        contact_consent=False,
    )
    assert case.is_anonymous and not case.contact_consent


def test_supervisors_inspect_and_it_is_on_the_timeline(personas, flow):
    case = services.case_claim(case=report(personas, flow), actor=personas.grid_worker_a)
    services.case_inspect(case=case, actor=personas.supervisor, finding="处置及时", rating=5)
    assert case.events.filter(kind=EventKind.INSPECTED).exists()
    with pytest.raises(Forbidden):
        services.case_inspect(case=case, actor=personas.grid_worker_a, finding="x", rating=5)


def test_the_stability_centre_sets_a_warning_level_with_its_steps_and_limits(
    personas, flow, stability_centre
):
    case = services.case_claim(case=report(personas, flow), actor=personas.grid_worker_a, now=MONDAY_9AM)
    later = MONDAY_9AM + timedelta(hours=1)
    case = services.case_set_warning(case=case, actor=personas.department_staff, level="I", now=later)
    assert case.warning_level == "I"
    assert case.verify_due_at == later + timedelta(hours=2)
    assert case.resolve_due_at == later + timedelta(hours=24)
    assert [s["step"] for s in case.checklist] == ["到场", "处置", "报告"]
    assert Notification.objects.filter(user=personas.street_leader, kind="case.warningI").exists()


def test_the_holder_ticks_the_warning_checklist_step_by_step(personas, flow, stability_centre):
    case = services.case_claim(case=report(personas, flow), actor=personas.grid_worker_a, now=MONDAY_9AM)
    case = services.case_set_warning(case=case, actor=personas.department_staff, level="II", now=MONDAY_9AM)
    case = services.case_checklist_tick(case=case, actor=personas.grid_worker_a, index=1)
    assert [s["done"] for s in case.checklist] == [False, True, False]
    with pytest.raises(ValidationError):
        services.case_checklist_tick(case=case, actor=personas.grid_worker_a, index=9)
    with pytest.raises(Forbidden):
        services.case_checklist_tick(case=case, actor=personas.grid_worker_b, index=0)


def test_the_dispatcher_cannot_send_a_case_outside_its_street(personas, flow, tree):
    from civicgrid.org.choices import UnitKind
    from civicgrid.org.services import org_unit_create

    other_street = org_unit_create(
        parent=tree.district, kind=UnitKind.STREET, name="别的街道", code="339901002"
    )
    case = report(personas, flow)
    with pytest.raises(ValidationError) as error:
        services.case_dispatch(case=case, actor=personas.dispatcher, target=other_street)
    assert "只能派给问题所在街道" in error.value.message_dict["target"][0]
    assert (
        services.case_dispatch(case=case, actor=personas.dispatcher, target=tree.community_a).holder
        == tree.community_a
    )
