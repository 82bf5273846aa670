"""绩效考核: schemes of rule lines (data, not code), periods that close, and the append-only ledger."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.models import Case
from civicgrid.fieldwork.models import Visit
from civicgrid.org.models import OrgUnit

from .choices import EntryKind, PeriodKind, PeriodStatus, RuleKind, TargetKind


class ScoreScheme(models.Model):
    """考核方案: who is scored (grids, communities or workers) in an area, per period, from a base score."""

    name = models.CharField(_("名称"), max_length=60)
    area = models.ForeignKey(OrgUnit, verbose_name=_("考核范围"), on_delete=models.PROTECT, related_name="+")
    target_kind = models.CharField(_("考核对象"), max_length=12, choices=TargetKind.choices)
    period_kind = models.CharField(
        _("考核周期"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    base_score = models.DecimalField(_("基础分"), max_digits=7, decimal_places=2, default=100)
    # The first period scored; the close never looks further back.
    starts_on = models.DateField(_("起算日期"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ScoreRule(models.Model):
    """考核细则: a rule kind, its points per occurrence (negative deducts) and its parameters."""

    scheme = models.ForeignKey(
        ScoreScheme, verbose_name=_("考核方案"), on_delete=models.PROTECT, related_name="rules"
    )
    kind = models.CharField(_("规则类型"), max_length=24, choices=RuleKind.choices)
    label = models.CharField(_("说明"), max_length=100, blank=True)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    # e.g. {"target": 20} for visits; {"event": "dispute_rejected"} for an upheld report.
    params = models.JSONField(_("参数"), default=dict, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("考核细则")
        verbose_name_plural = _("考核细则")
        ordering = ["scheme", "id"]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()


class ScorePeriod(models.Model):
    """One period of a scheme; once closed its entries are frozen."""

    scheme = models.ForeignKey(ScoreScheme, on_delete=models.PROTECT, related_name="periods")
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期（不含）"))
    status = models.CharField(
        _("状态"), max_length=8, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    closed_at = models.DateTimeField(_("关账时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考核周期")
        verbose_name_plural = _("考核周期")
        ordering = ["scheme", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "starts_on"], name="scoreperiod_scheme_start")
        ]

    def __str__(self) -> str:
        return f"{self.scheme} {self.starts_on:%Y-%m}"


class ScoreEntry(models.Model):
    """扣分/加分记录: one change of a score with its cause; never updated, corrected by a new entry."""

    scheme = models.ForeignKey(ScoreScheme, on_delete=models.PROTECT, related_name="+", db_index=False)
    period = models.ForeignKey(
        ScorePeriod, verbose_name=_("考核周期"), on_delete=models.PROTECT, related_name="entries"
    )
    rule = models.ForeignKey(
        ScoreRule,
        verbose_name=_("考核细则"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices, default=EntryKind.RULE)
    # The grid or community scored, or the worker's grid; `user` is the worker for worker schemes.
    unit = models.ForeignKey(OrgUnit, verbose_name=_("单元"), on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("网格员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.DecimalField(_("分值"), max_digits=8, decimal_places=2)
    case = models.ForeignKey(
        Case, verbose_name=_("问题"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        Visit, verbose_name=_("走访"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    reason = models.CharField(_("理由"), max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("记录时间"))
    # (scheme, rule, target, period, cause): closing a period again inserts nothing new.
    key = models.CharField(max_length=120, unique=True)

    class Meta:
        verbose_name = _("考核记录")
        verbose_name_plural = _("考核记录")
        ordering = ["period", "id"]
        indexes = [models.Index(fields=["scheme", "period", "unit"], name="scoreentry_scheme_period")]

    def __str__(self) -> str:
        return f"{self.key} {self.points}"
