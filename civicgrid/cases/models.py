"""问题流转中心: cases, their timeline, SLA policies, routing rules and the working-day calendar."""

from django.conf import settings
from django.db import NotSupportedError, models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import OrgUnit

from .choices import (
    OPEN_STATUSES,
    CaseStatus,
    Channel,
    DecisionStatus,
    EventKind,
    ExtensionKind,
    Outcome,
    ReturnReason,
    WarningLevel,
)

OPEN = Q(status__in=sorted(OPEN_STATUSES))


class SlaPolicy(models.Model):
    """限时办结: the limits of one kind of case, in hours (working hours when `working_days`)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    claim_hours = models.DecimalField(_("领办时限（小时）"), max_digits=7, decimal_places=2)
    verify_hours = models.DecimalField(
        _("现场核实时限（小时）"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    resolve_hours = models.DecimalField(_("办结时限（小时）"), max_digits=7, decimal_places=2)
    dispute_hours = models.DecimalField(
        _("异议期（小时）"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    yellow_ratio = models.DecimalField(_("黄灯阈值"), max_digits=3, decimal_places=2, default=0.75)
    # The resolution limit counts working days only (holidays and make-up workdays from the calendar);
    # claim and verification limits are plain hours.
    working_days = models.BooleanField(_("办结时限按工作日计"), default=False)
    # Predefined handling steps (warning levels): a list of short texts.
    steps = models.JSONField(_("处置步骤"), default=list, blank=True)

    class Meta:
        verbose_name = _("时限规则")
        verbose_name_plural = _("时限规则")

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("时限规则"), on_delete=models.PROTECT, related_name="+"
    )
    # Rewarded-report categories (黄金眼): the community must claim them; reports can be disputed.
    is_rewarded = models.BooleanField(_("有奖发现类别"), default=False)
    allows_anonymous = models.BooleanField(_("允许匿名"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name


class RoutingRule(models.Model):
    """派单规则: a case of `category` (any if empty) in `area` (anywhere if empty) goes to `target`."""

    category = models.ForeignKey(
        Category, verbose_name=_("类别"), null=True, blank=True, on_delete=models.CASCADE
    )
    area = models.ForeignKey(
        OrgUnit, verbose_name=_("区域"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Send to the case's own community or grid instead of a fixed unit.
    to_case_community = models.BooleanField(_("派至问题所在社区"), default=False)
    target = models.ForeignKey(
        OrgUnit, verbose_name=_("承办单位"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(_("优先级"), default=100)

    class Meta:
        verbose_name = _("派单规则")
        verbose_name_plural = _("派单规则")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.category or '*'} → {self.target or _('所在社区')}"


class CalendarDay(models.Model):
    """A date whose working status differs from the weekday rule: a holiday, or a make-up workday (调休)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("工作日"))
    note = models.CharField(_("说明"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'班' if self.is_workday else '休'}"


class CaseNumber(models.Func):
    """编号: the reporting date in Beijing time (UTC+8 all year, whatever TIME_ZONE says) followed by
    the id, zero-padded to seven digits — e.g. 202611020000042. The database computes it while it
    writes the row, so a report is a single INSERT and the number still follows the id."""

    output_field = models.CharField(max_length=20)

    def __init__(self):
        super().__init__(F("reported_at"), F("id"))

    def _parts(self, compiler, connection) -> tuple[str, str, list]:
        (at, at_params), (pk, pk_params) = (compiler.compile(e) for e in self.get_source_expressions())
        return at, pk, [*at_params, *pk_params]

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError(f"case numbers are not implemented for {connection.vendor}")

    def as_postgresql(self, compiler, connection, **extra_context):
        at, pk, params = self._parts(compiler, connection)
        local = f"({at} AT TIME ZONE 'Asia/Shanghai')"
        day = (
            f"(EXTRACT(YEAR FROM {local}) * 10000 + EXTRACT(MONTH FROM {local}) * 100"
            f" + EXTRACT(DAY FROM {local}))::integer::text"
        )
        digits = f"CASE WHEN {pk} < 10000000 THEN lpad({pk}::text, 7, '0') ELSE {pk}::text END"
        return f"({day} || {digits})", params

    def as_sqlite(self, compiler, connection, **extra_context):
        at, pk, params = self._parts(compiler, connection)
        day = f"replace(date({at}, '+8 hours'), '-', '')"
        digits = f"CASE WHEN {pk} < 10000000 THEN substr('000000' || {pk}, -7) ELSE CAST({pk} AS TEXT) END"
        return f"({day} || {digits})", params


class Case(models.Model):
    number = models.GeneratedField(
        verbose_name=_("编号"),
        expression=CaseNumber(),
        output_field=models.CharField(max_length=20),
        db_persist=True,
    )
    channel = models.CharField(_("来源"), max_length=20, choices=Channel.choices)
    # grid, category and holder are indexed first in the composite indexes below, not on their own.
    category = models.ForeignKey(
        Category, verbose_name=_("类别"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    description = models.TextField(_("问题描述"))
    address = models.CharField(_("地点"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    grid = models.ForeignKey(
        OrgUnit, verbose_name=_("网格"), on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报告人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
    )
    is_anonymous = models.BooleanField(_("匿名"), default=False)
    # An anonymous reporter may still agree to be contacted by staff for follow-up.
    contact_consent = models.BooleanField(_("同意回访"), default=True)
    status = models.CharField(_("状态"), max_length=20, choices=CaseStatus.choices)
    holder = models.ForeignKey(
        OrgUnit,
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("承办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    severity = models.PositiveSmallIntegerField(_("严重程度"), default=2)
    warning_level = models.CharField(_("预警等级"), max_length=3, choices=WarningLevel.choices, blank=True)
    checklist = models.JSONField(_("处置步骤完成情况"), default=list, blank=True)
    policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("时限规则"), on_delete=models.PROTECT, related_name="+"
    )
    is_public = models.BooleanField(_("公开"), default=False)
    is_valid_report = models.BooleanField(_("有效报告"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("结果说明"), blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("合并至"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
    )
    return_count = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    needs_binding_decision = models.BooleanField(_("需终审派单"), default=False)
    status_before_dispute = models.CharField(max_length=20, blank=True)
    # Timestamps of the flow.
    reported_at = models.DateTimeField(_("上报时间"))
    entered_centre_at = models.DateTimeField(_("进入中心时间"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("领办/派单时间"), null=True, blank=True)
    verified_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # Deadlines (columns, so the sweep finds what is due by index); the light derives from them.
    claim_due_at = models.DateTimeField(_("领办期限"), null=True, blank=True)
    verify_due_at = models.DateTimeField(_("核实期限"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("办结期限"), null=True, blank=True)
    dispute_due_at = models.DateTimeField(_("异议期限"), null=True, blank=True)
    # The deadline running now and when it turns yellow; empty while paused or nothing is due.
    stage_started_at = models.DateTimeField(null=True, blank=True)
    stage_due_at = models.DateTimeField(null=True, blank=True)
    stage_yellow_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(_("暂停时间"), null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(_("累计暂停（秒）"), default=0)
    yellow_notified_at = models.DateTimeField(null=True, blank=True)
    red_at = models.DateTimeField(_("红灯时间"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("评价"), null=True, blank=True)
    rating_comment = models.CharField(_("评价内容"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("问题")
        verbose_name_plural = _("问题")
        indexes = [
            # The sweep's three questions, each answered from open rows only.
            models.Index(
                fields=["claim_due_at"], condition=Q(status="awaiting_claim"), name="case_claim_due_open"
            ),
            models.Index(
                fields=["stage_due_at"], condition=OPEN & Q(red_at__isnull=True), name="case_red_due_open"
            ),
            models.Index(
                fields=["stage_yellow_at"],
                condition=OPEN & Q(yellow_notified_at__isnull=True),
                name="case_yellow_due_open",
            ),
            # The centre lists a status most urgent first and stops after a page: read in that order.
            models.Index(fields=["status", "stage_due_at", "reported_at"], name="case_status_due"),
            # …and all open cases at once (the "全部在办" tab), which the index above cannot give in order.
            models.Index(fields=["stage_due_at", "reported_at"], condition=OPEN, name="case_open_due"),
            models.Index(
                fields=["status", "red_at"], condition=Q(red_at__isnull=False), name="case_status_red"
            ),
            models.Index(fields=["grid", "status"], name="case_grid_status"),
            models.Index(fields=["holder", "status"], name="case_holder_status"),
            models.Index(fields=["category", "status", "lat", "lng"], name="case_category_place"),
            # The cockpit's month windows (cockpit.selectors.figure_q): each figure reads one month of
            # one moment, and finds every column it needs in the index (an index-only scan: a month is
            # ~1/12 of the table). The moments set later than the report are indexed only once they
            # are set, so a new report pays for two of them.
            models.Index(fields=["reported_at"], include=["grid"], name="case_reported_at"),
            models.Index(
                fields=["entered_centre_at"],
                include=["grid", "policy", "assigned_at"],
                name="case_entered_at",
            ),
            models.Index(
                fields=["resolve_due_at"],
                include=["grid", "status", "closed_at", "id"],  # id: the reworked ones are looked up
                condition=Q(resolve_due_at__isnull=False),
                name="case_resolve_due_at",
            ),
            models.Index(
                fields=["assigned_at"],
                include=["grid", "entered_centre_at"],
                condition=Q(assigned_at__isnull=False),
                name="case_assigned_at",
            ),
            models.Index(
                fields=["resolved_at"],
                include=["grid", "reported_at"],
                condition=Q(resolved_at__isnull=False),
                name="case_resolved_at",
            ),
            models.Index(
                fields=["closed_at"],
                include=["grid", "status", "outcome"],
                condition=Q(closed_at__isnull=False),
                name="case_closed_at",
            ),
        ]
        # A constraint rather than unique=True: on PostgreSQL that would add a second index, for LIKE.
        constraints = [models.UniqueConstraint(fields=["number"], name="case_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.category}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:detail", args=[self.pk])

    @property
    def paused_hours(self) -> float:
        return round(self.paused_seconds / 3600, 1)


class CaseEvent(models.Model):
    """One entry of the case timeline: who did what, when, with what note."""

    # Indexed first in caseevent_case_at, not on its own.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(_("事件"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["case", "at"], name="caseevent_case_at"),
            # Disputes decided in a month (the cockpit), from a few rows of a long timeline.
            models.Index(
                fields=["at"],
                condition=Q(kind__in=["dispute_upheld", "dispute_rejected"]),
                name="caseevent_dispute_at",
            ),
            # The cases sent back for rework (the cockpit's 返工数).
            models.Index(fields=["case"], condition=Q(kind="reopened"), name="caseevent_reopened"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    image = models.ImageField(_("照片"), upload_to="cases/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.image.name


class Inspection(models.Model):
    """督查: a supervisor's finding on how a case was handled."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="inspections")
    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finding = models.TextField(_("督查意见"))
    rating = models.PositiveSmallIntegerField(_("评分"), choices=[(i, str(i)) for i in range(1, 6)])
    at = models.DateTimeField(_("时间"))

    def __str__(self) -> str:
        return f"{self.case_id} · {self.rating}"


class ExtensionRequest(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extension_requests")
    kind = models.CharField(_("类型"), max_length=16, choices=ExtensionKind.choices)
    hours = models.DecimalField(_("延长小时数"), max_digits=6, decimal_places=1, null=True, blank=True)
    reason = models.CharField(_("理由"), max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=DecisionStatus.choices, default=DecisionStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"


class CaseReturn(models.Model):
    """A holder sent the case back; counted for the return limit and for scoring."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="returns")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("退回理由"), max_length=20, choices=ReturnReason.choices)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["at"], name="casereturn_at")]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.unit_id}"
