"""社会组织板块: cultural teams and other organisations of a community, their photos and members."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civicgrid.core.crypto import EncryptedTextField, mask
from civicgrid.org.models import OrgUnit

from .choices import (
    JOIN_STATUS_COLOURS,
    OPEN_JOIN_STATUSES,
    ORG_STATUS_COLOURS,
    JoinStatus,
    SocialOrgCategory,
    SocialOrgStatus,
)

USER = settings.AUTH_USER_MODEL


class SocialOrg(models.Model):
    """A team or organisation of a community (or of the whole street), run by its admin account.

    Shown publicly once its community has confirmed it and while it is active."""

    name = models.CharField(_("名称"), max_length=60)
    category = models.CharField(_("类别"), max_length=16, choices=SocialOrgCategory.choices)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("所属社区或街道"), on_delete=models.PROTECT, related_name="+"
    )
    introduction = models.TextField(_("组织介绍"))
    specialities = models.TextField(_("团队特色"), blank=True)
    contact_name = models.CharField(_("联系人"), max_length=30, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    admin = models.ForeignKey(USER, verbose_name=_("组织管理员"), on_delete=models.PROTECT, related_name="+")
    logo = models.ImageField(_("标志"), upload_to="socialorgs/logos/", blank=True)
    status = models.CharField(
        _("审核状态"), max_length=12, choices=SocialOrgStatus.choices, default=SocialOrgStatus.PENDING
    )
    status_reason = models.CharField(_("审核说明"), max_length=200, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    deactivated_reason = models.CharField(_("停用原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"))
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"],
                condition=~Q(status=SocialOrgStatus.REFUSED),
                name="socialorg_one_name_per_unit",
            ),
        ]
        indexes = [
            models.Index(
                fields=["category", "name"],
                condition=Q(status=SocialOrgStatus.CONFIRMED, is_active=True),
                name="socialorg_public_by_category",
            ),
            models.Index(fields=["unit", "status"], name="socialorg_unit_status"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("socialorgs:detail", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.status == SocialOrgStatus.CONFIRMED and self.is_active

    @property
    def masked_phone(self) -> str:
        """138****5678, or for a landline its area code and last four digits: 0571-****1234."""
        phone = self.contact_phone or ""
        if phone.startswith("0"):
            area, _sep, number = phone.partition("-")
            if not number:
                area, number = phone[:4], phone[4:]
            return f"{area}-****{number[-4:]}"
        return mask(phone)

    @property
    def status_colour(self) -> str:
        return ORG_STATUS_COLOURS.get(self.status, "secondary")


class SocialOrgPhoto(models.Model):
    """活动剪影: a photo of the organisation's activities, posted by its admin."""

    org = models.ForeignKey(
        SocialOrg, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("照片"), upload_to="socialorgs/photos/%Y/%m/")
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    posted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")
        ordering = ["-posted_at", "-pk"]
        indexes = [models.Index(fields=["org", "-posted_at"], name="socialorg_photo_recent")]

    def __str__(self) -> str:
        return self.caption or self.image.name or ""


class JoinRequest(models.Model):
    """A resident's request to join; once accepted it is their membership (until they leave)."""

    org = models.ForeignKey(
        SocialOrg, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="requests"
    )
    user = models.ForeignKey(USER, verbose_name=_("申请人"), on_delete=models.CASCADE, related_name="+")
    message = models.CharField(_("申请留言"), max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=JoinStatus.choices, default=JoinStatus.PENDING
    )
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("退出时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("入会申请")
        verbose_name_plural = _("入会申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["org", "user"],
                condition=Q(status__in=OPEN_JOIN_STATUSES),
                name="joinrequest_one_open_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["org", "status"], name="joinrequest_org_status"),
            models.Index(fields=["user", "-created_at"], name="joinrequest_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.org_id} · {self.user_id} · {self.status}"

    @property
    def status_colour(self) -> str:
        return JOIN_STATUS_COLOURS.get(self.status, "secondary")

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_JOIN_STATUSES
