"""Webhooks: departmental systems subscribe to case events; each (subscription, event) becomes one
delivery, signed, retried with backoff and logged (see civicgrid/integrations/webhooks/services.py)."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.choices import EventKind
from civicgrid.cases.models import CaseEvent
from civicgrid.core.crypto import EncryptedTextField
from civicgrid.org.models import OrgUnit

# The timeline events a subscription may ask for: case created, claimed, dispatched, resolved, closed,
# red light. On the wire each is "case.<kind>" (the X-CivicGrid-Event header and the payload's "event").
WEBHOOK_EVENTS = (
    EventKind.REPORTED,
    EventKind.CLAIMED,
    EventKind.DISPATCHED,
    EventKind.RESOLVED,
    EventKind.CLOSED,
    EventKind.RED,
)
WEBHOOK_EVENT_CHOICES = [(kind.value, kind.label) for kind in WEBHOOK_EVENTS]


def validate_events(value) -> None:
    allowed = {kind.value for kind in WEBHOOK_EVENTS}
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("请至少选择一个事件。"), code="events_empty")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ValidationError(
            _("不支持的事件：%(kinds)s。"), code="events_unknown", params={"kinds": "、".join(unknown)}
        )


class WebhookSubscription(models.Model):
    """事件订阅: a departmental system receives the chosen case events of the cases whose grid lies
    under `scope_unit`, POSTed to `target_url` and signed with `secret` (HMAC-SHA256). The secret is
    kept encrypted (it is needed to sign) and shown in full only once, when the subscription is made."""

    name = models.CharField(_("名称"), max_length=100)
    target_url = models.URLField(
        _("接收地址"), max_length=500, validators=[URLValidator(schemes=["http", "https"])]
    )
    secret = EncryptedTextField(_("签名密钥"), editable=False)
    events = models.JSONField(_("订阅事件"), default=list, validators=[validate_events])
    scope_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("范围"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"))
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件订阅")
        verbose_name_plural = _("事件订阅")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def secret_hint(self) -> str:
        """What may be shown of the secret after it was made: its first characters."""
        return f"{self.secret[:10]}…" if self.secret else ""


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    DELIVERED = "delivered", _("已送达")
    FAILED = "failed", _("失败待重试")
    GIVEN_UP = "given_up", _("已放弃")


# Still owed: the scan's question (the condition of the index webhookdelivery_due).
OWED = Q(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])


class WebhookDelivery(models.Model):
    """One event owed to one subscription. `delivery_id` stays the same on every retry and replay, so
    the receiver can de-duplicate; `payload` is fixed when the row is made (the same body each time).
    An outbox row: due at `next_attempt_at`, taken by a worker with a lease (`claimed_until`)."""

    # Indexed first in webhookdelivery_once, not on its own.
    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("订阅"),
        on_delete=models.PROTECT,
        related_name="deliveries",
        db_index=False,
    )
    event = models.ForeignKey(CaseEvent, verbose_name=_("事件"), on_delete=models.CASCADE, related_name="+")
    delivery_id = models.UUIDField(_("投递编号"), unique=True, default=uuid.uuid4, editable=False)
    payload = models.JSONField(_("内容"), default=dict, editable=False)
    status = models.CharField(
        _("状态"), max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("本轮尝试次数"), default=0)
    replays = models.PositiveSmallIntegerField(_("重新投递次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试时间"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_status_code = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=200, blank=True)
    last_duration_ms = models.PositiveIntegerField(_("最近耗时（毫秒）"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("事件投递")
        verbose_name_plural = _("事件投递")
        ordering = ["-created_at", "-id"]
        constraints = [
            # The fan-out may run twice, or on two workers: one delivery per event and subscription.
            models.UniqueConstraint(fields=["subscription", "event"], name="webhookdelivery_once"),
        ]
        indexes = [
            # What the scan reads: the deliveries still owed (a handful among millions), soonest first.
            models.Index(fields=["next_attempt_at"], condition=OWED, name="webhookdelivery_due"),
            # The admin's list: newest first, by status.
            models.Index(fields=["status", "-created_at"], name="webhookdelivery_status"),
        ]

    def __str__(self) -> str:
        return str(self.delivery_id)


class WebhookAttempt(models.Model):
    """投递记录: one POST of a delivery, with the receiver's answer (or the network error's class)."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("投递"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    round = models.PositiveSmallIntegerField(_("轮次"), default=0)  # 0: first sending; n: n-th replay
    number = models.PositiveSmallIntegerField(_("第几次"))
    at = models.DateTimeField(_("时间"))
    status_code = models.PositiveSmallIntegerField(_("响应码"), null=True, blank=True)
    error = models.CharField(_("错误"), max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"


class WebhookCursor(models.Model):
    """How far the fan-out has read the case timeline (one row, pk 1). Timeline rows are found by id,
    not by signals: the deadline sweep writes them in bulk (INSERT … SELECT). `position` is the highest
    CaseEvent id read; `holes` the ids below it not seen yet — on PostgreSQL an id is taken when the
    row is inserted but seen only when its transaction commits, so a lower id may appear later. Each
    hole is looked for again on every run until it appears or `HOLE_TTL` passes (a rolled-back or
    deleted row). `version` is bumped by each run with a compare-and-set, so two workers never
    fan out the same batch at once."""

    position = models.BigIntegerField(default=0)
    holes = models.JSONField(default=list, blank=True)  # [[id, first seen (ISO 8601)], …]
    version = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("事件游标")
        verbose_name_plural = _("事件游标")

    def __str__(self) -> str:
        return f"{self.position} (+{len(self.holes)})"
