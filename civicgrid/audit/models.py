from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import AuditAction


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("Audit events are append-only.")

    def delete(self):
        raise TypeError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One thing someone did, recorded once and never changed."""

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as text too, so the row still says who it was if the account is ever removed.
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    # The chain (audit.chain): a row's place in it and its keyed hash over the previous row's hash and
    # its own fields, set once when the row is sealed (within a minute of being written).
    seq = models.BigIntegerField(_("链序号"), null=True, blank=True, unique=True, editable=False)
    # A database default too: the sweep writes audit rows with INSERT … SELECT.
    chain = models.CharField(
        _("链校验值"), max_length=64, blank=True, default="", db_default="", editable=False
    )

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["action", "-at"], name="audit_action_at"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="audit_unsealed"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("Audit events are append-only.")


class AuditChainHead(models.Model):
    """The end of the audit chain: the last sealed row's place and hash (one row, locked while sealing).
    A row cut from the end of the chain leaves the head pointing past the last row."""

    seq = models.BigIntegerField(default=0)
    chain = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("审计链末端")
        verbose_name_plural = _("审计链末端")

    def __str__(self) -> str:
        return f"{self.seq} {self.chain[:12]}"
