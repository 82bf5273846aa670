"""Sign-up with a capacity: places first, then a numbered waiting list that moves up when someone
cancels — the first person waiting is told in their inbox."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicgrid.activities import services
from civicgrid.activities.models import ActivitySignup
from civicgrid.activities.services.signups import ALREADY_SIGNED_UP, SIGNUP_CLOSED
from civicgrid.audit.models import AuditEvent
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.notifications.models import Notification

from .conftest import residents

pytestmark = pytest.mark.django_db


def states(activity):
    rows = ActivitySignup.objects.filter(activity=activity).order_by("pk")
    return [(s.user.username, s.status, s.position) for s in rows]


def test_places_then_a_waiting_list_that_moves_up_on_cancellation(make_activity, personas, tree):
    activity = make_activity(capacity=2)
    a, b, c, d = residents(tree, 4)
    for user in (a, b, c, d):
        services.signup_create(actor=user, activity=activity)
    assert states(activity) == [
        ("r001", "confirmed", None),
        ("r002", "confirmed", None),
        ("r003", "waiting", 1),
        ("r004", "waiting", 2),
    ]
    services.signup_cancel(actor=a, activity=activity)
    assert states(activity) == [
        ("r001", "cancelled", None),
        ("r002", "confirmed", None),
        ("r003", "confirmed", None),
        ("r004", "waiting", 1),
    ]
    activity.refresh_from_db()
    assert (activity.confirmed_count, activity.waiting_count) == (2, 1)
    message = Notification.objects.get(user=c, kind="activities.promoted")
    assert "候补成功" in message.title and message.url == f"/portal/activities/{activity.pk}/"
    assert not Notification.objects.filter(user=d).exists()
    promoted = ActivitySignup.objects.get(user=c, activity=activity)
    assert AuditEvent.objects.filter(
        object_type="activities.activitysignup", object_id=str(promoted.pk), details__promoted=True
    ).exists()


def test_leaving_the_queue_moves_the_people_behind_up(make_activity, tree):
    activity = make_activity(capacity=1)
    a, b, c, d = residents(tree, 4)
    for user in (a, b, c, d):
        services.signup_create(actor=user, activity=activity)
    services.signup_cancel(actor=b, activity=activity)  # first in the queue leaves
    assert states(activity)[1:] == [
        ("r002", "cancelled", None),
        ("r003", "waiting", 1),
        ("r004", "waiting", 2),
    ]
    assert not Notification.objects.filter(kind="activities.promoted").exists()


def test_my_status_on_the_page_and_cancelling_through_htmx(client, make_activity, personas, tree):
    activity = make_activity(capacity=1)
    services.signup_create(actor=personas.volunteer, activity=activity)
    log_in(client, personas.resident)
    url = f"/portal/activities/{activity.pk}/"
    assert "名额已满，加入候补" in client.get(url).content.decode()
    response = client.post(f"{url}signup/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "您在候补第 1 位" in response.content.decode()
    assert 'id="signup-box"' in response.content.decode()
    assert "候补第 1 位" in client.get("/portal/activities/").content.decode()
    log_in(client, personas.volunteer)
    client.post(f"{url}signup/cancel/")
    log_in(client, personas.resident)
    assert "您已报名，请准时参加" in client.get(url).content.decode()
    inbox = client.get("/inbox/").content.decode()
    assert "候补成功" in inbox


def test_a_second_sign_up_is_refused_and_changes_nothing(client, make_activity, personas):
    activity = make_activity(capacity=5)
    services.signup_create(actor=personas.resident, activity=activity)
    with pytest.raises(Conflict) as refused:
        services.signup_create(actor=personas.resident, activity=activity)
    assert refused.value.code == "already_signed_up" and refused.value.message == ALREADY_SIGNED_UP
    log_in(client, personas.resident)
    response = client.post(f"/portal/activities/{activity.pk}/signup/", HTTP_HX_REQUEST="true")
    assert response.status_code == 422 and "您已报名该活动" in response.content.decode()
    activity.refresh_from_db()
    assert activity.confirmed_count == 1
    assert ActivitySignup.objects.filter(activity=activity).count() == 1
    # After cancelling, the same person may sign up again (at the end of the line).
    services.signup_cancel(actor=personas.resident, activity=activity)
    again = services.signup_create(actor=personas.resident, activity=activity)
    assert again.status == "confirmed"


def test_sign_up_closes_when_the_activity_starts(make_activity, personas):
    activity = make_activity(capacity=5)
    services.signup_create(actor=personas.volunteer, activity=activity)
    with time_machine.travel(activity.starts_at + timedelta(minutes=1), tick=False):
        with pytest.raises(Conflict) as closed:
            services.signup_create(actor=personas.resident, activity=activity)
        assert closed.value.message == SIGNUP_CLOSED
        with pytest.raises(Conflict):
            services.signup_cancel(actor=personas.volunteer, activity=activity)


def test_staff_cannot_sign_up_and_a_cancelled_activity_takes_nobody(make_activity, personas):
    activity = make_activity(capacity=5)
    with pytest.raises(Forbidden):
        services.signup_create(actor=personas.community_head_a, activity=activity)
    services.signup_create(actor=personas.volunteer, activity=activity)
    services.activity_cancel(actor=personas.community_head_a, activity=activity, reason="暴雨预警")
    with pytest.raises(Conflict) as cancelled:
        services.signup_create(actor=personas.resident, activity=activity)
    assert cancelled.value.code == "cancelled"
    told = Notification.objects.get(user=personas.volunteer, kind="activities.cancelled")
    assert "暴雨预警" in told.body


def test_more_places_go_to_the_people_waiting_and_fewer_than_taken_is_refused(make_activity, personas, tree):
    activity = make_activity(capacity=1)
    a, b, c = residents(tree, 3)
    for user in (a, b, c):
        services.signup_create(actor=user, activity=activity)
    with pytest.raises(ValidationError) as refused:
        services.activity_update(actor=personas.community_head_a, activity=activity, capacity=0)
    assert "capacity" in refused.value.message_dict
    services.activity_update(actor=personas.community_head_a, activity=activity, capacity=2)
    assert states(activity) == [
        ("r001", "confirmed", None),
        ("r002", "confirmed", None),
        ("r003", "waiting", 1),
    ]
    assert Notification.objects.filter(user=b, kind="activities.promoted").exists()
    with pytest.raises(ValidationError) as below:
        services.activity_update(actor=personas.community_head_a, activity=activity, capacity=1)
    assert below.value.message_dict["capacity"] == ["名额不能少于已报名的 2 人。"]


def test_a_new_time_is_told_to_everyone_signed_up(make_activity, personas):
    activity = make_activity(capacity=5)
    services.signup_create(actor=personas.resident, activity=activity)
    services.activity_update(
        actor=personas.community_head_a,
        activity=activity,
        starts_at=activity.starts_at + timedelta(hours=1),
        ends_at=activity.ends_at + timedelta(hours=1),
    )
    assert Notification.objects.filter(user=personas.resident, kind="activities.changed").exists()
