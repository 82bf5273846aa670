"""淘社区: resident verification against the registry, the points ledger and the rewards catalogue."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import OrgUnit
from civicgrid.registry.models import Person

from .choices import CodePurpose, OrganisationKind, RedemptionStatus, VerificationStatus

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


class SuggestionRule(models.Model):
    """意见建议分类: a keyword that sends a suggestion to a category (first match by priority)."""

    keyword = models.CharField(_("关键词"), max_length=30)
    category = models.ForeignKey(
        "cases.Category", verbose_name=_("问题类别"), on_delete=models.CASCADE, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100)

    class Meta:
        verbose_name = _("意见分类规则")
        verbose_name_plural = _("意见分类规则")
        ordering = ["priority", "pk"]

    def __str__(self) -> str:
        return f"{self.keyword} → {self.category}"


class Reply(models.Model):
    """答复: a named staff member's answer to a resident's suggestion (shown to the resident)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(USER, verbose_name=_("答复人"), on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("答复内容"))
    at = models.DateTimeField(_("答复时间"))

    class Meta:
        verbose_name = _("答复")
        verbose_name_plural = _("答复")
        ordering = ["at"]
        indexes = [models.Index(fields=["case", "at"], name="reply_case_at")]

    def __str__(self) -> str:
        return self.body[:30]


class Publication(models.Model):
    """公示: a resolved suggestion shown publicly, in the staff's words, with no personal data."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(OrgUnit, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=80)
    summary = models.TextField(_("问题摘要"))
    reply = models.TextField(_("答复"))
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("公示时间"))
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        indexes = [
            models.Index(
                fields=["-published_at"], condition=Q(is_hidden=False), name="publication_visible_recent"
            )
        ]

    def __str__(self) -> str:
        return self.title


class News(models.Model):
    """新闻播报 / 通知: per community or for the whole street."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("发布单位"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=80)
    body = models.TextField(_("正文"))
    image = models.ImageField(_("图片"), upload_to="news/%Y/%m/", blank=True)
    is_notice = models.BooleanField(_("通知公告"), default=False)
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"))
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("新闻")
        verbose_name_plural = _("新闻")
        indexes = [models.Index(fields=["unit", "-published_at"], name="news_unit_recent")]

    def __str__(self) -> str:
        return self.title


class SignupCode(models.Model):
    """短信验证码 (sign-up or password reset): one SMS code per request, stored hashed, short-lived,
    with a few tries. A request that must not get a code (a number already registered, or unknown to a
    reset) is stored too, with an unusable hash: it counts against the limits like any other."""

    phone_index = models.CharField(max_length=64, db_index=True)
    purpose = models.CharField(
        _("用途"), max_length=16, choices=CodePurpose.choices, default=CodePurpose.SIGNUP
    )
    code_hash = models.CharField(max_length=128)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")

    def __str__(self) -> str:
        return self.phone_index[:8]


class OrganisationApplication(models.Model):
    """An enterprise, social organisation or merchant account waiting for its community to confirm it."""

    user = models.ForeignKey(USER, verbose_name=_("账号"), on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("单位名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=12, choices=OrganisationKind.choices)
    community = models.ForeignKey(
        OrgUnit, verbose_name=_("所在社区"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=VerificationStatus.choices, default=VerificationStatus.PENDING
    )
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"))

    class Meta:
        verbose_name = _("单位账号申请")
        verbose_name_plural = _("单位账号申请")
        indexes = [models.Index(fields=["community", "status"], name="org_application_community")]

    def __str__(self) -> str:
        return self.name
