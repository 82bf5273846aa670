from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", _("待审核")
    PUBLISHED = "published", _("已发布")
    CANCELLED = "cancelled", _("已取消")


class Audience(models.TextChoices):
    ALL = "all", _("所有居民")
    ELDERLY = "elderly", _("老年人")
    YOUTH = "youth", _("青少年")
    CHILDREN = "children", _("儿童")
    FAMILIES = "families", _("家庭")
    DISABLED = "disabled", _("残疾人")
    VOLUNTEERS = "volunteers", _("志愿者")


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITING = "waiting", _("候补")
    CANCELLED = "cancelled", _("已取消")


class PhotoStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    VISIBLE = "visible", _("已公开")
    HIDDEN = "hidden", _("已隐藏")


# Bootstrap colour of each state's badge.
STATUS_COLOURS = {
    ActivityStatus.DRAFT: "warning",
    ActivityStatus.PUBLISHED: "success",
    ActivityStatus.CANCELLED: "secondary",
    SignupStatus.CONFIRMED: "success",
    SignupStatus.WAITING: "info",
}
