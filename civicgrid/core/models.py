from django.conf import settings
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


class Submission(models.Model):
    """One client submission, by its idempotency key: the same key sent again (a retry, an offline
    queue replayed twice) finds the object the first one made instead of making another."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField()
    kind = models.CharField(max_length=40)
    object_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("提交记录")
        verbose_name_plural = _("提交记录")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="submission_user_key_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"
