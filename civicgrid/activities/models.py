"""社区活动: activities of a community or the street, sign-ups with a waiting list, attendance and photos."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import OrgUnit

from .choices import STATUS_COLOURS, ActivityStatus, Audience, PhotoStatus, SignupStatus

USER = settings.AUTH_USER_MODEL


class Activity(models.Model):
    """An activity with a capacity. Activities proposed by residents stay drafts until the community
    publishes them; the counters are kept under the row's lock by the sign-up services."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("主办单位"), on_delete=models.PROTECT, related_name="+")
    organiser = models.ForeignKey(USER, verbose_name=_("发起人"), on_delete=models.PROTECT, related_name="+")
    # True when a resident (not the community's staff) proposed it: it then needed approval.
    by_resident = models.BooleanField(_("居民发起"), default=False)
    title = models.CharField(_("活动名称"), max_length=60)
    description = models.TextField(_("活动介绍"))
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("活动地点"), max_length=120)
    # A booking of the shared-resources app (场地预约); kept as a plain number, shown as a reference.
    booking_id = models.PositiveIntegerField(_("场地预约编号"), null=True, blank=True)
    capacity = models.PositiveIntegerField(_("名额"))
    audience = models.CharField(_("面向人群"), max_length=16, choices=Audience.choices, default=Audience.ALL)
    status = models.CharField(
        _("状态"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.DRAFT
    )
    confirmed_count = models.PositiveIntegerField(_("已报名"), default=0)
    waiting_count = models.PositiveIntegerField(_("候补"), default=0)
    created_at = models.DateTimeField(_("创建时间"))
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)
    is_hidden = models.BooleanField(_("已隐藏"), default=False)
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_capacity_positive"),
            models.CheckConstraint(
                condition=Q(confirmed_count__lte=F("capacity")), name="activity_not_over_capacity"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="activity_ends_after_start"),
        ]
        indexes = [
            models.Index(
                fields=["unit", "starts_at"], condition=Q(status="published"), name="activity_published_unit"
            ),
            models.Index(fields=["unit", "status"], name="activity_unit_status"),
            models.Index(fields=["organiser", "-starts_at"], name="activity_organiser"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("activities:detail", args=[self.pk])

    @property
    def places_left(self) -> int:
        return max(0, self.capacity - self.confirmed_count)

    @property
    def was_refused(self) -> bool:
        """Cancelled before it was ever published: the community did not approve the proposal."""
        return self.status == ActivityStatus.CANCELLED and self.published_at is None

    @property
    def status_label(self) -> str:
        if self.was_refused and self.by_resident and self.reviewed_by_id:
            return str(_("未通过审核"))
        if self.is_hidden:
            return str(_("已隐藏"))
        return self.get_status_display()

    @property
    def status_colour(self) -> str:
        return "dark" if self.is_hidden else STATUS_COLOURS.get(self.status, "secondary")


class ActivitySignup(models.Model):
    """One person's place (or place in the queue) for an activity. `position` is the waiting order,
    1 being next; confirmed and cancelled sign-ups have none."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="signups"
    )
    user = models.ForeignKey(USER, verbose_name=_("报名人"), on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("状态"), max_length=12, choices=SignupStatus.choices)
    position = models.PositiveIntegerField(_("候补顺序"), null=True, blank=True)
    created_at = models.DateTimeField(_("报名时间"))
    promoted_at = models.DateTimeField(_("候补转正时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    attended = models.BooleanField(_("已签到"), default=False)

    class Meta:
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=~Q(status="cancelled"),
                name="activity_signup_once_per_user",
            ),
            models.CheckConstraint(
                condition=Q(status="waiting", position__isnull=False)
                | (~Q(status="waiting") & Q(position__isnull=True)),
                name="activity_signup_position_only_waiting",
            ),
        ]
        indexes = [
            models.Index(fields=["activity", "status", "position"], name="activity_signup_queue"),
            models.Index(fields=["user", "status"], name="activity_signup_user"),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} · {self.user_id} · {self.status}"

    @property
    def label(self) -> str:
        if self.status == SignupStatus.WAITING:
            return str(_("候补第 %(n)s 位") % {"n": self.position})
        return self.get_status_display()


def _photo_path(instance, filename: str) -> str:
    return f"activities/{instance.activity_id}/{filename}"


class ActivityPhoto(models.Model):
    """活动剪影: a photo of a past activity; a resident organiser's photos wait for the community."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("照片"), upload_to=_photo_path)
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=PhotoStatus.choices)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"))
    hidden_reason = models.CharField(_("隐藏原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("活动照片")
        verbose_name_plural = _("活动照片")
        ordering = ["uploaded_at", "pk"]
        indexes = [models.Index(fields=["activity", "status"], name="activity_photo_status")]

    def __str__(self) -> str:
        return self.caption or self.image.name
