"""No log line carries a full mainland mobile number or resident ID number: the console handler's
filter masks them (138****5678, 330104********1234) in the message, the traceback and the stack,
while longer digit runs (order numbers, timestamps) and everything else are left as they are."""

import copy
import io
import logging
import logging.config
import sys

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import Client
from django.urls import include, path

from civicgrid.core.logmask import MaskPersonalData, mask_personal
from civicgrid.portal.models import SignupCode

PHONE = "13912345678"
PHONE_MASKED = "139****5678"
ID_NUMBER = "33010419900307123X"
ID_MASKED = "330104********123X"


def record(msg, *args, exc_info=None, name="civicgrid.test") -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args or None, exc_info)


def filtered(msg, *args, **kwargs) -> logging.LogRecord:
    rec = record(msg, *args, **kwargs)
    assert MaskPersonalData().filter(rec) is True  # a record is never dropped
    return rec


# -------------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "138****5678"),
        ("电话：13812345678。", "电话：138****5678。"),
        ("phone=13812345678&x=1", "phone=138****5678&x=1"),
        ("tel13812345678", "tel138****5678"),  # letters around do not protect a number
        ("+8613812345678", "+86138****5678"),
        ("+86 13812345678", "+86 138****5678"),
        ("8613812345678", "86138****5678"),
        ("19912345678 and 17012345678", "199****5678 and 170****5678"),
        ("330104199003071234", "330104********1234"),
        ("身份证33010419900307123X，", "身份证330104********123X，"),
        ("33010419900307123x", "330104********123x"),
        ("id=330104199003071234&phone=13812345678", "id=330104********1234&phone=138****5678"),
        # Not a phone or ID: a digit next to it makes it part of another number.
        ("order 20260101138123456789", "order 20260101138123456789"),  # 20 digits
        ("ts 1738123456789", "ts 1738123456789"),  # 13-digit millisecond timestamp
        ("138123456789", "138123456789"),  # 12 digits
        ("3301041990030712345", "3301041990030712345"),  # 19 digits
        ("12812345678", "12812345678"),  # 12x is not a mobile prefix
        ("1381234567", "1381234567"),  # 10 digits
        ("code 123456, room 302", "code 123456, room 302"),
        ("", ""),
    ],
)
def test_the_masking_rule(text, expected):
    assert mask_personal(text) == expected


def test_args_are_formatted_first_and_then_masked():
    rec = filtered("SMS to %s about %s: %d", PHONE, ID_NUMBER, 7)
    assert rec.getMessage() == f"SMS to {PHONE_MASKED} about {ID_MASKED}: 7"
    assert rec.args is None


def test_mapping_args_are_masked_too():
    rec = filtered("user %(phone)s", {"phone": PHONE})
    assert rec.getMessage() == f"user {PHONE_MASKED}"


def test_a_phone_split_across_message_and_args_is_still_masked():
    rec = filtered("call 139%s", "12345678")
    assert rec.getMessage() == f"call {PHONE_MASKED}"


def test_a_record_without_personal_data_is_left_untouched():
    rec = filtered("order %s paid at %s", "20260101138123456789", "2026-11-02 09:00")
    assert (rec.msg, rec.args) == ("order %s paid at %s", ("20260101138123456789", "2026-11-02 09:00"))


def test_a_broken_format_string_is_let_through_for_the_handler_to_report():
    rec = filtered("two %s %s", "one")
    assert rec.msg == "two %s %s"


def test_the_traceback_and_stack_are_masked():
    try:
        raise ValueError(f"no account for {PHONE} / {ID_NUMBER}")
    except ValueError:
        rec = filtered("lookup failed", exc_info=sys.exc_info())
    rec.stack_info = f"Stack (most recent call last):\n  lookup({PHONE!r})"
    MaskPersonalData().filter(rec)
    line = logging.Formatter().format(rec)
    assert PHONE not in line and ID_NUMBER not in line
    assert f"ValueError: no account for {PHONE_MASKED} / {ID_MASKED}" in line
    assert f"lookup('{PHONE_MASKED}')" in line


def test_filtering_twice_changes_nothing_more():
    rec = filtered("%s", PHONE)
    MaskPersonalData().filter(rec)
    assert rec.getMessage() == PHONE_MASKED


# -------------------------------------------------------------------------------- configured chain


def _boom(request, phone):
    raise RuntimeError(f"no resident with phone {phone} and ID {request.GET.get('id')}")


urlpatterns = [
    path("boom/<str:phone>/", login_not_required(_boom)),
    path("", include("civicgrid.urls")),
]
handler500 = "civicgrid.core.middleware.server_error"

TOUCHED = ("", "django", "django.server", "django.request", "huey", "civicgrid.sms")


@pytest.fixture
def log_output():
    """Logging configured as in production (settings/base.py LOGGING), root at DEBUG, into a string;
    the test settings' logging is put back afterwards (pytest keeps its own capture handlers)."""
    from civicgrid.settings import base

    saved = {
        name: (lg.level, lg.handlers[:], lg.propagate, lg.filters[:])
        for name in TOUCHED
        for lg in [logging.getLogger(name)]
    }
    stream = io.StringIO()
    config = copy.deepcopy(base.LOGGING)
    config["handlers"]["console"]["stream"] = stream
    config["root"]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    try:
        yield stream
    finally:
        root = logging.getLogger()
        for handler in console_handlers(stream):
            root.removeHandler(handler)
        for name, (level, handlers, propagate, filters) in saved.items():
            logger = logging.getLogger(name)
            if name:  # the root's handlers are pytest's by now
                logger.handlers[:] = handlers
            logger.level, logger.propagate, logger.filters[:] = level, propagate, filters


def console_handlers(stream) -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if getattr(h, "stream", None) is stream]


def test_the_console_handler_masks_every_logger(log_output):
    [console] = console_handlers(log_output)
    assert any(isinstance(f, MaskPersonalData) for f in console.filters)
    for name in ("django", "django.server", "django.request"):  # Django's own handlers are gone
        assert logging.getLogger(name).handlers == []
    huey = logging.getLogger("huey")  # a handler of its own: run_huey adds no unmasked one
    assert console in huey.handlers and not huey.propagate
    assert all(h is console or type(h).__module__.startswith("_pytest") for h in huey.handlers)
    logging.getLogger("civicgrid.anything").warning("居民 %s 身份证 %s", PHONE, ID_NUMBER)
    logging.getLogger("django.server").info('"GET /x/?phone=%s HTTP/1.1" 200 12', PHONE)
    logging.getLogger("huey").error("Unhandled exception in task for %s", PHONE)
    text = log_output.getvalue()
    assert PHONE not in text and ID_NUMBER not in text
    assert f"居民 {PHONE_MASKED} 身份证 {ID_MASKED}" in text
    assert f"/x/?phone={PHONE_MASKED} HTTP/1.1" in text
    assert text.count(f"task for {PHONE_MASKED}") == 1  # once: no duplicate through the root


def test_the_sign_up_sms_code_is_logged_with_the_phone_masked(client, tree, log_output, caplog):
    caplog.set_level(logging.DEBUG)
    response = client.post("/portal/signup/", {"step": "code", "phone": PHONE})
    assert response.status_code == 200, log_output.getvalue()
    assert SignupCode.objects.count() == 1
    assert "SMS to" in caplog.text  # the default backend did write the message to the log
    text = log_output.getvalue()
    assert PHONE not in text
    [line] = [line for line in text.splitlines() if "civicgrid.sms" in line]
    assert f"SMS to {PHONE_MASKED}: 【淘社区】您的注册验证码是 " in line  # the code itself stays readable


@pytest.mark.urls(__name__)
def test_a_server_error_with_a_phone_in_the_url_is_logged_masked(db, log_output):
    response = Client(raise_request_exception=False).get(f"/boom/{PHONE}/", {"id": ID_NUMBER})
    assert response.status_code == 500
    text = log_output.getvalue()
    assert "ERROR django.request Internal Server Error" in text
    assert PHONE not in text and ID_NUMBER not in text
    assert f"Internal Server Error: /boom/{PHONE_MASKED}/" in text
    assert f"RuntimeError: no resident with phone {PHONE_MASKED} and ID {ID_MASKED}" in text
