from django.db import models
from django.utils.translation import gettext_lazy as _


class PollKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")


class ResultsVisibility(models.TextChoices):
    ALWAYS = "always", _("随时公开")
    AFTER_VOTING = "after_voting", _("投票后可见")
    AFTER_CLOSING = "after_closing", _("截止后公开")
    STAFF_ONLY = "staff_only", _("仅工作人员可见")


class Status(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CLOSED = "closed", _("已结束")


class Phase(models.TextChoices):
    """Where a published poll or survey stands for its audience, derived from the status and the clock."""

    DRAFT = "draft", _("草稿")
    UPCOMING = "upcoming", _("未开始")
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已截止")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选题")
    MULTIPLE = "multiple", _("多选题")
    RATING = "rating", _("1–5 分评分题")
    TEXT = "text", _("填空题")


CHOICE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})
