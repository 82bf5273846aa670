"""The owner's decision on a booking that needs approval, the booker's inbox, and cancellation."""

import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicgrid.audit.models import AuditEvent
from civicgrid.bookings import selectors, services
from civicgrid.bookings.models import Booking
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.notifications.models import Notification

from .conftest import at

pytestmark = pytest.mark.django_db


def book(place, resource, actor=None, start=None, end=None):
    return services.booking_create(
        actor=actor or place.resident,
        resource=resource,
        starts_at=start or at(9, 30),
        ends_at=end or at(10, 30),
        attendees=5,
        purpose="居民议事会",
    )


def test_a_booking_that_needs_approval_waits_and_holds_the_slot(place, personas):
    booking = book(place, place.hall)
    assert booking.status == "pending"
    # The street's leader is told; the queue shows it to the street and not to community B.
    assert Notification.objects.filter(user=personas.street_leader, kind="bookings.pending").exists()
    assert list(selectors.pending_queue(personas.street_leader)) == [booking]
    assert list(selectors.pending_queue(personas.community_head_b)) == []
    with pytest.raises(Conflict):
        book(place, place.hall, actor=place.organisation)


def test_confirm_notifies_the_booker_and_is_audited(place, personas):
    booking = book(place, place.hall)
    services.booking_decide(actor=personas.street_leader, booking=booking, confirm=True)
    booking.refresh_from_db()
    assert (booking.status, booking.decided_by) == ("confirmed", personas.street_leader)
    note = Notification.objects.get(user=place.resident, kind="bookings.confirmed")
    assert note.title == "预约已确认：街道多功能厅"
    assert AuditEvent.objects.filter(
        object_type="bookings.booking", object_id=str(booking.pk), action="state_change"
    ).exists()
    with pytest.raises(Conflict) as caught:
        services.booking_decide(actor=personas.street_leader, booking=booking, confirm=False, reason="x")
    assert caught.value.code == "already_decided"


def test_a_refusal_needs_a_reason_tells_the_booker_and_frees_the_slot(place, personas):
    booking = book(place, place.hall)
    with pytest.raises(ValidationError) as caught:
        services.booking_decide(actor=personas.street_leader, booking=booking, confirm=False, reason=" ")
    assert caught.value.message_dict == {"reason": ["请说明不予通过的原因。"]}
    assert Booking.objects.get(pk=booking.pk).status == "pending"
    services.booking_decide(
        actor=personas.street_leader, booking=booking, confirm=False, reason="当天已安排街道会议"
    )
    note = Notification.objects.get(user=place.resident, kind="bookings.refused")
    assert "当天已安排街道会议" in note.body
    # Someone else may now have the time.
    assert book(place, place.hall, actor=place.organisation).status == "pending"


def test_owners_decide_only_on_their_own_resources(place, personas):
    hall_booking = book(place, place.hall)
    org_booking = book(place, place.org_room)
    for outsider in (personas.community_head_b, personas.grid_worker_a, place.resident):
        with pytest.raises(Forbidden):
            services.booking_decide(actor=outsider, booking=hall_booking, confirm=True)
    # The community head of A does not decide for the enterprise in A; the enterprise does.
    with pytest.raises(Forbidden):
        services.booking_decide(actor=personas.community_head_a, booking=org_booking, confirm=True)
    services.booking_decide(actor=place.organisation, booking=org_booking, confirm=True)
    with pytest.raises(Forbidden):
        services.booking_decide(actor=place.organisation, booking=hall_booking, confirm=True)
    assert Booking.objects.get(pk=hall_booking.pk).status == "pending"


def test_a_booking_that_has_begun_can_no_longer_be_confirmed(place, personas):
    booking = book(place, place.hall)
    with time_machine.travel("2026-12-02 09:45 +0800", tick=False), pytest.raises(Conflict) as caught:
        services.booking_decide(actor=personas.street_leader, booking=booking, confirm=True)
    assert caught.value.code == "already_started"


def test_the_booker_cancels_before_the_start_and_the_slot_is_free(place, personas):
    booking = book(place, place.room, start=at(10), end=at(11))
    services.booking_cancel(actor=place.resident, booking=booking)
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_at is not None
    owner_note = Notification.objects.get(kind="bookings.cancelled")
    assert owner_note.user == personas.community_head_a and owner_note.title == "预约已取消：甲社区会议室"
    slots = {s.starts_at: s for s in selectors.day_slots(place.room, at(10).date())}
    assert slots[at(10)].free
    assert book(place, place.room, actor=place.organisation, start=at(10), end=at(11)).status == "confirmed"
    with pytest.raises(Conflict) as caught:
        services.booking_cancel(actor=place.resident, booking=booking)
    assert caught.value.code == "not_cancellable"


def test_nobody_else_cancels_and_nobody_cancels_after_the_start(place):
    booking = book(place, place.room, start=at(10), end=at(11))
    with pytest.raises(Forbidden):
        services.booking_cancel(actor=place.organisation, booking=booking)
    with time_machine.travel("2026-12-02 10:00 +0800", tick=False), pytest.raises(Conflict) as caught:
        services.booking_cancel(actor=place.resident, booking=booking)
    assert str(caught.value.message) == "预约时段已开始，不能取消。"
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"


def test_the_day_shows_taken_free_and_past_slots(place):
    book(place, place.room, start=at(10), end=at(12))
    slots = selectors.day_slots(place.room, at(10).date())
    assert len(slots) == 13  # 08:00–21:00 in hours
    taken = [s.starts_at.hour for s in slots if not s.free]
    assert taken == [10, 11]
    today = selectors.day_slots(place.room, at(10).date().replace(day=1))
    assert [s.past for s in today][:2] == [True, True] and not today[-1].past  # it is 09:00


def test_the_owner_withdraws_a_confirmed_booking_with_a_reason_and_the_booker_is_told(place, personas):
    booking = book(place, place.room, start=at(9), end=at(10))
    assert booking.status == "confirmed"
    with pytest.raises(ValidationError) as caught:
        services.booking_withdraw(actor=personas.community_head_a, booking=booking, reason="  ")
    assert caught.value.message_dict == {"reason": ["请说明取消预约的原因，预约人会收到这条说明。"]}
    assert Booking.objects.get(pk=booking.pk).status == "confirmed"  # nothing changed
    with pytest.raises(Forbidden):  # not the owner of community A's room
        services.booking_withdraw(actor=personas.community_head_b, booking=booking, reason="维修")
    services.booking_withdraw(actor=personas.community_head_a, booking=booking, reason="会议室漏水维修")
    booking.refresh_from_db()
    assert (booking.status, booking.reason) == ("cancelled", "会议室漏水维修")
    note = Notification.objects.get(user=place.resident, kind="bookings.cancelled")
    assert note.title == "预约已被管理方取消：甲社区会议室" and "会议室漏水维修" in note.body
    assert AuditEvent.objects.filter(object_id=str(booking.pk), details__by="owner").exists()
    book(place, place.room, actor=place.organisation, start=at(9), end=at(10))  # the time is free again
    with pytest.raises(Conflict) as again:
        services.booking_withdraw(actor=personas.community_head_a, booking=booking, reason="再次")
    assert again.value.code == "not_cancellable"


def test_a_booking_that_has_begun_cannot_be_withdrawn(place, personas):
    booking = book(place, place.room, start=at(9), end=at(10))
    with time_machine.travel(at(9, 15), tick=False), pytest.raises(Conflict) as caught:
        services.booking_withdraw(actor=personas.community_head_a, booking=booking, reason="临时占用")
    assert caught.value.code == "already_started"


def test_the_owner_withdraws_from_the_calendar_page_and_through_the_api(client, place, personas):
    from civicgrid.core.testing import log_in

    first = book(place, place.room, start=at(9), end=at(10))
    second = book(place, place.room, start=at(14), end=at(15))
    log_in(client, personas.community_head_a)
    calendar = f"/portal/resources/manage/{place.room.pk}/calendar/?week={at(9).date():%Y-%m-%d}"
    assert 'data-testid="withdraw"' in client.get(calendar).content.decode()
    response = client.post(
        f"/portal/resources/manage/bookings/{first.pk}/withdraw/", {"reason": "停电检修", "next": calendar}
    )
    assert response.status_code == 302 and response["Location"] == calendar
    assert Booking.objects.get(pk=first.pk).status == "cancelled"
    empty = client.post(
        f"/api/v1/bookings/{second.pk}/withdraw", {"reason": ""}, content_type="application/json"
    )
    assert empty.status_code == 400 and empty.json()["code"] == "invalid"
    done = client.post(
        f"/api/v1/bookings/{second.pk}/withdraw", {"reason": "停电检修"}, content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["status"] == "cancelled"
    client.logout()
    log_in(client, personas.community_head_b)  # another community's head learns nothing
    third = book(place, place.room, start=at(15), end=at(16))
    assert (
        client.post(f"/portal/resources/manage/bookings/{third.pk}/withdraw/", {"reason": "x"}).status_code
        == 404
    )
    assert Booking.objects.get(pk=third.pk).status == "confirmed"


def test_a_pending_booking_whose_time_begins_undecided_is_refused_once_and_the_booker_told(place, personas):
    booking = book(place, place.hall)
    decided = book(place, place.hall, actor=place.organisation, start=at(14, 30), end=at(15, 30))
    services.booking_decide(actor=personas.street_leader, booking=decided, confirm=True)
    with time_machine.travel(at(9, 0), tick=False):
        assert services.expire_undecided() == 0  # not begun yet
    with time_machine.travel(at(9, 31), tick=False):
        assert services.expire_undecided() == 1
        assert services.expire_undecided() == 0  # twice in a row changes nothing more
    booking.refresh_from_db()
    assert (booking.status, booking.reason) == ("refused", "预约时段开始前未获审核，已自动退回，请重新预约。")
    assert Booking.objects.get(pk=decided.pk).status == "confirmed"
    assert Notification.objects.filter(user=place.resident, kind="bookings.refused").count() == 1
    assert AuditEvent.objects.filter(object_id=str(booking.pk), details__expired=True).count() == 1
    assert list(selectors.pending_queue(personas.street_leader)) == []


def test_the_worker_expires_undecided_bookings_every_five_minutes(place):
    from huey.contrib.djhuey import HUEY

    from civicgrid.bookings.tasks import expire_undecided_bookings

    book(place, place.hall)
    assert expire_undecided_bookings.task_class in HUEY._registry._periodic_tasks
    with time_machine.travel(at(10, 0), tick=False):
        assert expire_undecided_bookings.call_local() == 1
