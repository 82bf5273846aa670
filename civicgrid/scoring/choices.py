from django.db import models
from django.utils.translation import gettext_lazy as _


class TargetKind(models.TextChoices):
    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    WORKER = "worker", _("网格员")


class PeriodKind(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")
    YEAR = "year", _("年度")


class RuleKind(models.TextChoices):
    """What a rule line counts; its points (negative: deduction) apply once per thing counted."""

    REWARDED_REPORT = "rewarded_report", _("有奖发现（黄金眼）问题")
    LATE_CLAIM = "late_claim", _("超时领办")
    LATE_RESOLUTION = "late_resolution", _("超时办结")
    UNRESOLVED_REPEAT = "unresolved_repeat", _("逾期未办结（每周期重复扣分）")
    REPORT_UPHELD = "report_upheld", _("异议甄别后报告属实")
    PROACTIVE_FIND = "proactive_find", _("网格主动发现问题")
    VISITS_ABOVE_TARGET = "visits_above_target", _("走访超出目标")


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("未关账")
    CLOSED = "closed", _("已关账")


class EntryKind(models.TextChoices):
    RULE = "rule", _("规则计分")
    ADJUSTMENT = "adjustment", _("人工调整")
    CORRECTION = "correction", _("更正")
