from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time a task worker ran its periodic heartbeat; shown to admins."""

    name = models.CharField(max_length=100, primary_key=True)
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = _("任务进程心跳")
        verbose_name_plural = _("任务进程心跳")

    def __str__(self) -> str:
        return self.name


class BenchRow(models.Model):
    """Rows for the benchmark reference endpoints (what the stack itself costs); no business meaning."""

    label = models.CharField(max_length=100)
    value = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("基准测试数据")
        verbose_name_plural = _("基准测试数据")

    def __str__(self) -> str:
        return self.label
