"""凯e通 网格微管站: visits and visit programmes, the policy library, case studies and the work log."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.models import Case
from civicgrid.core.crypto import EncryptedTextField
from civicgrid.org.models import OrgUnit
from civicgrid.registry.models import Household, Organisation, ServiceGroup

from .choices import DocumentLevel

USER = settings.AUTH_USER_MODEL


class ServiceLine(models.Model):
    """条线: one of the street's service lines (就业, 帮扶救助 …)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("条线")
        verbose_name_plural = _("条线")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class ServiceItem(models.Model):
    """服务事项: what a resident can apply for, who may, with what, how, where and how fast."""

    line = models.ForeignKey(
        ServiceLine, verbose_name=_("条线"), on_delete=models.PROTECT, related_name="items"
    )
    code = models.CharField(_("事项编码"), max_length=30, unique=True)
    title = models.CharField(_("事项名称"), max_length=120)
    eligibility = models.TextField(_("办理条件"), blank=True)
    materials = models.JSONField(_("所需材料"), default=list, blank=True)
    process = models.JSONField(_("办理流程"), default=list, blank=True)
    office = models.CharField(_("责任科室"), max_length=100, blank=True)
    time_limit = models.CharField(_("办理时限"), max_length=40, blank=True)
    fee = models.CharField(_("收费"), max_length=40, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    # Segmented words (jieba + synonyms), space-separated: what the full-text index reads.
    search_title = models.TextField(editable=False, default="")
    search_body = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("服务事项")
        verbose_name_plural = _("服务事项")
        ordering = ["line__sort", "code"]

    def __str__(self) -> str:
        return self.title


class PolicyDocument(models.Model):
    """政策依据: a law, regulation or local rule an item rests on, by level."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="documents")
    level = models.CharField(_("层级"), max_length=10, choices=DocumentLevel.choices)
    title = models.CharField(_("文件名称"), max_length=200)
    number = models.CharField(_("文号"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")

    def __str__(self) -> str:
        return self.title


class Consultation(models.Model):
    """政策咨询: a resident's question a worker answered, with the item it was about."""

    item = models.ForeignKey(
        ServiceItem,
        verbose_name=_("服务事项"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    grid = models.ForeignKey(OrgUnit, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    asker_name = models.CharField(_("咨询人"), max_length=50)
    asker_phone = EncryptedTextField(_("联系电话"), blank=True)
    question = models.TextField(_("咨询内容"))
    answer = models.TextField(_("答复"))
    answered_by = models.ForeignKey(
        USER, verbose_name=_("答复人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    case = models.ForeignKey(
        Case, verbose_name=_("转为问题"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("政策咨询")
        verbose_name_plural = _("政策咨询")
        indexes = [models.Index(fields=["answered_by", "at"], name="consultation_user_at")]

    def __str__(self) -> str:
        return self.question[:30]


class VisitProgramme(models.Model):
    """走访计划 (e.g. the street's 六六三 programme): which households, how often, in which period."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("发起单位"), on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=80)
    description = models.TextField(_("说明"), blank=True)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    # Target households: those with a living member in one of these groups (all households if none).
    groups = models.ManyToManyField(
        ServiceGroup, verbose_name=_("走访对象群体"), blank=True, related_name="+"
    )
    visits_per_target = models.PositiveSmallIntegerField(_("每户走访次数"), default=1)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访计划")
        verbose_name_plural = _("走访计划")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="programme_period_valid"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """走访: who went where, whom they met, what they saw; problems found became cases."""

    grid = models.ForeignKey(OrgUnit, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visitor = models.ForeignKey(USER, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="+")
    companions = models.CharField(_("同行人员"), max_length=100, blank=True)
    met = models.CharField(_("受访人"), max_length=100, blank=True)
    visited_at = models.DateTimeField(_("走访时间"))
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    accuracy_m = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    notes = models.TextField(_("走访情况"), blank=True)
    data_confirmed = models.BooleanField(_("已核实信息"), default=False)
    programme = models.ForeignKey(
        VisitProgramme,
        verbose_name=_("走访计划"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cases = models.ManyToManyField(Case, verbose_name=_("发现的问题"), blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访")
        verbose_name_plural = _("走访")
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False, organisation__isnull=True)
                | Q(household__isnull=True, organisation__isnull=False),
                name="visit_one_target",
            )
        ]
        indexes = [
            models.Index(fields=["household", "visited_at"], name="visit_household_at"),
            models.Index(fields=["grid", "visited_at"], name="visit_grid_at"),
            models.Index(fields=["visitor", "visited_at"], name="visit_visitor_at"),
            # A street's or a community's visits of a month (the cockpit), across all its grids.
            models.Index(fields=["visited_at"], include=["grid", "household"], name="visit_at"),
        ]

    def __str__(self) -> str:
        return f"{self.household or self.organisation} {self.visited_at:%Y-%m-%d}"


class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("照片"), upload_to="visits/%Y/%m/")

    def __str__(self) -> str:
        return self.image.name


class CaseStudy(models.Model):
    """案例分享: how a hard case was handled, written up for colleagues (Markdown, sanitised)."""

    community = models.ForeignKey(OrgUnit, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(USER, verbose_name=_("作者"), on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    tags = models.JSONField(_("标签"), default=list, blank=True)
    # "|tag1|tag2|": the tags as text, so a tag filter is one LIKE on either database.
    tags_text = models.CharField(max_length=200, default="", editable=False)
    case = models.ForeignKey(
        Case, verbose_name=_("关联问题"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_pinned = models.BooleanField(_("置顶"), default=False)
    pinned_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("案例")
        verbose_name_plural = _("案例")
        ordering = ["-is_pinned", "-created_at"]

    def __str__(self) -> str:
        return self.title


class CaseStudyComment(models.Model):
    study = models.ForeignKey(CaseStudy, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("评论"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.body[:30]


class WorkLogEntry(models.Model):
    """工作日志: what a worker did on a day, linked to the cases and visits it was about."""

    author = models.ForeignKey(USER, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")
    # Where the author works (their grid or community): who may read the entry follows from it.
    unit = models.ForeignKey(OrgUnit, verbose_name=_("所在单位"), on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("日期"))
    body = models.TextField(_("内容"))
    cases = models.ManyToManyField(Case, verbose_name=_("关联问题"), blank=True, related_name="+")
    visits = models.ManyToManyField(Visit, verbose_name=_("关联走访"), blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("工作日志")
        verbose_name_plural = _("工作日志")
        ordering = ["-day", "-created_at"]
        indexes = [models.Index(fields=["author", "day"], name="worklog_author_day")]

    def __str__(self) -> str:
        return f"{self.author} {self.day}"
