"""A hundred people press "book" on the same slot at the same moment: one booking, ninety-nine clear
refusals (PostgreSQL: a database shared between threads, each thread its own connection).

The server allows 100 connections and other test runs share it, so the threads open at most as many
connections at a time as are free (less a margin); every one of the 100 attempts still runs on its own
connection, racing the others that are open."""

import itertools
import threading

import pytest
from django.db import OperationalError, connection, connections

from civicgrid.bookings import services
from civicgrid.bookings.models import Booking
from civicgrid.core.errors import Conflict
from civicgrid.core.testing import make_user
from civicgrid.org.choices import Role

from .conftest import at, verify

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between threads"),
]

ATTEMPTS = 100


def connection_budget(wanted: int, spare: int = 15) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)"
        )
        free = cursor.fetchone()[0]
    return max(4, min(wanted, free - spare))


def race(attempts: list) -> list[str]:
    """Run each attempt in its own thread and connection, all released at once; return the outcomes."""
    start = threading.Event()
    gate = threading.Semaphore(connection_budget(len(attempts)))
    results: list[str] = []
    lock = threading.Lock()

    def run(attempt):
        start.wait()
        with gate:
            try:
                for _ in range(50):  # a neighbour may hold the last free connections for a moment
                    try:
                        attempt()
                        outcome = "booked"
                        break
                    except Conflict as error:
                        outcome = error.code
                        break
                    except OperationalError as error:
                        if "too many clients" not in str(error):
                            raise
                        connections.close_all()
                        threading.Event().wait(0.05)
                else:
                    outcome = "no connection"
            except Exception as error:
                outcome = f"error: {error!r}"
            finally:
                connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(attempt,)) for attempt in attempts]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join()
    return results


def bookers(tree, count: int) -> list:
    people = []
    for i in range(count):
        user = make_user(f"booker{i:03d}", unit=tree.community_a, role=Role.RESIDENT, kind="resident")
        verify(user, tree.community_a)
        people.append(user)
    return people


def test_a_hundred_bookings_of_one_slot_give_exactly_one(place, tree):
    people = bookers(tree, ATTEMPTS)

    def attempt(user):
        return lambda: services.booking_create(
            actor=user, resource=place.room, starts_at=at(10), ends_at=at(11), attendees=2, purpose="抢约"
        )

    results = race([attempt(user) for user in people])
    assert len(results) == ATTEMPTS
    assert results.count("booked") == 1, sorted(set(results))
    assert set(results) - {"booked"} == {"slot_taken"}
    assert Booking.objects.filter(status="confirmed").count() == 1
    assert Booking.objects.count() == 1


def test_overlapping_requests_for_an_approved_hall_leave_one_pending(place, tree):
    people = bookers(tree, 20)
    ranges = [
        (at(8, 30), at(10, 30)),
        (at(9, 30), at(11, 30)),
        (at(10, 30), at(12, 30)),
        (at(9, 30), at(10, 30)),
    ]

    def attempt(user, start, end):
        return lambda: services.booking_create(
            actor=user, resource=place.hall, starts_at=start, ends_at=end, attendees=30, purpose="排练"
        )

    results = race([attempt(user, *ranges[i % len(ranges)]) for i, user in enumerate(people)])
    assert set(results) <= {"booked", "slot_taken"}, results
    held = list(Booking.objects.filter(status="pending").order_by("starts_at"))
    assert results.count("booked") == len(held) >= 1
    for first, second in itertools.pairwise(held):
        assert first.ends_at <= second.starts_at  # whatever won, nothing held overlaps
