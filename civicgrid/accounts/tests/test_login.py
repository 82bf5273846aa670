"""Signing in: staff by user name, residents by phone; lock-out after repeated failures, all audited."""

import pytest
import time_machine
from django.test import override_settings

from civicgrid.audit.models import AuditEvent
from civicgrid.core.testing import PASSWORD

pytestmark = pytest.mark.django_db


def post_login(client, username, password, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def test_staff_signs_in_with_user_name_and_lands_home(client, personas):
    response = post_login(client, "worker_a", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="login", actor=personas.grid_worker_a).count() == 1


def test_wrong_password_gives_one_message_for_unknown_and_known_users(client, personas):
    known = post_login(client, "worker_a", "wrong-password").content.decode()
    unknown = post_login(client, "nobody", "wrong-password").content.decode()
    message = "账号或密码错误。连续失败 5 次后账号将被锁定 5 分钟。"
    assert message in known
    assert message in unknown


def test_five_failures_lock_the_account_and_every_attempt_is_audited(client, personas):
    for _ in range(5):
        post_login(client, "worker_a", "wrong-password")
    locked = post_login(client, "worker_a", PASSWORD)
    assert locked.status_code == 429
    assert "账号已暂时锁定" in locked.content.decode()
    assert client.get("/").status_code == 302  # not signed in
    assert AuditEvent.objects.filter(action="login_failed", actor_name="worker_a").count() == 6
    assert AuditEvent.objects.filter(action="locked_out", actor_name="worker_a").exists()
    assert not AuditEvent.objects.filter(action="login").exists()


def test_lock_out_ends_after_the_cool_off(client, personas):
    with time_machine.travel("2026-11-28 09:00 +0800", tick=False) as traveller:
        for _ in range(5):
            post_login(client, "worker_a", "wrong-password")
        assert post_login(client, "worker_a", PASSWORD).status_code == 429
        traveller.shift(301)
        assert post_login(client, "worker_a", PASSWORD).status_code == 302


def test_lock_out_of_one_account_leaves_others_alone(client, personas):
    for _ in range(5):
        post_login(client, "worker_a", "wrong-password")
    assert post_login(client, "worker_b", PASSWORD).status_code == 302


def test_resident_signs_in_with_mobile_number(client, personas):
    response = post_login(client, "13800000001", PASSWORD, url="/accounts/resident-login/")
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200


def test_phone_is_stored_encrypted_with_a_blind_index(personas):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_index FROM accounts_user WHERE username = 'resident'")
        phone, index = cursor.fetchone()
    assert "13800000001" not in phone
    assert "13800000001" not in index
    personas.resident.refresh_from_db()
    assert personas.resident.phone == "13800000001"
    assert personas.resident.masked_phone == "138****0001"


def test_log_out_is_a_post_and_is_audited(client, personas):
    post_login(client, "worker_a", PASSWORD)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="logout", actor=personas.grid_worker_a).exists()


@override_settings(STAFF_IDLE_TIMEOUT=1800)
def test_staff_session_ends_after_thirty_idle_minutes(client, personas):
    with time_machine.travel("2026-11-28 09:00 +0800", tick=False) as traveller:
        post_login(client, "worker_a", PASSWORD)
        assert client.get("/").status_code == 200
        traveller.shift(29 * 60)
        assert client.get("/").status_code == 200  # activity resets the idle clock
        traveller.shift(31 * 60)
        response = client.get("/org/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="session_expired", actor=personas.grid_worker_a).exists()


def test_staff_password_needs_twelve_characters_of_three_classes(personas):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="至少 12 个字符"):
        validate_password("short1A!", personas.grid_worker_a)
    with pytest.raises(ValidationError, match="至少三类"):
        validate_password("onlylowercaseletters", personas.grid_worker_a)
    validate_password("Grid-Worker-2026", personas.grid_worker_a)
    validate_password("resident-pass-91", personas.resident)  # residents: Django's rules only


def test_staff_user_name_may_not_be_a_phone_number(db):
    from django.core.exceptions import ValidationError

    from civicgrid.accounts.services import user_create

    with pytest.raises(ValidationError):
        user_create(username="13800000009", full_name="某人")


def test_a_signed_out_portal_visitor_is_sent_to_the_resident_log_in(client, db):
    response = client.get("/portal/")
    assert response["Location"].startswith("/accounts/resident-login/")
