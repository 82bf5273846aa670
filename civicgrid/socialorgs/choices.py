from django.db import models
from django.utils.translation import gettext_lazy as _


class SocialOrgCategory(models.TextChoices):
    CULTURE = "culture", _("文化团队")
    SPORTS = "sports", _("体育健身")
    VOLUNTEERING = "volunteering", _("志愿服务")
    ELDERLY = "elderly", _("为老服务")
    YOUTH = "youth", _("青少年")
    OTHER = "other", _("其他")


class SocialOrgStatus(models.TextChoices):
    """Where the organisation stands with its community (moderation)."""

    PENDING = "pending", _("待社区确认")
    CONFIRMED = "confirmed", _("已确认")
    REFUSED = "refused", _("未通过")


class JoinStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    ACCEPTED = "accepted", _("已加入")
    REFUSED = "refused", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")
    LEFT = "left", _("已退出")
    REMOVED = "removed", _("已移出")


# A request that still holds the resident's place: at most one per resident and organisation.
OPEN_JOIN_STATUSES = (JoinStatus.PENDING, JoinStatus.ACCEPTED)

# The badge colour of each state.
JOIN_STATUS_COLOURS: dict[str, str] = {
    JoinStatus.PENDING: "warning",
    JoinStatus.ACCEPTED: "success",
    JoinStatus.REFUSED: "danger",
    JoinStatus.WITHDRAWN: "secondary",
    JoinStatus.LEFT: "secondary",
    JoinStatus.REMOVED: "secondary",
}
ORG_STATUS_COLOURS: dict[str, str] = {
    SocialOrgStatus.PENDING: "warning",
    SocialOrgStatus.CONFIRMED: "success",
    SocialOrgStatus.REFUSED: "danger",
}
