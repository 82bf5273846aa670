"""The overlap rule belongs to the database: straight ORM writes, past every form and service, are
refused on SQLite (triggers) and PostgreSQL (exclusion constraint) alike."""

import pytest
from django.db import IntegrityError, connection, transaction

from civicgrid.bookings import services
from civicgrid.bookings.models import Booking
from civicgrid.core.errors import Conflict

from .conftest import at

pytestmark = pytest.mark.django_db


def raw(resource, booker, start, end, status="confirmed", **extra):
    return Booking.objects.create(
        resource=resource,
        booker=booker,
        starts_at=start,
        ends_at=end,
        purpose="x",
        attendees=1,
        status=status,
        created_at=start,
        **extra,
    )


def refused(create) -> bool:
    try:
        with transaction.atomic():
            create()
    except IntegrityError as error:
        assert "booking_no_overlap" in str(error), error
        return True
    return False


def test_an_overlapping_insert_is_refused_by_the_database(place):
    raw(place.room, place.resident, at(10), at(12))
    for start, end in [(at(10), at(12)), (at(11), at(13)), (at(9), at(10, 30)), (at(10, 15), at(10, 45))]:
        assert refused(lambda s=start, e=end: raw(place.room, place.volunteer, s, e)), (start, end)
    # A pending booking holds the time as well.
    assert refused(lambda: raw(place.room, place.volunteer, at(11), at(12), status="pending"))
    assert Booking.objects.count() == 1
    assert connection.vendor in ("sqlite", "postgresql")


def test_adjacent_bookings_and_other_resources_are_allowed(place):
    raw(place.room, place.resident, at(10), at(11))
    raw(place.room, place.volunteer, at(11), at(12))  # end == next start
    raw(place.room, place.volunteer, at(9), at(10))
    raw(place.hall, place.volunteer, at(10), at(11))  # the same time elsewhere
    assert Booking.objects.count() == 4


def test_refused_and_cancelled_bookings_free_the_time(place):
    raw(place.room, place.resident, at(10), at(11), status="refused")
    raw(place.room, place.resident, at(10), at(11), status="cancelled")
    kept = raw(place.room, place.volunteer, at(10), at(11), status="pending")
    assert Booking.objects.filter(starts_at=at(10)).count() == 3
    assert kept.is_blocking


def test_an_update_that_would_overlap_is_refused_too(place):
    raw(place.room, place.resident, at(10), at(11))
    cancelled = raw(place.room, place.volunteer, at(10), at(11), status="cancelled")
    moved = raw(place.room, place.volunteer, at(14), at(15))
    # Back to life over a held slot (queryset update, no model code involved) …
    assert refused(lambda: Booking.objects.filter(pk=cancelled.pk).update(status="confirmed"))
    # … or moved onto it.
    assert refused(
        lambda: Booking.objects.filter(pk=moved.pk).update(starts_at=at(10, 30), ends_at=at(11, 30))
    )
    # Changing a booking's own row (confirming a pending one) is no overlap with itself.
    Booking.objects.filter(pk=moved.pk).update(status="pending")
    Booking.objects.filter(pk=moved.pk).update(status="confirmed", reason="ok")
    assert Booking.objects.get(pk=moved.pk).status == "confirmed"


def test_the_service_answers_a_clear_conflict(place):
    services.booking_create(
        actor=place.resident,
        resource=place.room,
        starts_at=at(10),
        ends_at=at(12),
        attendees=3,
        purpose="例会",
    )
    with pytest.raises(Conflict) as caught:
        services.booking_create(
            actor=place.organisation,
            resource=place.room,
            starts_at=at(11),
            ends_at=at(12),
            attendees=3,
            purpose="培训",
        )
    assert caught.value.code == "slot_taken"
    assert str(caught.value.message) == str(services.SLOT_TAKEN)
    assert "该时段已被预约" in str(caught.value.message)
    assert Booking.objects.count() == 1
