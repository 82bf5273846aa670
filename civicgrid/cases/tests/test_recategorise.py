"""Staff correct a case's category: the community head or the dispatcher, within their places; the
time limits stay; a rewarded report stays rewarded; the timeline and the audit trail say who did it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services
from civicgrid.cases.choices import EventKind
from civicgrid.cases.models import Case, Category
from civicgrid.core.errors import Forbidden
from civicgrid.core.testing import log_in

from .conftest import A1_POINT, MONDAY_9AM

pytestmark = pytest.mark.django_db


def suggestion(personas, flow) -> Case:
    return services.case_report(
        actor=personas.resident,
        channel="suggestion",
        category=flow.suggestion,
        description="小区路灯坏了三天",
        lat=A1_POINT[0],
        lng=A1_POINT[1],
        now=MONDAY_9AM,
    )


def test_the_community_head_corrects_the_category_and_the_timeline_says_so(personas, flow):
    case = suggestion(personas, flow)
    due = case.claim_due_at
    services.case_recategorise(
        case=case, actor=personas.community_head_a, category=flow.ordinary, note="是路灯问题"
    )
    case.refresh_from_db()
    assert case.category == flow.ordinary
    assert case.claim_due_at == due  # the time limit already running stays
    event = case.events.get(kind=EventKind.RECATEGORISED)
    assert (event.actor, event.note, event.data) == (
        personas.community_head_a,
        "是路灯问题",
        {"from": "意见建议", "to": "市政设施"},
    )
    assert AuditEvent.objects.filter(object_id=str(case.pk), details__event=EventKind.RECATEGORISED).exists()


def test_only_staff_of_the_place_may_correct(personas, flow):
    case = suggestion(personas, flow)
    for outsider in (personas.community_head_b, personas.grid_worker_a, personas.resident):
        with pytest.raises(Forbidden):
            services.case_recategorise(case=case, actor=outsider, category=flow.ordinary)
    case.refresh_from_db()
    assert case.category == flow.suggestion
    assert not case.events.filter(kind=EventKind.RECATEGORISED).exists()


def test_a_wrong_correction_is_refused_with_a_reason_and_changes_nothing(personas, flow):
    case = suggestion(personas, flow)
    retired = Category.objects.create(code="old", name="旧类别", policy=flow.ordinary_policy, is_active=False)
    refusals = {
        flow.suggestion: "请选择与现在不同的类别。",
        flow.rewarded: "有奖举报类别与一般问题类别不能互相更正。",
        retired: "该类别已停用。",
    }
    for category, message in refusals.items():
        with pytest.raises(ValidationError) as error:
            services.case_recategorise(case=case, actor=personas.dispatcher, category=category)
        assert error.value.message_dict["category"] == [message]
    case.refresh_from_db()
    assert case.category == flow.suggestion
    assert not case.events.filter(kind=EventKind.RECATEGORISED).exists()


def test_the_case_page_offers_the_correction_to_the_head_and_not_to_the_worker(client, personas, flow):
    case = suggestion(personas, flow)
    log_in(client, personas.grid_worker_a)
    assert 'data-testid="action-recategorise"' not in client.get(reverse("cases:detail", args=[case.pk])).text
    client.logout()
    log_in(client, personas.community_head_a)
    page = client.get(reverse("cases:detail", args=[case.pk])).text
    assert 'data-testid="action-recategorise"' in page
    url = reverse("cases:act", args=[case.pk, "recategorise"])
    refused = client.post(url, {"recategorise-category": "999999"})
    assert refused.status_code == 422
    response = client.post(
        url, {"recategorise-category": flow.ordinary.pk, "recategorise-note": "路灯"}, follow=True
    )
    assert "由“意见建议”更正为“市政设施”" in response.text
    case.refresh_from_db()
    assert case.category == flow.ordinary


def test_the_api_corrects_with_a_structured_error_for_a_bad_category(client, personas, flow):
    case = suggestion(personas, flow)
    log_in(client, personas.dispatcher)
    url = f"/api/v1/cases/{case.pk}/actions/recategorise"
    bad = client.post(url, {"category_id": 999999}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"
    done = client.post(url, {"category_id": flow.ordinary.pk}, content_type="application/json")
    assert done.status_code == 200, done.content
    case.refresh_from_db()
    assert case.category == flow.ordinary
