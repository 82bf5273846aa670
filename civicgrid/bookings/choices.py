from django.db import models
from django.utils.translation import gettext_lazy as _


class ResourceKind(models.TextChoices):
    ROOM = "room", _("活动室")
    VENUE = "venue", _("场地")
    EQUIPMENT = "equipment", _("设备")


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    CONFIRMED = "confirmed", _("已确认")
    REFUSED = "refused", _("未通过")
    CANCELLED = "cancelled", _("已取消")


# The statuses that hold the time: the database refuses two of them overlapping on one resource.
BLOCKING_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)

STATUS_COLOURS = {
    BookingStatus.PENDING: "warning",
    BookingStatus.CONFIRMED: "success",
    BookingStatus.REFUSED: "danger",
    BookingStatus.CANCELLED: "secondary",
}

WEEKDAYS = [
    (0, _("周一")),
    (1, _("周二")),
    (2, _("周三")),
    (3, _("周四")),
    (4, _("周五")),
    (5, _("周六")),
    (6, _("周日")),
]

SLOT_MINUTES = [
    (30, _("30 分钟")),
    (60, _("1 小时")),
    (120, _("2 小时")),
    (180, _("3 小时")),
    (240, _("半天（4 小时）")),
]
