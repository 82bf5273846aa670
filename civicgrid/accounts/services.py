"""Creating accounts, changing passwords and enrolling the TOTP second factor."""

import secrets
from contextlib import contextmanager
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock

from .backends import MOBILE_RE
from .choices import AccountKind
from .models import User

INVALID_MOBILE = _("请输入有效的中国大陆手机号（11 位，以 1 开头）。")


def validate_mobile(phone: str) -> str:
    phone = (phone or "").strip()
    if not MOBILE_RE.match(phone):
        raise ValidationError({"phone": INVALID_MOBILE})
    return phone


@contextmanager
def login_gate(username: str):
    """One credential check at a time for an account name, from the lock-out check to the recorded
    failure: otherwise a burst of simultaneous guesses all pass the check before any failure is
    counted. PostgreSQL takes an advisory lock on the name for the transaction; SQLite's transactions
    begin IMMEDIATE and so take turns already."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"login:{username}"])
        yield


@transaction.atomic
def user_create(
    *,
    username: str,
    full_name: str,
    kind: str = AccountKind.STAFF,
    password: str | None = None,
    password_hash: str | None = None,
    phone: str = "",
    is_staff: bool = False,
    is_superuser: bool = False,
    actor=None,
) -> User:
    """Create an account; staff user names must not look like phone numbers (those log residents in)."""
    if kind == AccountKind.STAFF and MOBILE_RE.match(username):
        raise ValidationError({"username": _("工作人员账号不能是手机号。")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("账号 %(name)s 已存在。") % {"name": username}})
    if phone:
        validate_mobile(phone)
    user = User(
        username=username,
        full_name=full_name,
        kind=kind,
        phone=phone,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password_hash is not None:
        user.password = password_hash
    elif password is not None:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.password_changed_at = clock.now()
    user.save()
    if actor is not None:
        audit_record(action=AuditAction.CREATE, actor=actor, obj=user, details={"kind": kind})
    return user


def totp_device_start(*, user: User) -> TOTPDevice:
    """Return the user's unconfirmed TOTP device, creating one with a fresh key if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=_("验证器"), key=secrets.token_hex(20), confirmed=False
        )
    return device


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str, request=None) -> bool:
    """Confirm enrolment if `token` is a current code of the device."""
    if not device.verify_token(token):
        audit_record(action=AuditAction.SECOND_FACTOR_FAILED, actor=device.user, request=request)
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(action=AuditAction.SECOND_FACTOR_ENROLLED, actor=device.user, request=request)
    return True


def password_change(
    *, user: User, new_password: str, request=None, action: str = AuditAction.PASSWORD_CHANGE
) -> User:
    """Set a new password (already validated by the form): stamped, so the expiry counts from now;
    the account's other sessions end (their session hash no longer matches), this one stays."""
    user.set_password(new_password)
    user.password_changed_at = clock.now()
    user.save(update_fields=["password", "password_changed_at"])
    if request is not None:
        update_session_auth_hash(request, user)
    audit_record(action=action, actor=user, obj=user, request=request)
    return user


def password_reset(*, user: User, new_password: str, request=None) -> User:
    """Set the password of someone who proved their phone (an SMS code) instead of the old password:
    checked by the rules of the account's kind; every session of the account ends, and its failed
    log-ins are forgotten so that the new password works at once."""
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    password_change(user=user, new_password=new_password, action=AuditAction.PASSWORD_RESET)
    for name in {user.username, user.phone} - {""}:  # staff sign in by name, residents by phone
        axes_reset(username=name)
    return user


def password_expired(user, *, now=None) -> bool:
    """Staff passwords expire after STAFF_PASSWORD_MAX_AGE_DAYS (0: never; docs/decisions/0008).
    A staff account whose password was never stamped (made outside the services) must set one."""
    days = settings.STAFF_PASSWORD_MAX_AGE_DAYS
    if not days or getattr(user, "kind", None) != AccountKind.STAFF or not user.has_usable_password():
        return False
    changed = user.password_changed_at
    return changed is None or (now or clock.now()) - changed > timedelta(days=days)
