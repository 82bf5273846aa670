"""The inbox: one message per key, email for users with an address, SMS through the pluggable backend."""

import pytest
from django.core import mail

from civicgrid.notifications.models import Notification
from civicgrid.notifications.services import notification_mark_read, notify

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_key_notifies_once_and_email_goes_out_after_commit(personas):
    user = personas.grid_worker_a
    user.email = "worker@example.org"
    user.save(update_fields=["email"])
    assert notify(user=user, kind="case.red", title="红灯告警", key="k1") is True
    assert notify(user=user, kind="case.red", title="红灯告警", key="k1") is False
    assert Notification.objects.filter(user=user).count() == 1
    assert [m.subject for m in mail.outbox] == ["红灯告警"]


def test_sms_goes_through_the_configured_backend(personas, settings, caplog):
    settings.SMS_BACKEND = "civicgrid.notifications.backends.LogSmsBackend"
    with caplog.at_level("INFO", logger="civicgrid.sms"):
        notify(user=personas.resident, kind="x", title="您反映的问题已处理", key="k2", sms=True)
    assert "138****0001" in caplog.text
    assert "13800000001" not in caplog.text


def test_marking_read(personas):
    notify(user=personas.resident, kind="x", title="a", key="a")
    notify(user=personas.resident, kind="x", title="b", key="b")
    assert notification_mark_read(user=personas.resident) == 2
    assert notification_mark_read(user=personas.resident) == 0
