"""Changing one's password, and staff passwords that expire after 90 days (等保 2.0; decision 0008)."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from civicgrid.audit.models import AuditEvent
from civicgrid.core import clock
from civicgrid.core.testing import PASSWORD, log_in

pytestmark = pytest.mark.django_db
CHANGE = reverse("accounts:password_change")
NEW = "Fresh-Pass-2027!"


def change(client, old=PASSWORD, new=NEW, again=None):
    data = {"old_password": old, "new_password1": new, "new_password2": again or new}
    return client.post(CHANGE, data)


def test_a_staff_member_changes_the_password_and_other_sessions_end(client, personas):
    worker = personas.grid_worker_a
    log_in(client, worker)
    elsewhere = Client()
    log_in(elsewhere, worker)
    page = client.get(CHANGE)
    assert page.status_code == 200 and "修改密码" in page.content.decode()

    response = change(client)
    assert response.status_code == 302 and response.url == "/"
    worker.refresh_from_db()
    assert worker.check_password(NEW)
    assert abs(worker.password_changed_at - clock.now()) < timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="password_change", actor=worker).count() == 1
    assert "密码已修改" in client.get("/").content.decode()  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one is over


def test_a_wrong_current_password_or_a_weak_new_one_is_refused_and_changes_nothing(client, personas):
    worker = personas.grid_worker_a
    log_in(client, worker)
    wrong = change(client, old="not-my-password")
    assert wrong.status_code == 422
    assert "旧密码不正确" in wrong.content.decode()
    weak = change(client, new="password1234")
    assert weak.status_code == 422
    assert "工作人员密码至少 12 个字符" in weak.content.decode()
    different = change(client, again="Other-Pass-2027!")
    assert different.status_code == 422
    worker.refresh_from_db()
    assert worker.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="password_change").exists()


def test_after_90_days_a_staff_member_must_change_the_password_first(client, personas, settings):
    settings.STAFF_PASSWORD_MAX_AGE_DAYS = 90  # the production default (off in the test settings)
    worker = personas.grid_worker_a
    with time_machine.travel(clock.now() + timedelta(days=89)):
        log_in(client, worker)  # a fresh log-in: sessions end after 12 hours anyway
        assert client.get("/").status_code == 200
    with time_machine.travel(clock.now() + timedelta(days=91)):
        log_in(client, worker)
        page = client.get("/cases/")
        assert page.status_code == 302 and page.url == CHANGE
        form = client.get(CHANGE).content.decode()
        assert "您的密码已使用超过 90 天，请先修改密码。" in form
        assert 'data-testid="password-expired"' in form
        api = client.get("/api/v1/cases")
        assert api.status_code == 403 and api.json()["code"] == "password_expired"
        assert change(client).status_code == 302
        assert client.get("/cases/").status_code == 200


def test_residents_are_not_asked_and_the_rule_can_be_switched_off(client, personas, settings):
    settings.STAFF_PASSWORD_MAX_AGE_DAYS = 90
    with time_machine.travel(clock.now() + timedelta(days=400)):
        log_in(client, personas.resident)
        assert client.get(reverse("portal_home")).status_code == 200
    settings.STAFF_PASSWORD_MAX_AGE_DAYS = 0
    with time_machine.travel(clock.now() + timedelta(days=400)):
        log_in(client, personas.grid_worker_a)
        assert client.get("/").status_code == 200


def test_signed_out_visitors_are_sent_to_log_in(client):
    response = client.get(CHANGE)
    assert response.status_code == 302 and "/accounts/login/" in response.url
