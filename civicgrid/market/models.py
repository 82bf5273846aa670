"""跳蚤市场 (residents' second-hand listings, moderated) and 微商圈 (merchants found by distance)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.core.crypto import mask
from civicgrid.org.models import OrgUnit

from .choices import ListingStatus, MerchantCategory, MerchantStatus, ReportStatus

USER = settings.AUTH_USER_MODEL


class Listing(models.Model):
    """跳蚤市场: an item a resident offers; nobody but the seller and moderators sees it before it is
    published. A price of None means free (免费)."""

    seller = models.ForeignKey(USER, verbose_name=_("卖家"), on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey(OrgUnit, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=60)
    description = models.TextField(_("描述"), blank=True)
    price = models.DecimalField(_("价格（元）"), max_digits=8, decimal_places=2, null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=ListingStatus.choices, default=ListingStatus.PENDING
    )
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("发布时间"))
    published_at = models.DateTimeField(_("上架时间"), null=True, blank=True)
    sold_at = models.DateTimeField(_("售出时间"), null=True, blank=True)
    moderated_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("闲置物品")
        verbose_name_plural = _("闲置物品")
        constraints = [
            models.CheckConstraint(
                condition=Q(price__isnull=True) | Q(price__gt=0), name="listing_price_positive"
            )
        ]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="listing_status_recent"),
            models.Index(fields=["community", "status"], name="listing_community_status"),
            models.Index(fields=["seller", "-created_at"], name="listing_seller_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_free(self) -> bool:
        return self.price is None


class ListingPhoto(models.Model):
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to="market/%Y/%m/")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("物品照片")
        verbose_name_plural = _("物品照片")
        ordering = ["listing", "position", "pk"]

    def __str__(self) -> str:
        return self.image.name


class ListingReport(models.Model):
    """举报: a member flags a published listing; one report per member and listing."""

    listing = models.ForeignKey(
        Listing, verbose_name=_("物品"), on_delete=models.CASCADE, related_name="reports"
    )
    reporter = models.ForeignKey(USER, verbose_name=_("举报人"), on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("举报原因"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.OPEN
    )
    created_at = models.DateTimeField(_("举报时间"))
    handled_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        constraints = [
            models.UniqueConstraint(fields=["listing", "reporter"], name="listing_report_once_per_member")
        ]
        indexes = [models.Index(fields=["listing", "status"], name="listing_report_open")]

    def __str__(self) -> str:
        return self.reason[:30]


class Merchant(models.Model):
    """微商圈: a shop or service near residents, found by category and distance."""

    name = models.CharField(_("商户名称"), max_length=60)
    category = models.CharField(_("类别"), max_length=12, choices=MerchantCategory.choices)
    address = models.CharField(_("地址"), max_length=120)
    lat = models.FloatField(_("纬度"))
    lng = models.FloatField(_("经度"))
    hours = models.CharField(_("营业时间"), max_length=60, blank=True)
    offers = models.TextField(_("优惠信息"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # The merchant's own organisation account, which may then keep the entry up to date.
    owner = models.ForeignKey(
        USER, verbose_name=_("商户账号"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    community = models.ForeignKey(
        OrgUnit, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("审核状态"), max_length=12, choices=MerchantStatus.choices, default=MerchantStatus.PENDING
    )
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("营业中"), default=True)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("商户")
        verbose_name_plural = _("商户")
        constraints = [
            models.UniqueConstraint(
                fields=["owner"], condition=Q(owner__isnull=False), name="merchant_one_entry_per_owner"
            ),
            models.CheckConstraint(
                condition=Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="merchant_lat_lng_valid",
            ),
        ]
        # The distance search's bounding-box prefilter reads a latitude band of one of these. The
        # status columns come last so that the band is answered from the index alone: fetching each
        # row to check them tripled the time downtown on SQLite.
        indexes = [
            models.Index(
                fields=["category", "lat", "lng", "status", "is_active"], name="merchant_category_lat_lng"
            ),
            models.Index(fields=["lat", "lng", "status", "is_active"], name="merchant_lat_lng"),
            models.Index(fields=["community", "status"], name="merchant_community_status"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_phone(self) -> str:
        return mask(self.phone)
