"""API keys: made for a departmental system (the key shown once), revoked, and checked on each call."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.accounts.services import user_create
from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden, RateLimited
from civicgrid.org.choices import STAFF_ROLES
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import FULL_DATA_ROLES
from civicgrid.org.selectors import units_visible_to, user_can
from civicgrid.org.services import membership_grant

from .models import ApiKey

# Roles a key may act in: staff roles, never one that reveals personal data in full (a key has no
# second factor) — minimum necessary for a machine.
KEY_ROLES = STAFF_ROLES - FULL_DATA_ROLES
USED_STAMP_EVERY = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *, actor, name: str, unit: OrgUnit, role: str, rate_per_minute: int = 120
) -> tuple[ApiKey, str]:
    """Make a key and its service account (one membership: `role` in `unit`); return the key and its
    full text, which is never stored nor shown again."""
    if not user_can(actor, "integrations.manage"):
        raise Forbidden()
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("请填写密钥名称（调用方系统）。")]})
    if not units_visible_to(actor).filter(pk=unit.pk).exists():
        raise ValidationError({"unit": [_("只能为您管理范围内的单元生成密钥。")]})
    if role not in KEY_ROLES:
        raise ValidationError(
            {"role": [_("接口密钥不能使用该角色（可查看完整个人信息的角色须人工登录并二次验证）。")]}
        )
    if not 1 <= rate_per_minute <= 6000:
        raise ValidationError({"rate_per_minute": [_("每分钟请求上限须在 1 到 6000 之间。")]})
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    account = user_create(username=f"api-{prefix}", full_name=f"接口：{name}"[:50])
    membership_grant(user=account, unit=unit, role=role, actor=actor)
    key = ApiKey.objects.create(
        name=name[:100],
        prefix=prefix,
        secret_hash=_hash(secret),
        account=account,
        unit=unit,
        role=role,
        rate_per_minute=rate_per_minute,
        created_by=actor,
        created_at=clock.now(),
    )
    audit_record(action=AuditAction.CREATE, actor=actor, obj=key, details={"role": role, "unit": unit.code})
    return key, f"cg_{prefix}_{secret}"


@transaction.atomic
def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
    """Revoke at once: the key stops working on its next call and its service account is deactivated."""
    if not user_can(actor, "integrations.manage"):
        raise Forbidden()
    now = clock.now()
    if not ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now):
        raise Conflict(_("该密钥已吊销。"), code="already_revoked")
    key.account.is_active = False
    key.account.save(update_fields=["is_active"])
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=key, details={"status": "revoked"})
    key.refresh_from_db()
    return key


def _cache_key(prefix: str) -> str:
    return f"integrations:key:{prefix}"


def key_account(raw: str | None):
    """The service account behind a key's full text, or None (unknown, wrong or revoked); stamps the
    key's last use at most once a minute and refuses with RateLimited past its rate."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != "cg":
        return None
    prefix, secret = parts[1], parts[2]
    key = ApiKey.objects.select_related("account").filter(prefix=prefix, revoked_at__isnull=True).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)) or not key.account.is_active:
        return None
    _count_call(key)
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at >= USED_STAMP_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key.account


def _count_call(key: ApiKey) -> None:
    """A fixed one-minute window per key in the shared cache."""
    window = int(clock.now().timestamp() // 60)
    counter = f"{_cache_key(key.prefix)}:calls:{window}"
    cache.add(counter, 0, timeout=120)
    try:
        calls = cache.incr(counter)
    except ValueError:  # evicted between add and incr
        cache.set(counter, 1, timeout=120)
        calls = 1
    if calls > key.rate_per_minute:
        raise RateLimited(
            _("调用过于频繁：该密钥每分钟最多 %(n)d 次请求，请稍后再试。") % {"n": key.rate_per_minute}
        )
