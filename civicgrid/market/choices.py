from django.db import models
from django.utils.translation import gettext_lazy as _


class ListingStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    PUBLISHED = "published", _("在售")
    SOLD = "sold", _("已售出")
    HIDDEN = "hidden", _("已下架")
    REFUSED = "refused", _("未通过")


# The moderation pipeline as data: a listing moves only along these arrows.
LISTING_TRANSITIONS: dict[str, frozenset[str]] = {
    ListingStatus.PENDING: frozenset({ListingStatus.PUBLISHED, ListingStatus.REFUSED, ListingStatus.HIDDEN}),
    ListingStatus.PUBLISHED: frozenset({ListingStatus.SOLD, ListingStatus.HIDDEN}),
    ListingStatus.SOLD: frozenset({ListingStatus.HIDDEN}),
    ListingStatus.HIDDEN: frozenset(),
    ListingStatus.REFUSED: frozenset(),
}

# Listings a seller still has on offer (counted against the per-seller limit).
OPEN_LISTING_STATUSES = frozenset({ListingStatus.PENDING, ListingStatus.PUBLISHED})


class ReportStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("已下架")
    DISMISSED = "dismissed", _("已驳回")


class MerchantCategory(models.TextChoices):
    CLOTHING = "clothing", _("衣")
    FOOD = "food", _("食")
    HOUSING = "housing", _("住")
    TRANSPORT = "transport", _("行")
    SERVICES = "services", _("服务")


# A longer label for each category, shown under the one-character chips.
CATEGORY_HINTS = {
    MerchantCategory.CLOTHING: _("服装、鞋帽、洗衣、裁缝"),
    MerchantCategory.FOOD: _("餐饮、菜场、超市、烘焙"),
    MerchantCategory.HOUSING: _("家政、维修、中介、家居"),
    MerchantCategory.TRANSPORT: _("修车、加油、停车、驾校"),
    MerchantCategory.SERVICES: _("理发、药店、快递、养老"),
}


class MerchantStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    PUBLISHED = "published", _("已发布")
    REFUSED = "refused", _("未通过")
