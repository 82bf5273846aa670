"""200 people after 50 places at the same moment: exactly 50 get a place, the other 150 wait numbered
1…150 in the order the database served them (PostgreSQL: a database shared between threads)."""

import queue
import threading

import pytest
from django.db import connection, connections

from civicgrid.activities import services
from civicgrid.activities.models import Activity, ActivitySignup
from civicgrid.core.errors import Conflict

from .conftest import residents

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between threads"),
]

PEOPLE, PLACES = 200, 50
# Connections are shared with other test runs (max_connections 100): 25 threads, each signing up
# people from one queue, all released at once.
THREADS = 25


def sign_up_all(activity, people) -> list[str]:
    todo: queue.Queue = queue.Queue()
    for user in people:
        todo.put(user)
    barrier = threading.Barrier(THREADS)
    results: list[str] = []

    def worker():
        try:
            barrier.wait()
            while True:
                try:
                    user = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    signup = services.signup_create(actor=user, activity=Activity.objects.get(pk=activity.pk))
                    results.append(signup.status)
                except Conflict as error:
                    results.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_200_sign_ups_for_50_places(make_activity, tree):
    people = residents(tree, PEOPLE)
    activity = make_activity(capacity=PLACES)
    results = sign_up_all(activity, people)
    assert results.count("confirmed") == PLACES
    assert results.count("waiting") == PEOPLE - PLACES
    rows = list(ActivitySignup.objects.filter(activity=activity).order_by("pk"))
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = [r for r in rows if r.status == "waiting"]
    assert len(confirmed) == PLACES and len(waiting) == PEOPLE - PLACES
    # In the order they were served: every place was taken before anyone had to wait, and the queue
    # numbers follow both the insertion order and the arrival time recorded under the lock.
    assert max(r.pk for r in confirmed) < min(r.pk for r in waiting)
    assert [r.position for r in waiting] == list(range(1, PEOPLE - PLACES + 1))
    assert [r.created_at for r in waiting] == sorted(r.created_at for r in waiting)
    assert len({r.user_id for r in rows}) == PEOPLE
    activity.refresh_from_db()
    assert (activity.confirmed_count, activity.waiting_count) == (PLACES, PEOPLE - PLACES)


def test_the_same_person_pressing_twenty_times_gets_one_place(make_activity, personas):
    activity = make_activity(capacity=PLACES)
    results = sign_up_all(activity, [personas.resident] * 20)
    assert results.count("confirmed") == 1
    assert set(results) - {"confirmed"} == {"already_signed_up"}
    assert ActivitySignup.objects.filter(activity=activity).count() == 1


def test_cancellations_and_sign_ups_at_once_keep_the_queue_whole(make_activity, tree):
    people = residents(tree, 60)
    activity = make_activity(capacity=20)
    for user in people[:40]:
        services.signup_create(actor=user, activity=activity)
    barrier = threading.Barrier(THREADS)
    todo: queue.Queue = queue.Queue()
    for user in people[:10]:  # ten with a place leave …
        todo.put(("cancel", user))
    for user in people[40:]:  # … while twenty newcomers arrive
        todo.put(("signup", user))

    def worker():
        try:
            barrier.wait()
            while True:
                try:
                    action, user = todo.get_nowait()
                except queue.Empty:
                    return
                current = Activity.objects.get(pk=activity.pk)
                if action == "cancel":
                    services.signup_cancel(actor=user, activity=current)
                else:
                    services.signup_create(actor=user, activity=current)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    live = ActivitySignup.objects.filter(activity=activity).exclude(status="cancelled")
    assert live.filter(status="confirmed").count() == 20
    waiting = sorted(live.filter(status="waiting").values_list("position", flat=True))
    assert waiting == list(range(1, 31))
    activity.refresh_from_db()
    assert (activity.confirmed_count, activity.waiting_count) == (20, 30)
