"""淘社区: resident verification against the registry, the points ledger and the rewards catalogue."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import OrgUnit
from civicgrid.registry.models import Person

from .choices import RedemptionStatus, VerificationStatus

USER = settings.AUTH_USER_MODEL


class Verification(models.Model):
    """A resident asks to be linked to their registry record; the household's grid worker decides.
    The person is found by the ID number's blind index; a request that matches nobody waits for the
    community, so the answer to the resident never tells whether someone is in the registry."""

    user = models.ForeignKey(USER, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="+")
    full_name = models.CharField(_("姓名"), max_length=50)
    id_masked = models.CharField(_("身份证号"), max_length=20)
    person = models.ForeignKey(
        Person, verbose_name=_("登记人员"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Where the request is decided: the person's grid, else the resident's community.
    unit = models.ForeignKey(OrgUnit, verbose_name=_("办理单位"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("状态"), max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"))

    class Meta:
        verbose_name = _("实名认证")
        verbose_name_plural = _("实名认证")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="pending"), name="verification_one_pending_per_user"
            ),
            models.UniqueConstraint(
                fields=["user"], condition=Q(status="confirmed"), name="verification_one_confirmed_per_user"
            ),
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="confirmed"), name="verification_one_account_per_person"
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="verification_unit_status")]

    def __str__(self) -> str:
        return f"{self.full_name} {self.id_masked}"


class PointsRule(models.Model):
    """积分规则: how many points an action earns, and its caps."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    points = models.PositiveSmallIntegerField(_("分值"))
    yearly_cap = models.PositiveIntegerField(_("每年上限（分）"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")

    def __str__(self) -> str:
        return self.name


class PointsAccount(models.Model):
    """The running balance of a user's ledger; the database refuses a negative balance."""

    user = models.OneToOneField(USER, primary_key=True, on_delete=models.CASCADE, related_name="+")
    balance = models.IntegerField(_("积分余额"), default=0)

    class Meta:
        verbose_name = _("积分账户")
        verbose_name_plural = _("积分账户")
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="points_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.balance}"


class PointsEntry(models.Model):
    """积分流水: append-only; earned points are positive, redemptions negative."""

    user = models.ForeignKey(USER, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="+")
    rule = models.CharField(_("来源"), max_length=40)
    points = models.IntegerField(_("积分"))
    note = models.CharField(_("说明"), max_length=100, blank=True)
    # Set when an action may earn only once (e.g. "daily_login:2026-11-28"): unique per user.
    once_key = models.CharField(max_length=80, null=True, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        constraints = [models.UniqueConstraint(fields=["user", "once_key"], name="points_once_per_key")]
        indexes = [models.Index(fields=["user", "at"], name="points_user_at")]

    def __str__(self) -> str:
        return f"{self.rule} {self.points:+d}"


class Reward(models.Model):
    """积分兑换: a gift or service of the street or a community, with its stock."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("提供单位"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    cost = models.PositiveIntegerField(_("所需积分"))
    stock = models.IntegerField(_("库存"))
    is_active = models.BooleanField(_("上架"), default=True)

    class Meta:
        verbose_name = _("兑换物品")
        verbose_name_plural = _("兑换物品")
        ordering = ["cost", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(stock__gte=0), name="reward_stock_not_negative"),
            models.CheckConstraint(condition=Q(cost__gt=0), name="reward_cost_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    user = models.ForeignKey(USER, verbose_name=_("兑换人"), on_delete=models.PROTECT, related_name="+")
    reward = models.ForeignKey(
        Reward, verbose_name=_("物品"), on_delete=models.PROTECT, related_name="redemptions"
    )
    cost = models.PositiveIntegerField(_("积分"))
    status = models.CharField(
        _("状态"), max_length=12, choices=RedemptionStatus.choices, default=RedemptionStatus.REQUESTED
    )
    created_at = models.DateTimeField(_("兑换时间"))
    handed_over_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("兑换记录")
        verbose_name_plural = _("兑换记录")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.reward} · {self.user_id}"
