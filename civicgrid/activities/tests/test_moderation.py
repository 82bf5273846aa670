"""A resident's activity is public only once the community approves it; staff publish at once; the
community may refuse or hide with a reason, which the organiser is told."""

import pytest
from django.core.exceptions import ValidationError

from civicgrid.activities import services
from civicgrid.activities.forms import local_input
from civicgrid.activities.models import Activity
from civicgrid.audit.models import AuditEvent
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.notifications.models import Notification

from .conftest import fields

pytestmark = pytest.mark.django_db


def propose(client, tree, **overrides):
    data = fields(**overrides)
    return client.post(
        "/portal/activities/new/",
        {
            "unit": tree.community_a.pk,
            "title": data["title"],
            "description": data["description"],
            "audience": data["audience"],
            "starts_at": local_input(data["starts_at"]),
            "ends_at": local_input(data["ends_at"]),
            "place": data["place"],
            "capacity": data["capacity"],
        },
    )


def test_a_residents_activity_is_invisible_until_the_community_approves_it(client, personas, tree):
    log_in(client, personas.resident)
    response = propose(client, tree, title="周末旧物交换集市")
    activity = Activity.objects.get()
    assert response.status_code == 302 and activity.status == "draft" and activity.by_resident
    assert Notification.objects.filter(user=personas.community_head_a, kind="activities.proposed").exists()
    # The organiser sees it (waiting); a neighbour and the API see nothing.
    page = client.get(f"/portal/activities/{activity.pk}/").content.decode()
    assert "待审核" in page and "社区审核通过后才会发布" in page
    log_in(client, personas.volunteer)
    assert "周末旧物交换集市" not in client.get("/portal/activities/").content.decode()
    assert client.get(f"/portal/activities/{activity.pk}/").status_code == 404
    assert client.get(f"/api/v1/activities/{activity.pk}").status_code == 404
    assert client.get("/api/v1/activities").json()["count"] == 0
    with pytest.raises(Conflict):
        services.signup_create(actor=personas.volunteer, activity=activity)
    # The other community's head cannot decide; the community's head publishes it.
    log_in(client, personas.community_head_b)
    assert (
        client.post(f"/portal/activities/staff/{activity.pk}/decide/", {"decision": "publish"}).status_code
        == 404
    )
    log_in(client, personas.community_head_a)
    assert "周末旧物交换集市" in client.get("/portal/activities/staff/").content.decode()
    client.post(f"/portal/activities/staff/{activity.pk}/decide/", {"decision": "publish"})
    activity.refresh_from_db()
    assert activity.status == "published" and activity.reviewed_by == personas.community_head_a
    assert Notification.objects.filter(user=personas.resident, kind="activities.published").exists()
    assert AuditEvent.objects.filter(
        object_type="activities.activity", object_id=str(activity.pk), action="state_change"
    ).exists()
    log_in(client, personas.volunteer)
    assert "周末旧物交换集市" in client.get("/portal/activities/").content.decode()
    with pytest.raises(Conflict):
        services.activity_publish(actor=personas.community_head_a, activity=activity)


def test_staff_activities_are_published_at_once(make_activity, personas):
    activity = make_activity(actor=personas.grid_worker_a)
    assert activity.status == "published" and not activity.by_resident and activity.published_at


def test_a_refusal_needs_a_reason_and_reaches_the_organiser(make_activity, personas, tree):
    activity = make_activity(actor=personas.resident, title="楼顶烧烤派对")
    with pytest.raises(ValidationError):
        services.activity_refuse(actor=personas.community_head_a, activity=activity, reason=" ")
    with pytest.raises(Forbidden):
        services.activity_refuse(actor=personas.community_head_b, activity=activity, reason="不安全")
    with pytest.raises(Forbidden):
        services.activity_publish(actor=personas.grid_worker_a, activity=activity)
    services.activity_refuse(actor=personas.community_head_a, activity=activity, reason="楼顶不具备安全条件")
    activity.refresh_from_db()
    assert activity.status == "cancelled" and activity.status_label == "未通过审核"
    told = Notification.objects.get(user=personas.resident, kind="activities.refused")
    assert told.body == "楼顶不具备安全条件"


def test_hiding_takes_an_activity_off_the_portal_with_its_reason(client, make_activity, personas):
    activity = make_activity(title="健身操")
    log_in(client, personas.community_head_a)
    refused = client.post(f"/portal/activities/{activity.pk}/hide/", {"reason": ""})
    assert refused.status_code == 302
    activity.refresh_from_db()
    assert not activity.is_hidden
    client.post(f"/portal/activities/{activity.pk}/hide/", {"reason": "内容含商业广告"})
    activity.refresh_from_db()
    assert activity.is_hidden and activity.hidden_reason == "内容含商业广告"
    log_in(client, personas.resident)
    assert "健身操" not in client.get("/portal/activities/").content.decode()
    assert client.get(f"/portal/activities/{activity.pk}/").status_code == 404
    log_in(client, personas.community_head_a)
    client.post(f"/portal/activities/{activity.pk}/hide/", {"restore": "1"})
    log_in(client, personas.resident)
    assert "健身操" in client.get("/portal/activities/").content.decode()


def test_a_resident_organiser_cannot_change_a_published_activity(client, make_activity, personas, tree):
    activity = make_activity(actor=personas.resident, title="邻里读书会")
    services.activity_update(
        actor=personas.resident, activity=activity, place="甲社区图书室"
    )  # still a draft
    services.activity_publish(actor=personas.community_head_a, activity=activity)
    with pytest.raises(Forbidden):
        services.activity_update(actor=personas.resident, activity=activity, title="广告")
    log_in(client, personas.resident)
    page = client.get(f"/portal/activities/{activity.pk}/").content.decode()
    assert "如需修改请联系社区工作人员" in page
    # The community may still change it.
    services.activity_update(actor=personas.community_head_a, activity=activity, capacity=10)
    # Someone who is not the organiser may only look.
    log_in(client, personas.volunteer)
    assert client.get(f"/portal/activities/{activity.pk}/edit/").status_code == 403
    assert client.get(f"/portal/activities/{activity.pk}/attendance/").status_code == 403


def test_an_admin_of_the_street_organises_for_any_of_its_communities(client, personas, tree):
    log_in(client, personas.platform_admin)
    form = client.get("/portal/activities/new/").content.decode()
    assert "测试街道" in form and "甲社区" in form and "乙社区" in form
    data = fields(title="乙社区邻里节")
    response = client.post(
        "/portal/activities/new/",
        {
            "unit": tree.community_b.pk,
            "title": data["title"],
            "description": data["description"],
            "audience": "families",
            "starts_at": local_input(data["starts_at"]),
            "ends_at": local_input(data["ends_at"]),
            "place": "乙社区广场",
            "capacity": 100,
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.unit, activity.status) == (tree.community_b, "published")
