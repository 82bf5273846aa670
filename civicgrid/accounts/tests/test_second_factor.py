"""TOTP: required for platform admins, street leaders and whoever may reveal personal data in full;
enrolment on first use, audited."""

import pytest
import time_machine
from django.test import Client, override_settings
from django_otp.oath import totp

from civicgrid.audit.models import AuditEvent
from civicgrid.core.testing import PASSWORD, totp_device

pytestmark = pytest.mark.django_db


def current_code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


@pytest.mark.parametrize("persona", ["platform_admin", "street_leader", "community_head_a"])
def test_roles_that_need_totp_see_only_the_code_page_until_they_pass_it(client, personas, persona):
    user = getattr(personas, persona)
    device = totp_device(user)
    with time_machine.travel("2026-11-28 09:00:05 +0800", tick=False) as traveller:
        sign_in(client, user.username)
        for path in ("/", "/org/", "/audit/"):
            response = client.get(path)
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/otp/")
        assert client.get("/api/v1/me").json()["code"] == "second_factor_required"

        wrong = client.post(
            "/accounts/otp/", {"token": "000000" if current_code(device) != "000000" else "111111"}
        )
        assert "动态验证码不正确或已过期" in wrong.content.decode()
        assert client.get("/").status_code == 302
        traveller.shift(2)  # django-otp throttles the next try after a failure
        client.post("/accounts/otp/", {"token": current_code(device)})
        assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="second_factor", actor=user).count() == 1
    assert AuditEvent.objects.filter(action="second_factor_failed", actor=user).count() == 1


@override_settings(OTP_REQUIRED_ROLES=[])
def test_a_role_that_may_reveal_full_personal_data_needs_totp_whatever_the_setting(client, personas):
    from civicgrid.org.permissions import PERMISSIONS

    assert "community_head" in PERMISSIONS["registry.reveal"]
    sign_in(client, personas.community_head_a.username)
    assert client.get("/registry/").url.startswith("/accounts/otp/")
    leader = Client()
    sign_in(leader, personas.street_leader.username)  # configured away: straight in
    assert leader.get("/").status_code == 200


def test_roles_without_the_requirement_go_straight_in(client, personas):
    sign_in(client, "worker_a")
    assert client.get("/").status_code == 200


def test_first_sign_in_enrols_a_device_with_qr_and_secret(client, personas):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    sign_in(client, "leader")
    page = client.get("/accounts/otp/").content.decode()
    assert "data:image/svg+xml;base64," in page
    assert 'data-testid="totp-secret"' in page
    device = TOTPDevice.objects.get(user=personas.street_leader, confirmed=False)
    client.post("/accounts/otp/", {"token": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="second_factor_enrolled", actor=personas.street_leader).exists()


@override_settings(OTP_REQUIRED_ROLES=["grid_worker"])
def test_the_roles_are_configurable(client, personas):
    totp_device(personas.grid_worker_a)
    sign_in(client, "worker_a")
    assert client.get("/").status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, "leader")
    assert client.get("/").status_code == 200
