"""The outbox: every email and SMS owed goes out at least once, and in the normal case exactly once,
whether the enqueue after commit was lost, the worker died mid-send or the backend failed for a while.
The clock is moved with time-machine; tasks run inline (HUEY immediate)."""

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection

from civicgrid.notifications import services
from civicgrid.notifications.models import Notification
from civicgrid.notifications.services import Message, bulk_notify, deliver, notify
from civicgrid.notifications.tasks import deliver_owed_messages, send_sms

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
MIN = timedelta(minutes=1)
PHONE = "13800000001"  # the resident persona's


class Gateway:
    """A test SMS backend: records what it sends; raises while `failures` remain (naming the phone,
    as real gateways do, to show that the number never reaches the log)."""

    sent: list = []
    failures = 0

    def send(self, phone, text):
        if Gateway.failures:
            Gateway.failures -= 1
            raise RuntimeError(f"gateway refused {phone}")
        Gateway.sent.append((phone, text))


class Killed(BaseException):
    """The worker process dies (kill -9): nothing after this point runs."""


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = "civicgrid.notifications.tests.test_delivery.Gateway"
    Gateway.sent, Gateway.failures = [], 0
    return Gateway.sent


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(START, tick=False)
    return time_machine


@pytest.fixture
def resident(personas):
    personas.resident.email = "resident@example.org"
    personas.resident.save(update_fields=["email"])
    return personas.resident


def alert(user, key="k", *, sms=True):
    return Message(user=user, kind="case.red", title="红灯告警", body="请处理", key=key, sms=sms)


def lost_enqueue(django_capture_on_commit_callbacks, *messages):
    """bulk_notify commits, and the process dies before the tasks are enqueued."""
    with django_capture_on_commit_callbacks(execute=False):
        bulk_notify(list(messages))
    return Notification.objects.get(key=messages[0].key)


def scan():
    return deliver_owed_messages.call_local()


def test_the_normal_path_sends_once_and_stamps(clock, sms, resident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        bulk_notify([alert(resident)])
    row = Notification.objects.get(key="k")
    assert (row.email_due, row.sms_due) == (True, True)
    assert (row.email_sent_at, row.sms_sent_at) == (START, START)
    assert sms == [(PHONE, "红灯告警 请处理")]
    assert [m.to for m in mail.outbox] == [["resident@example.org"]]
    # A message already sent is never sent again: not by the scan, not by a duplicate task.
    for minutes in (3, 10, 60 * 23):
        clock.move_to(START + minutes * MIN, tick=False)
        assert scan() == {"email": 0, "sms": 0, "failed": 0, "given_up": 0}
    assert send_sms.call_local(row.pk) is False
    assert len(sms) == 1
    assert len(mail.outbox) == 1


def test_only_what_is_owed_is_marked_due(personas, django_capture_on_commit_callbacks):
    worker = personas.grid_worker_a  # no email, no phone
    with django_capture_on_commit_callbacks(execute=False):
        bulk_notify(
            [alert(worker, "a"), alert(personas.resident, "b", sms=False), alert(personas.resident, "c")]
        )
    due = dict(Notification.objects.values_list("key", "sms_due"))
    assert due == {"a": False, "b": False, "c": True}
    assert not Notification.objects.filter(email_due=True).exists()


def test_a_lost_enqueue_is_sent_by_the_scan_after_two_minutes_exactly_once(
    clock, sms, resident, django_capture_on_commit_callbacks
):
    row = lost_enqueue(django_capture_on_commit_callbacks, alert(resident))
    clock.move_to(START + 1 * MIN, tick=False)
    assert scan()["sms"] == 0  # the fast path still has its head start
    assert sms == []
    clock.move_to(START + 3 * MIN, tick=False)
    assert scan() == {"email": 1, "sms": 1, "failed": 0, "given_up": 0}
    row.refresh_from_db()
    assert (row.sms_sent_at, row.email_sent_at) == (START + 3 * MIN, START + 3 * MIN)
    clock.move_to(START + 4 * MIN, tick=False)
    assert scan()["sms"] == 0
    assert sms == [(PHONE, "红灯告警 请处理")]
    assert len(mail.outbox) == 1


def test_the_enqueue_lost_by_patching_the_task_away(
    clock, sms, resident, monkeypatch, django_capture_on_commit_callbacks
):
    from civicgrid.notifications import tasks

    monkeypatch.setattr(tasks, "send_sms", lambda pk: None)
    monkeypatch.setattr(tasks, "send_email", lambda pk: None)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(user=resident, kind="x", title="通知", key="n", sms=True) is True
    assert sms == []
    clock.move_to(START + 3 * MIN, tick=False)
    scan()
    assert len(sms) == 1
    assert len(mail.outbox) == 1


def test_a_worker_killed_mid_send_is_replaced_by_the_scan_after_the_lease(
    clock, sms, resident, monkeypatch, django_capture_on_commit_callbacks
):
    row = lost_enqueue(django_capture_on_commit_callbacks, alert(resident, sms=True))

    def die(self, phone, text):
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(Gateway, "send", die)
        with pytest.raises(Killed):
            deliver(row.pk, "sms")
    row.refresh_from_db()
    assert row.sms_sent_at is None
    assert row.sms_claimed_until == START + services.LEASE
    clock.move_to(START + 4 * MIN, tick=False)  # past the head start, within the lease
    assert scan()["sms"] == 0
    clock.move_to(START + services.LEASE + MIN, tick=False)
    assert scan()["sms"] == 1
    clock.move_to(START + services.LEASE + 2 * MIN, tick=False)
    assert scan()["sms"] == 0
    assert len(sms) == 1


def test_a_message_under_a_live_claim_is_not_sent_by_a_second_worker(
    clock, sms, resident, django_capture_on_commit_callbacks
):
    row = lost_enqueue(django_capture_on_commit_callbacks, alert(resident))
    assert services._claim(row.pk, "sms") is not None  # worker A is sending it
    assert services._claim(row.pk, "sms") is None  # worker B is not
    assert send_sms.call_local(row.pk) is False
    clock.move_to(START + 3 * MIN, tick=False)
    assert scan()["sms"] == 0
    assert sms == []
    assert len(mail.outbox) == 1  # the email channel has its own claim


def test_a_failing_backend_leaves_it_unstamped_and_it_goes_out_once_the_backend_works(
    clock, sms, resident, caplog, django_capture_on_commit_callbacks
):
    Gateway.failures = 2
    with caplog.at_level("DEBUG"), django_capture_on_commit_callbacks(execute=True):
        bulk_notify([alert(resident)])  # the fast path fails (Huey would retry it in 30 s)
    row = Notification.objects.get(key="k")
    assert row.sms_sent_at is None
    assert row.sms_claimed_until == START  # released: Huey's retry may claim at once
    assert row.email_sent_at == START  # the other channel is not held up
    clock.move_to(START + 3 * MIN, tick=False)
    with caplog.at_level("DEBUG"):
        assert scan()["failed"] == 1  # still failing: backed off for a lease
    clock.move_to(START + 4 * MIN, tick=False)
    assert scan()["sms"] == 0
    clock.move_to(START + 3 * MIN + services.LEASE, tick=False)
    assert scan()["sms"] == 1
    row.refresh_from_db()
    assert row.sms_sent_at == START + 3 * MIN + services.LEASE
    assert sms == [(PHONE, "红灯告警 请处理")]
    assert "RuntimeError" in caplog.text
    assert PHONE not in caplog.text


def test_after_a_day_the_message_is_given_up_and_logged_once(
    clock, sms, resident, caplog, django_capture_on_commit_callbacks
):
    row = lost_enqueue(django_capture_on_commit_callbacks, alert(resident))
    clock.move_to(START + services.GIVE_UP + MIN, tick=False)
    with caplog.at_level("WARNING", logger="civicgrid.notifications"):
        assert scan() == {"email": 0, "sms": 0, "failed": 0, "given_up": 1}
        assert scan()["given_up"] == 0
    assert caplog.text.count("Gave up") == 1
    assert str(row.pk) in caplog.text
    assert PHONE not in caplog.text
    row.refresh_from_db()
    assert row.delivery_given_up_at == START + services.GIVE_UP + MIN
    assert send_sms.call_local(row.pk) is False
    assert sms == []
    assert mail.outbox == []


def test_a_removed_address_is_no_longer_owed(clock, sms, resident, django_capture_on_commit_callbacks):
    row = lost_enqueue(django_capture_on_commit_callbacks, alert(resident))
    resident.phone = ""
    resident.save(update_fields=["phone"])
    clock.move_to(START + 3 * MIN, tick=False)
    assert scan()["sms"] == 0
    row.refresh_from_db()
    assert (row.sms_due, row.sms_sent_at) == (False, None)
    assert Notification.objects.filter(services.owed("sms")).count() == 0


def test_bulk_notify_of_a_thousand_messages_makes_a_bounded_number_of_queries(
    personas, resident, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    people = [resident, personas.grid_worker_a, personas.volunteer, personas.dispatcher]
    messages = [alert(people[i % 4], f"bulk:{i}", sms=i % 2 == 0) for i in range(1000)]
    # One INSERT per batch (1,000 rows on PostgreSQL; SQLite's 999-parameter limit makes them smaller)
    # and one SELECT of the rows written: nothing per row.
    fields = [f for f in Notification._meta.concrete_fields if not f.primary_key]
    inserts = math.ceil(1000 / min(1000, connection.ops.bulk_batch_size(fields, messages)))
    with django_capture_on_commit_callbacks(execute=False), django_assert_max_num_queries(inserts + 1):
        bulk_notify(messages)
    rows = Notification.objects.filter(key__startswith="bulk:")
    assert rows.count() == 1000
    assert rows.filter(email_due=True).count() == 250  # the resident's
    assert rows.filter(sms_due=True).count() == 500  # resident (even) + volunteer (even)
