from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import OrgUnit


class Snapshot(models.Model):
    """驾驶舱快照: an area's cockpit panels for one month, as computed at one moment. Kept only for
    areas whose panels take long to compute, and served for a short while (docs/decisions/0010)."""

    area = models.ForeignKey(OrgUnit, verbose_name=_("范围"), on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("月份"))
    language = models.CharField(_("语言"), max_length=16)
    computed_at = models.DateTimeField(_("统计时间"))
    took_ms = models.PositiveIntegerField(_("统计耗时（毫秒）"))
    read_at = models.DateTimeField(_("最近查看时间"))
    panels = models.JSONField(_("数据"))

    class Meta:
        verbose_name = _("驾驶舱快照")
        verbose_name_plural = _("驾驶舱快照")
        constraints = [
            models.UniqueConstraint(fields=["area", "month", "language"], name="cockpit_snapshot_unique")
        ]
        indexes = [models.Index(fields=["read_at"], name="cockpit_snapshot_read")]

    def __str__(self) -> str:
        return f"{self.area_id} {self.month:%Y-%m} {self.language} @ {self.computed_at}"
