"""Who reaches what, on the pages and through the API: anonymous, the wrong role, the wrong community —
and clear Chinese errors that change nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicgrid.activities import services
from civicgrid.activities.forms import local_input
from civicgrid.activities.models import Activity, ActivitySignup
from civicgrid.core.testing import log_in

from .conftest import fields

pytestmark = pytest.mark.django_db


def post_json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_anonymous_visitors_are_sent_to_log_in_and_the_api_says_so(client, make_activity):
    activity = make_activity()
    assert client.get("/portal/activities/").status_code == 302
    assert client.get(f"/portal/activities/{activity.pk}/").status_code == 302
    response = client.get("/api/v1/activities")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_the_other_community_learns_nothing(client, make_activity, personas, tree, resident_b):
    activity = make_activity(title="甲社区内部活动")
    street = make_activity(unit=tree.street, actor=personas.platform_admin, title="全街道歌咏赛")
    log_in(client, resident_b)
    listing = client.get("/portal/activities/").content.decode()
    assert "全街道歌咏赛" in listing and "甲社区内部活动" not in listing
    assert client.get(f"/portal/activities/{activity.pk}/").status_code == 404
    assert client.post(f"/portal/activities/{activity.pk}/signup/").status_code == 404
    api = client.get(f"/api/v1/activities/{activity.pk}")
    assert api.status_code == 404 and api.json() == {
        "code": "not_found",
        "message": "未找到该记录，或您无权查看。",
        "errors": {},
    }
    assert post_json(client, f"/api/v1/activities/{activity.pk}/signup").status_code == 404
    assert not ActivitySignup.objects.filter(activity=activity).exists()
    # The street's activity is open to every community of the street.
    assert post_json(client, f"/api/v1/activities/{street.pk}/signup").status_code == 201
    # The other community's head cannot hide or manage it either.
    log_in(client, personas.community_head_b)
    assert client.post(f"/portal/activities/{activity.pk}/hide/", {"reason": "x"}).status_code == 404
    assert client.get(f"/portal/activities/{activity.pk}/attendance/").status_code == 404
    activity.refresh_from_db()
    assert not activity.is_hidden


def test_roles_without_the_permission_get_403(client, personas, make_activity):
    make_activity()
    log_in(client, personas.resident)
    assert client.get("/portal/activities/staff/").status_code == 403  # not staff
    assert client.get("/portal/activities/staff/demand/").status_code == 403
    log_in(client, personas.department_staff)
    assert client.get("/portal/activities/new/").status_code == 403
    assert client.get("/portal/activities/staff/").status_code == 403
    assert client.get("/portal/activities/staff/demand/").status_code == 403
    log_in(client, personas.street_leader)
    assert client.get("/portal/activities/staff/demand/").status_code == 200
    assert client.get("/portal/activities/new/").status_code == 403
    # A grid worker organises but does not approve: their page has no queue.
    log_in(client, personas.grid_worker_b)
    page = client.get("/portal/activities/staff/").content.decode()
    assert 'data-testid="moderation-queue"' not in page


def test_the_form_answers_422_in_chinese_and_saves_nothing(client, personas, tree):
    log_in(client, personas.community_head_a)
    data = fields()
    response = client.post(
        "/portal/activities/new/",
        {
            "unit": tree.community_a.pk,
            "title": "",
            "description": "内容",
            "audience": "all",
            "starts_at": local_input(data["starts_at"]),
            "ends_at": local_input(data["starts_at"] - timedelta(hours=1)),
            "place": "活动室",
            "capacity": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "请填写活动名称。" in page and "名额须在 1 到 1000 之间。" in page
    response = client.post(
        "/portal/activities/new/",
        {
            "unit": tree.community_b.pk,  # not theirs
            "title": "运动会",
            "description": "内容",
            "audience": "all",
            "starts_at": local_input(data["starts_at"]),
            "ends_at": local_input(data["starts_at"] - timedelta(hours=1)),
            "place": "活动室",
            "capacity": "10",
        },
    )
    assert response.status_code == 422
    assert not Activity.objects.exists()
    response = client.post(
        "/portal/activities/new/",
        {
            "unit": tree.community_a.pk,
            "title": "运动会",
            "description": "内容",
            "audience": "all",
            "starts_at": local_input(data["starts_at"]),
            "ends_at": local_input(data["starts_at"] - timedelta(hours=1)),
            "place": "活动室",
            "capacity": "10",
        },
    )
    assert response.status_code == 422 and "结束时间须晚于开始时间。" in response.content.decode()
    assert not Activity.objects.exists()


def venue_booking(personas, tree, *, booker=None, early=timedelta(minutes=30)):
    """A confirmed booking of community A's room around the default activity's time."""
    from civicgrid.bookings.models import Booking
    from civicgrid.bookings.tests.conftest import make_resource
    from civicgrid.core import clock

    room = make_resource(tree.community_a, created_by=personas.community_head_a, name="甲社区活动室")
    times = fields()
    return Booking.objects.create(
        resource=room,
        booker=booker or personas.community_head_a,
        starts_at=times["starts_at"] - early,
        ends_at=times["ends_at"] + timedelta(minutes=30),
        purpose="社区活动",
        attendees=10,
        status="confirmed",
        created_at=clock.now(),
    )


def test_an_activity_names_its_venue_booking_only_when_it_is_the_organisers_and_covers_the_time(
    client, make_activity, personas, tree
):
    booking = venue_booking(personas, tree)
    activity = make_activity(booking_id=booking.pk)
    log_in(client, personas.resident)
    page = client.get(f"/portal/activities/{activity.pk}/").content.decode()
    assert "已预约场地：甲社区活动室" in page
    with pytest.raises(ValidationError) as caught:  # someone else's booking of a room they do not manage
        make_activity(actor=personas.community_head_b, unit=tree.community_b, booking_id=booking.pk)
    assert "找不到这条场地预约" in caught.value.message_dict["booking_id"][0]
    late = venue_booking(personas, tree, early=-timedelta(minutes=30))  # begins after the activity
    with pytest.raises(ValidationError) as outside:
        make_activity(booking_id=late.pk)
    assert "活动时间须在场地预约的时段之内" in outside.value.message_dict["booking_id"][0]
    assert Activity.objects.count() == 1


def test_sign_up_cancel_and_attendance_through_the_api(client, make_activity, personas, points_rule, tree):
    booking = venue_booking(personas, tree)
    activity = make_activity(capacity=1, audience="elderly", booking_id=booking.pk)
    make_activity(title="亲子阅读", audience="children")
    log_in(client, personas.resident)
    rows = client.get("/api/v1/activities?audience=elderly").json()
    assert rows["count"] == 1 and rows["items"][0]["unit"] == "甲社区"
    created = post_json(client, f"/api/v1/activities/{activity.pk}/signup")
    assert created.status_code == 201 and created.json()["status"] == "confirmed"
    again = post_json(client, f"/api/v1/activities/{activity.pk}/signup")
    assert again.status_code == 409
    assert again.json() == {"code": "already_signed_up", "message": "您已报名该活动。", "errors": {}}
    log_in(client, personas.volunteer)
    waiting = post_json(client, f"/api/v1/activities/{activity.pk}/signup").json()
    assert (waiting["status"], waiting["position"]) == ("waiting", 1)
    detail = client.get(f"/api/v1/activities/{activity.pk}").json()
    assert (detail["my_status"], detail["my_position"], detail["booking_id"]) == ("waiting", 1, booking.pk)
    forbidden = client.get(f"/api/v1/activities/{activity.pk}/attendance")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    log_in(client, personas.resident)
    cancelled = client.delete(f"/api/v1/activities/{activity.pk}/signup")
    assert cancelled.json()["status"] == "cancelled"
    assert client.delete(f"/api/v1/activities/{activity.pk}/signup").json()["code"] == "not_signed_up"
    log_in(client, personas.community_head_a)
    people = client.get(f"/api/v1/activities/{activity.pk}/attendance").json()
    assert people == [{"user_id": personas.volunteer.pk, "name": "volunteer", "attended": False}]
    early = post_json(
        client, f"/api/v1/activities/{activity.pk}/attendance", {"user_ids": [personas.volunteer.pk]}
    )
    assert early.status_code == 409 and early.json()["code"] == "not_started"
    with time_machine.travel(activity.ends_at + timedelta(minutes=5), tick=False):
        log_in(client, personas.community_head_a)
        done = post_json(
            client, f"/api/v1/activities/{activity.pk}/attendance", {"user_ids": [personas.volunteer.pk]}
        )
        assert done.json() == {"attended": 1, "absent": 0, "points_awarded": 1}
        bad = post_json(
            client, f"/api/v1/activities/{activity.pk}/attendance", {"user_ids": [personas.resident.pk]}
        )
        assert bad.status_code == 400 and "attended" in bad.json()["errors"]


def test_creating_through_the_api_with_bad_data_gives_field_errors(client, personas, tree):
    log_in(client, personas.resident)
    data = fields()
    body = {
        "unit_id": tree.community_a.pk,
        "title": " ",
        "description": "内容",
        "starts_at": data["starts_at"].isoformat(),
        "ends_at": data["ends_at"].isoformat(),
        "place": "",
        "capacity": 5000,
        "audience": "aliens",
    }
    response = post_json(client, "/api/v1/activities", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"title", "place", "capacity", "audience"}
    assert not Activity.objects.exists()
    body |= {"title": "周末集市", "place": "广场", "capacity": 30, "audience": "families"}
    created = post_json(client, "/api/v1/activities", body)
    assert created.status_code == 201 and created.json()["status"] == "draft"


def test_the_list_page_reads_a_bounded_number_of_queries(
    client, make_activity, personas, tree, django_assert_max_num_queries
):
    for i in range(15):
        activity = make_activity(title=f"活动{i}", capacity=3)
        services.signup_create(actor=personas.resident, activity=activity)
    log_in(client, personas.resident)
    client.get("/portal/activities/")
    with django_assert_max_num_queries(12):
        response = client.get("/portal/activities/")
    assert response.content.decode().count("已报名") >= 15


def test_my_activities_and_the_home_panels(client, make_activity, personas):
    mine = make_activity(actor=personas.resident, title="邻里读书会")
    joined = make_activity(title="健康讲座", capacity=1)
    services.signup_create(actor=personas.volunteer, activity=joined)
    services.signup_create(actor=personas.resident, activity=joined)
    log_in(client, personas.resident)
    page = client.get("/portal/activities/mine/").content.decode()
    assert "健康讲座" in page and "候补第 1 位" in page
    assert "邻里读书会" in page and "待审核" in page
    assert 'data-testid="activities-links"' in client.get("/portal/").content.decode()
    log_in(client, personas.community_head_a)
    home = client.get("/").content.decode()
    panel = home[home.index('data-testid="activities-panel"') :]
    assert '<div class="fs-4 fw-semibold">1</div>' in panel[:200]
    assert "社区活动" in home and "需求菜单" in home  # the staff menu
    assert client.get(f"/portal/activities/{mine.pk}/").status_code == 200
    assert client.get(f"/portal/activities/{joined.pk}/photos/").status_code == 200
    assert client.get(f"/portal/activities/{joined.pk}/edit/").status_code == 200
    detail = client.get(f"/portal/activities/{joined.pk}/").content.decode()
    assert 'data-testid="participants"' in detail and "volunteer" in detail
