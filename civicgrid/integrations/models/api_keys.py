from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.org.choices import Role
from civicgrid.org.models import OrgUnit


class ApiKey(models.Model):
    """接口密钥: how a departmental system calls the API. The key acts through a service account of
    its own holding one role in one unit, so it is scoped and masked exactly like a person in that
    role and place. Only a hash of the key is kept; the key itself is shown once, when it is made."""

    name = models.CharField(_("名称"), max_length=100)
    # The key's public part ("cg_" + prefix + "_" + secret): finds the row without the secret.
    prefix = models.CharField(_("前缀"), max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("服务账号"), on_delete=models.PROTECT, related_name="api_key"
    )
    unit = models.ForeignKey(OrgUnit, verbose_name=_("所属单元"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    rate_per_minute = models.PositiveIntegerField(_("每分钟请求上限"), default=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)

    class Meta:
        verbose_name = _("接口密钥")
        verbose_name_plural = _("接口密钥")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (cg_{self.prefix}_…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
