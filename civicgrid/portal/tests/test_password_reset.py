"""找回密码: a code texted to the account's phone, then a new password under the rules of the account's
kind. The page answers the same for numbers with and without an account; a reset ends every session,
clears the failed log-ins and is audited."""

import re
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client

from civicgrid.audit.models import AuditEvent
from civicgrid.core.clock import now as clock_now
from civicgrid.core.testing import PASSWORD, log_in
from civicgrid.portal.models import SignupCode

from .conftest import code_for, without_tokens

pytestmark = pytest.mark.django_db

URL = "/portal/password-reset/"
NEW = "Qiutao-Road-2026"


def ask_code(client, phone):
    return client.post(URL, {"step": "code", "phone": phone})


def reset(client, phone, code, password=NEW, again=None):
    data = {"step": "reset", "phone": phone, "code": code, "password": password, "password_again": again}
    return client.post(URL, data | {"password_again": again or password})


def resident_login(client, phone, password):
    return client.post("/accounts/resident-login/", {"username": phone, "password": password})


def test_a_resident_resets_the_password_by_sms_and_every_old_session_ends(client, personas, sms):
    resident = personas.resident
    elsewhere = Client()
    log_in(elsewhere, resident)
    assert elsewhere.get("/portal/").status_code == 200
    for _ in range(3):
        resident_login(Client(), resident.phone, "not-my-password")
    assert AccessAttempt.objects.filter(username=resident.phone).exists()

    page = client.get("/accounts/resident-login/").content.decode()
    assert URL in page and "忘记密码" in page
    sent = ask_code(client, resident.phone)
    assert sent.status_code == 200 and "验证码已发送" in sent.content.decode()
    assert sms[-1][0] == resident.phone and "找回密码" in sms[-1][1]
    done = reset(client, resident.phone, code_for(sms))
    assert done.status_code == 302 and done["Location"] == "/accounts/resident-login/"
    assert not AccessAttempt.objects.filter(username=resident.phone).exists()  # failures forgotten

    assert resident_login(Client(), resident.phone, PASSWORD).status_code == 200  # the old one: refused
    assert resident_login(Client(), resident.phone, NEW).status_code == 302
    assert elsewhere.get("/portal/").status_code == 302  # signed out where it was signed in
    event = AuditEvent.objects.get(action="password_reset")
    assert event.actor == resident
    # The code is spent.
    assert reset(client, resident.phone, code_for(sms), password="Another-Road-2026").status_code == 422


def test_numbers_with_and_without_an_account_get_the_same_answers(client, personas, sms):
    known, unknown = personas.resident.phone, "13999990000"
    first = ask_code(client, known)
    with time_machine.travel(clock_now() + timedelta(seconds=1)):
        second = ask_code(Client(), unknown)
    assert first.status_code == second.status_code == 200
    assert without_tokens(first) == without_tokens(second).replace(unknown, known)
    assert [phone for phone, _ in sms] == [known]  # only the account's owner is texted
    assert SignupCode.objects.filter(purpose="password_reset").count() == 2  # both count against limits

    wrong_known = reset(Client(), known, "000000" if code_for(sms) != "000000" else "111111")
    wrong_unknown = reset(Client(), unknown, "000000")
    assert wrong_known.status_code == wrong_unknown.status_code == 422
    assert without_tokens(wrong_known) == without_tokens(wrong_unknown).replace(unknown, known)
    assert "验证码错误或已过期" in wrong_known.content.decode()
    too_soon = ask_code(Client(), unknown)
    assert too_soon.status_code == 429 and "60 秒" in too_soon.content.decode()


def test_the_new_password_follows_the_rules_of_the_account_kind_and_a_refusal_keeps_the_code(
    client, personas, sms
):
    resident = personas.resident
    ask_code(client, resident.phone)
    code = code_for(sms)
    for weak, message in [
        ("woaini1314", "密码过于常见"),
        ("short1", "密码太短，至少需要 8 个字符"),
        ("12345678901", "密码只包含数字"),
    ]:
        refused = reset(client, resident.phone, code, password=weak)
        assert refused.status_code == 422 and message in refused.content.decode(), re.findall(
            r'invalid-feedback">([^<]+)', refused.content.decode()
        )
    mismatch = reset(client, resident.phone, code, again="Qiutao-Road-2027")
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.content.decode()
    assert not AuditEvent.objects.filter(action="password_reset").exists()
    assert reset(client, resident.phone, code).status_code == 302  # the code was kept for the retry


def test_a_staff_member_resets_with_the_staff_rules_and_still_needs_the_second_factor(client, personas, sms):
    head = personas.community_head_a
    head.phone = "13700001111"
    head.save(update_fields=["phone"])
    ask_code(client, head.phone)
    code = code_for(sms)
    weak = reset(client, head.phone, code, password="qiutaoroad2026")
    assert weak.status_code == 422 and "工作人员密码至少 12 个字符" in weak.content.decode()
    assert reset(client, head.phone, code, password="Qiutao-Road-2026!").status_code == 302
    staff = Client()
    staff.post("/accounts/login/", {"username": head.username, "password": "Qiutao-Road-2026!"})
    assert staff.get("/").url.startswith("/accounts/otp/")


def test_a_deactivated_account_gets_no_code(client, personas, sms):
    resident = personas.resident
    resident.is_active = False
    resident.save(update_fields=["is_active"])
    assert ask_code(client, resident.phone).status_code == 200
    assert not sms
