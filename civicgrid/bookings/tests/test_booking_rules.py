"""Who may book, and when: verified residents and confirmed organisations, inside opening hours, on the
resource's slots, in the future and not too far ahead. A refusal says why in Chinese and changes nothing."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError

from civicgrid.audit.models import AuditEvent
from civicgrid.bookings import selectors, services
from civicgrid.bookings.models import Booking
from civicgrid.core.errors import Conflict, Forbidden, NotFound
from civicgrid.core.testing import make_user
from civicgrid.notifications.models import Notification
from civicgrid.org.choices import Role

from .conftest import at, make_resource, verify

pytestmark = pytest.mark.django_db


def book(place, actor=None, resource=None, start=None, end=None, attendees=2, purpose="兴趣小组活动"):
    return services.booking_create(
        actor=actor or place.resident,
        resource=resource or place.room,
        starts_at=start or at(10),
        ends_at=end or at(11),
        attendees=attendees,
        purpose=purpose,
    )


def messages_of(caught) -> dict:
    return {field: [str(m) for m in messages] for field, messages in caught.value.message_dict.items()}


def test_a_verified_resident_books_and_it_is_confirmed_at_once(place):
    booking = book(place, start=at(10), end=at(12))
    assert booking.status == "confirmed" and booking.decided_at is not None
    assert AuditEvent.objects.filter(object_type="bookings.booking", action="create").count() == 1
    note = Notification.objects.get(user=place.resident)
    assert note.kind == "bookings.confirmed" and "甲社区会议室" in note.title


def test_a_confirmed_organisation_books_without_a_personal_verification(place):
    assert book(place, actor=place.organisation).status == "confirmed"


@pytest.mark.parametrize(
    ("start", "end", "field", "expected"),
    [
        (at(7), at(8), "starts_at", "不在开放时间内：2026-12-02（周三） 08:00–21:00。"),
        (at(20), at(22), "starts_at", "不在开放时间内：2026-12-02（周三） 08:00–21:00。"),
        (at(10, 30), at(11, 30), "starts_at", "请按每段 60 分钟预约，从开放时间起算。"),
        (at(10), at(10, 30), "starts_at", "请按每段 60 分钟预约，从开放时间起算。"),
        (at(11), at(10), "ends_at", "结束时间应晚于开始时间。"),
        (at(8, day=date(2026, 12, 1)), at(9, day=date(2026, 12, 1)), "starts_at", "只能预约尚未开始的时段。"),
        (at(10, day=date(2027, 1, 15)), at(11, day=date(2027, 1, 15)), "starts_at", "最多可提前 30 天预约。"),
    ],
)
def test_times_outside_the_rules_are_refused_with_a_chinese_message(place, start, end, field, expected):
    with pytest.raises(ValidationError) as caught:
        book(place, start=start, end=end)
    assert messages_of(caught) == {field: [expected]}
    assert not Booking.objects.exists()
    assert not AuditEvent.objects.filter(object_type="bookings.booking").exists()


def test_a_day_the_resource_is_closed_is_refused(place):
    saturday = date(2026, 12, 5)
    with pytest.raises(ValidationError) as caught:
        book(place, resource=place.hall, start=at(9, 30, day=saturday), end=at(10, 30, day=saturday))
    assert messages_of(caught) == {"starts_at": ["2026-12-05（周六）不开放。"]}
    assert not Booking.objects.exists()


def test_more_people_than_the_room_holds_and_an_empty_purpose_are_refused(place):
    with pytest.raises(ValidationError) as caught:
        book(place, attendees=11, purpose="  ")
    assert messages_of(caught) == {
        "attendees": ["人数超过容纳上限（最多 10 人）。"],
        "purpose": ["请填写用途。"],
    }
    assert not Booking.objects.exists()


def test_unverified_residents_cannot_book(place):
    with pytest.raises(Forbidden) as caught:
        book(place, actor=place.volunteer)
    assert caught.value.code == "not_verified" and str(caught.value.message) == "完成实名认证后才能预约。"
    assert not Booking.objects.exists()


def test_staff_and_unconfirmed_organisations_cannot_book(place, personas):
    pending_org = make_user("org_pending", kind="organisation", phone="13700000002")
    for actor in (personas.community_head_a, personas.grid_worker_a, pending_org):
        with pytest.raises(Forbidden):
            book(place, actor=actor)
    assert not Booking.objects.exists()


def test_a_resource_of_another_street_is_not_there(place, tree, personas):
    from civicgrid.org.choices import UnitKind
    from civicgrid.org.services import org_unit_create

    other_street = org_unit_create(
        parent=tree.district, kind=UnitKind.STREET, name="别的街道", code="339901002"
    )
    elsewhere = make_resource(other_street, created_by=personas.platform_admin, name="别处的活动室")
    with pytest.raises(NotFound):
        book(place, resource=elsewhere)
    # A resident of that street books it; ours does not see it.
    their_community = org_unit_create(
        parent=other_street, kind=UnitKind.COMMUNITY, name="别的社区", code="339901002001"
    )
    neighbour = make_user("neighbour", unit=their_community, role=Role.RESIDENT, kind="resident")
    verify(neighbour, their_community)
    assert elsewhere not in selectors.bookable_resources(place.resident)
    assert book(place, actor=neighbour, resource=elsewhere).status == "confirmed"


def test_a_paused_resource_takes_no_bookings(place):
    place.room.is_active = False
    place.room.save()
    with pytest.raises(Conflict) as caught:
        book(place)
    assert caught.value.code == "resource_closed"


def test_several_slots_in_a_row_are_one_booking(place):
    hall = place.hall
    booking = book(place, resource=hall, start=at(8, 30), end=at(11, 30), attendees=80)
    assert booking.status == "pending"
    assert (booking.starts_at, booking.ends_at) == (at(8, 30), at(11, 30))
    assert hall.hours.get(weekday=2).opens == time(8, 30)
