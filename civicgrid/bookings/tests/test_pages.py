"""The pages: browse with filters, a day's slots and the booking form, my bookings, and the owners'
list, queue, resource form and week calendar — with 403 for the wrong role and 404 outside the scope."""

from datetime import date

import pytest

from civicgrid.audit.models import AuditEvent
from civicgrid.bookings import services
from civicgrid.bookings.models import Booking, Resource
from civicgrid.core.testing import log_in

from .conftest import at

pytestmark = pytest.mark.django_db

URL = "/portal/resources/"


def page(client, url, **params):
    response = client.get(url, params)
    return response.status_code, response.content.decode()


def test_browse_lists_the_streets_resources_and_filters_them(client, place, django_assert_max_num_queries):
    log_in(client, place.resident)
    with django_assert_max_num_queries(12):
        status, html = page(client, URL)
    assert status == 200
    assert all(name in html for name in ("甲社区会议室", "街道多功能厅", "商贸公司会议室"))
    assert "甲社区商贸公司" in html and "需审核" in html
    _, html = page(client, URL, kind="venue")
    assert "街道多功能厅" in html and "甲社区会议室" not in html
    _, html = page(client, URL, community=place.room.unit_id)
    assert "甲社区会议室" in html and "商贸公司会议室" in html and "街道多功能厅" not in html
    _, html = page(client, URL, date="2026-12-05")  # a Saturday: only the room opens
    assert "甲社区会议室" in html and "街道多功能厅" not in html and "商贸公司会议室" not in html
    partial = client.get(URL, {"kind": "room"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial and "甲社区会议室" in partial


def test_browse_is_for_portal_members(client, place, personas):
    log_in(client, personas.grid_worker_a)
    assert client.get(URL).status_code == 403
    client.logout()
    assert client.get(URL).status_code == 302


def test_a_day_shows_free_and_taken_slots_and_books_through_the_form(client, place):
    services.booking_create(
        actor=place.organisation,
        resource=place.room,
        starts_at=at(10),
        ends_at=at(11),
        attendees=2,
        purpose="会",
    )
    log_in(client, place.resident)
    status, html = page(client, f"{URL}{place.room.pk}/", date="2026-12-02", start="14:00")
    assert status == 200
    assert 'data-slot="taken"' in html and "10:00–11:00 已约" in html
    assert "王经理" not in html  # who holds a slot is not shown to others
    assert '<option value="14:00" selected>' in html and '<option value="15:00" selected>' in html
    response = client.post(
        f"{URL}{place.room.pk}/",
        {"date": "2026-12-02", "start": "14:00", "end": "16:00", "attendees": "6", "purpose": "书法兴趣小组"},
    )
    assert response.status_code == 302 and response["Location"] == f"{URL}mine/"
    booking = Booking.objects.get(booker=place.resident)
    assert (booking.starts_at, booking.ends_at, booking.status) == (at(14), at(16), "confirmed")
    _, html = page(client, f"{URL}mine/")
    assert "甲社区会议室" in html and "书法兴趣小组" in html and "已确认" in html


def test_the_form_answers_with_chinese_errors_and_books_nothing(client, place):
    services.booking_create(
        actor=place.organisation,
        resource=place.room,
        starts_at=at(10),
        ends_at=at(11),
        attendees=2,
        purpose="会",
    )
    log_in(client, place.resident)
    url = f"{URL}{place.room.pk}/"
    taken = client.post(
        url, {"date": "2026-12-02", "start": "10:00", "end": "11:00", "attendees": 2, "purpose": "x"}
    )
    assert taken.status_code == 409 and "该时段已被预约" in taken.content.decode()
    too_many = client.post(
        url, {"date": "2026-12-02", "start": "12:00", "end": "13:00", "attendees": 30, "purpose": "x"}
    )
    assert too_many.status_code == 422 and "人数超过容纳上限（最多 10 人）。" in too_many.content.decode()
    past = client.post(
        url, {"date": "2026-12-01", "start": "08:00", "end": "09:00", "attendees": 2, "purpose": "x"}
    )
    assert past.status_code == 422 and "只能预约尚未开始的时段。" in past.content.decode()
    outside = client.post(
        url, {"date": "2026-12-02", "start": "07:00", "end": "08:00", "attendees": 2, "purpose": "x"}
    )
    assert outside.status_code == 422 and "请选择当天开放时间内的时段。" in outside.content.decode()
    closed = client.post(
        f"{URL}{place.hall.pk}/",
        {"date": "2026-12-05", "start": "", "end": "", "attendees": 2, "purpose": "x"},
    )
    assert closed.status_code == 422
    assert Booking.objects.filter(booker=place.resident).count() == 0


def test_unverified_residents_see_the_slots_but_cannot_book(client, place):
    log_in(client, place.volunteer)
    _, html = page(client, f"{URL}{place.room.pk}/", date="2026-12-02")
    assert (
        'data-slot="free"' in html
        and 'data-testid="booking-form"' not in html
        and "完成实名认证后才能预约" in html
    )
    response = client.post(
        f"{URL}{place.room.pk}/",
        {"date": "2026-12-02", "start": "10:00", "end": "11:00", "attendees": 2, "purpose": "x"},
    )
    assert response.status_code == 403
    assert not Booking.objects.exists()


def test_resources_outside_the_street_or_paused_are_not_found(client, place):
    log_in(client, place.resident)
    Resource.objects.filter(pk=place.room.pk).update(is_active=False)
    assert client.get(f"{URL}{place.room.pk}/").status_code == 404
    assert client.get(f"{URL}999999/").status_code == 404


def test_cancel_from_my_bookings(client, place):
    booking = services.booking_create(
        actor=place.resident, resource=place.room, starts_at=at(10), ends_at=at(11), attendees=2, purpose="会"
    )
    log_in(client, place.organisation)
    assert client.post(f"{URL}mine/{booking.pk}/cancel/").status_code == 404  # not theirs
    log_in(client, place.resident)
    assert client.post(f"{URL}mine/{booking.pk}/cancel/").status_code == 302
    assert Booking.objects.get(pk=booking.pk).status == "cancelled"
    _, html = page(client, f"{URL}mine/")
    assert "已取消" in html and "取消预约</button>" not in html


def test_owners_see_their_own_resources_and_queue(client, place, personas):
    booking = services.booking_create(
        actor=place.resident,
        resource=place.hall,
        starts_at=at(9, 30),
        ends_at=at(10, 30),
        attendees=2,
        purpose="议事会",
    )
    log_in(client, personas.street_leader)
    status, html = page(client, f"{URL}manage/")
    assert status == 200 and "议事会" in html and "街道多功能厅" in html and "甲社区会议室" in html
    assert "商贸公司会议室" not in html  # the enterprise's own
    log_in(client, personas.community_head_a)
    _, html = page(client, f"{URL}manage/")
    assert "甲社区会议室" in html and "街道多功能厅" not in html and "议事会" not in html
    assert (
        client.post(f"{URL}manage/bookings/{booking.pk}/decide/", {"decision": "confirm"}).status_code == 404
    )
    log_in(client, place.organisation)
    status, html = page(client, f"{URL}manage/")
    assert status == 200 and "商贸公司会议室" in html and "甲社区会议室" not in html
    assert 'class="navbar navbar-dark bg-success"' in html  # in the portal, not the staff workbench
    log_in(client, place.resident)
    assert client.get(f"{URL}manage/").status_code == 403


def test_the_owner_decides_from_the_calendar(client, place, personas):
    booking = services.booking_create(
        actor=place.resident,
        resource=place.hall,
        starts_at=at(9, 30),
        ends_at=at(10, 30),
        attendees=2,
        purpose="议事会",
    )
    log_in(client, personas.street_leader)
    url = f"{URL}manage/{place.hall.pk}/calendar/"
    status, html = page(client, url, week="2026-12-02")
    assert status == 200 and "议事会" in html and "2026-11-30" in html and "周三" in html
    refused = client.post(f"{URL}manage/bookings/{booking.pk}/decide/", {"decision": "refuse", "next": url})
    assert refused.status_code == 302 and Booking.objects.get(pk=booking.pk).status == "pending"
    done = client.post(
        f"{URL}manage/bookings/{booking.pk}/decide/",
        {"decision": "refuse", "reason": "场地检修", "next": f"{url}?week=2026-12-02"},
    )
    assert done["Location"] == f"{url}?week=2026-12-02"
    assert Booking.objects.get(pk=booking.pk).status == "refused"
    evil = client.post(
        f"{URL}manage/bookings/{booking.pk}/decide/", {"decision": "confirm", "next": "https://evil.example/"}
    )
    assert evil["Location"] == f"{URL}manage/"
    log_in(client, personas.community_head_b)
    assert client.get(url).status_code == 404


HOURS = {"opens_0": "09:00", "closes_0": "17:00", "opens_5": "09:00", "closes_5": "12:00"}


def resource_form(**overrides):
    return {
        "kind": "room",
        "name": "甲社区书画室",
        "location": "活动中心三楼",
        "capacity": "16",
        "slot_minutes": "60",
        "days_ahead": "14",
        "needs_approval": "on",
        "description": "",
        "rules": "请勿带食物",
        **HOURS,
        **overrides,
    }


def test_a_community_head_lists_a_resource_for_their_community(client, place, personas, tree):
    log_in(client, personas.community_head_a)
    status, html = page(client, f"{URL}manage/new/")
    assert status == 200 and "甲社区" in html and "乙社区" not in html
    outside = client.post(f"{URL}manage/new/", resource_form(owner=f"unit:{tree.community_b.pk}"))
    assert outside.status_code == 422
    owner = f"unit:{tree.community_a.pk}"
    backwards = client.post(f"{URL}manage/new/", resource_form(owner=owner, closes_0="08:00"))
    assert backwards.status_code == 422 and "周一的关闭时间应晚于开放时间。" in backwards.content.decode()
    half = client.post(f"{URL}manage/new/", resource_form(owner=owner, opens_5=""))
    assert half.status_code == 422 and "周六请同时填写开放和关闭时间" in half.content.decode()
    assert not Resource.objects.filter(name="甲社区书画室").exists()
    created = client.post(f"{URL}manage/new/", resource_form(owner=f"unit:{tree.community_a.pk}"))
    assert created.status_code == 302
    resource = Resource.objects.get(name="甲社区书画室")
    assert (resource.unit, resource.organisation, resource.capacity, resource.days_ahead) == (
        tree.community_a,
        None,
        16,
        14,
    )
    assert {h.weekday: (str(h.opens), str(h.closes)) for h in resource.hours.all()} == {
        0: ("09:00:00", "17:00:00"),
        5: ("09:00:00", "12:00:00"),
    }
    assert AuditEvent.objects.filter(object_type="bookings.resource", action="create").exists()


def test_an_organisation_lists_its_own_room(client, place, tree):
    log_in(client, place.organisation)
    _, html = page(client, f"{URL}manage/new/")
    assert "甲社区商贸公司（甲社区）" in html and f"unit:{tree.community_a.pk}" not in html
    response = client.post(
        f"{URL}manage/new/", resource_form(owner=f"org:{tree.community_a.pk}", name="商贸洽谈室")
    )
    assert response.status_code == 302
    resource = Resource.objects.get(name="商贸洽谈室")
    assert (resource.organisation, resource.organisation_name) == (place.organisation, "甲社区商贸公司")


def test_editing_is_for_the_owner_and_is_audited(client, place, personas):
    log_in(client, personas.community_head_b)
    assert client.get(f"{URL}manage/{place.room.pk}/").status_code == 404
    log_in(client, personas.community_head_a)
    status, html = page(client, f"{URL}manage/{place.room.pk}/")
    assert status == 200 and 'value="08:00"' in html
    data = resource_form(name="甲社区会议室", capacity="30")
    response = client.post(f"{URL}manage/{place.room.pk}/", data)  # is_active left unticked: paused
    assert response.status_code == 302
    place.room.refresh_from_db()
    assert (place.room.capacity, place.room.is_active) == (30, False)
    event = AuditEvent.objects.get(object_type="bookings.resource", action="update")
    assert event.details["changed"]["capacity"] == ["10", "30"] and "hours" in event.details["changed"]


def test_home_pages_show_the_queue_and_the_links(client, place, personas):
    services.booking_create(
        actor=place.resident,
        resource=place.hall,
        starts_at=at(9, 30),
        ends_at=at(10, 30),
        attendees=2,
        purpose="议事会",
    )
    log_in(client, personas.street_leader)
    html = client.get("/").content.decode()
    assert 'data-testid="bookings-panel"' in html
    log_in(client, place.resident)
    html = client.get("/portal/").content.decode()
    assert 'data-testid="bookings-links"' in html and f"{URL}mine/" in html


def test_a_booked_day_in_the_past_week_still_shows(client, place, personas):
    Booking.objects.create(
        resource=place.room,
        booker=place.resident,
        starts_at=at(10, day=date(2026, 11, 24)),
        ends_at=at(11, day=date(2026, 11, 24)),
        purpose="上周的活动",
        attendees=3,
        status="confirmed",
        created_at=at(10, day=date(2026, 11, 20)),
    )
    log_in(client, personas.community_head_a)
    _, html = page(client, f"{URL}manage/{place.room.pk}/calendar/", week="2026-11-24")
    assert "上周的活动" in html
