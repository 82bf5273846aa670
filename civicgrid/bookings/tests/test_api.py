"""The bookings API: resources, a day's slots, book, cancel, the owners' queue and decision — with the
same rules and scopes as the pages, and errors as {code, message, errors}."""

import pytest

from civicgrid.bookings.models import Booking
from civicgrid.core.testing import log_in

from .conftest import at

pytestmark = pytest.mark.django_db

API = "/api/v1/bookings"


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_list_resources_and_the_slots_of_a_day(client, place, django_assert_max_num_queries):
    log_in(client, place.resident)
    with django_assert_max_num_queries(10):
        body = client.get(f"{API}/resources").json()
    assert body["count"] == 3
    room = next(r for r in body["items"] if r["id"] == place.room.pk)
    assert (room["unit"], room["owner"], room["capacity"], room["needs_approval"]) == (
        "甲社区",
        "甲社区",
        10,
        False,
    )
    assert room["hours"][0] == {"weekday": 0, "opens": "08:00:00", "closes": "21:00:00"}
    assert [r["name"] for r in client.get(f"{API}/resources", {"kind": "venue"}).json()["items"]] == [
        "街道多功能厅"
    ]
    saturday = client.get(f"{API}/resources", {"date": "2026-12-05"}).json()
    assert [r["name"] for r in saturday["items"]] == ["甲社区会议室"]
    detail = client.get(f"{API}/resources/{place.org_room.pk}").json()
    assert detail["owner"] == "甲社区商贸公司"
    slots = client.get(f"{API}/resources/{place.hall.pk}/slots", {"date": "2026-12-02"}).json()
    assert len(slots) == 9 and slots[0]["starts_at"].startswith("2026-12-02T08:30:00+08:00")
    assert all(s["free"] and not s["past"] for s in slots)


def test_book_then_the_same_slot_is_a_conflict(client, place):
    log_in(client, place.resident)
    url = f"{API}/resources/{place.room.pk}/bookings"
    payload = {
        "starts_at": "2026-12-02T10:00:00+08:00",
        "ends_at": "2026-12-02T11:00:00+08:00",
        "attendees": 4,
        "purpose": "例会",
    }
    created = post(client, url, payload)
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "confirmed"
    log_in(client, place.organisation)
    naive = payload | {
        "starts_at": "2026-12-02T10:00:00",
        "ends_at": "2026-12-02T11:00:00",
    }  # read as Shanghai time
    taken = post(client, url, naive)
    assert taken.status_code == 409
    assert taken.json() == {"code": "slot_taken", "message": "该时段已被预约，请选择其他时段。", "errors": {}}
    slots = client.get(f"{API}/resources/{place.room.pk}/slots", {"date": "2026-12-02"}).json()
    assert [s["free"] for s in slots if s["starts_at"].startswith("2026-12-02T10:00")] == [False]
    assert Booking.objects.count() == 1


def test_bad_requests_get_field_errors_and_book_nothing(client, place):
    log_in(client, place.resident)
    url = f"{API}/resources/{place.room.pk}/bookings"
    early = post(
        client,
        url,
        {
            "starts_at": "2026-12-02T06:00:00+08:00",
            "ends_at": "2026-12-02T07:00:00+08:00",
            "attendees": 4,
            "purpose": "x",
        },
    )
    assert early.status_code == 400
    assert early.json()["errors"] == {"starts_at": ["不在开放时间内：2026-12-02（周三） 08:00–21:00。"]}
    schema = post(client, url, {"starts_at": "soon", "attendees": 0})
    assert schema.status_code == 422 and schema.json()["code"] == "validation_error"
    assert not Booking.objects.exists()


def test_who_may_book_and_see(client, place, personas):
    payload = {
        "starts_at": "2026-12-02T10:00:00+08:00",
        "ends_at": "2026-12-02T11:00:00+08:00",
        "attendees": 1,
        "purpose": "x",
    }
    log_in(client, place.volunteer)
    refused = post(client, f"{API}/resources/{place.room.pk}/bookings", payload)
    assert refused.status_code == 403 and refused.json()["code"] == "not_verified"
    log_in(client, personas.grid_worker_a)
    assert client.get(f"{API}/resources").status_code == 403
    client.logout()
    assert client.get(f"{API}/resources").status_code == 401
    log_in(client, place.resident)
    assert client.get(f"{API}/resources/999999").json()["code"] == "not_found"


def test_cancel_and_decide(client, place, personas):
    log_in(client, place.resident)
    payload = {
        "starts_at": "2026-12-02T09:30:00+08:00",
        "ends_at": "2026-12-02T10:30:00+08:00",
        "attendees": 8,
        "purpose": "议事会",
    }
    pending = post(client, f"{API}/resources/{place.hall.pk}/bookings", payload).json()
    assert pending["status"] == "pending"
    mine = client.get(f"{API}/mine").json()
    assert [b["id"] for b in mine["items"]] == [pending["id"]]

    log_in(client, personas.community_head_b)
    assert client.get(f"{API}/queue").json()["items"] == []
    assert post(client, f"{API}/{pending['id']}/decide", {"confirm": True}).status_code == 404
    log_in(client, personas.street_leader)
    queue = client.get(f"{API}/queue").json()["items"]
    assert [(b["id"], b["booker"]) for b in queue] == [(pending["id"], "resident")]
    assert queue[0]["booker_phone"] != "13800000001"
    no_reason = post(client, f"{API}/{pending['id']}/decide", {"confirm": False})
    assert no_reason.status_code == 400 and no_reason.json()["errors"] == {
        "reason": ["请说明不予通过的原因。"]
    }
    confirmed = post(client, f"{API}/{pending['id']}/decide", {"confirm": True})
    assert confirmed.json()["status"] == "confirmed"
    assert (
        post(client, f"{API}/{pending['id']}/decide", {"confirm": True}).json()["code"] == "already_decided"
    )

    log_in(client, place.organisation)
    assert post(client, f"{API}/{pending['id']}/cancel", {}).status_code == 404
    log_in(client, place.resident)
    cancelled = post(client, f"{API}/{pending['id']}/cancel", {})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = post(client, f"{API}/{pending['id']}/cancel", {})
    assert again.status_code == 409 and again.json()["code"] == "not_cancellable"
    assert Booking.objects.get(pk=pending["id"]).starts_at == at(9, 30)
