"""资源共享: rooms, venues and equipment of the street, communities and enterprises, and their bookings.

Two blocking bookings (pending or confirmed) of one resource never overlap. The rule is the database's,
added by migration 0002 in the form each engine supports: an exclusion constraint on PostgreSQL, and
triggers on SQLite. The models stay portable; nothing here names an engine.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from civicgrid.org.models import OrgUnit

from .choices import BLOCKING_STATUSES, WEEKDAYS, BookingStatus, ResourceKind

USER = settings.AUTH_USER_MODEL

# The name the database gives the overlap rule (constraint and triggers): services recognise it in errors.
NO_OVERLAP = "booking_no_overlap"


class Resource(models.Model):
    """A room, venue or piece of equipment anyone in the street may book in slots of its opening hours.
    Owned by a unit (street or community), or by an organisation account in its community (`unit` is
    then where the organisation sits)."""

    unit = models.ForeignKey(OrgUnit, verbose_name=_("所属单位"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        USER,
        verbose_name=_("所属单位账号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The organisation's name when the resource was listed (the account's title in its community).
    organisation_name = models.CharField(_("提供单位"), max_length=100, blank=True)
    kind = models.CharField(_("类型"), max_length=12, choices=ResourceKind.choices)
    name = models.CharField(_("名称"), max_length=60)
    description = models.TextField(_("简介"), blank=True)
    location = models.CharField(_("地点"), max_length=120, blank=True)
    capacity = models.PositiveSmallIntegerField(_("容纳人数"))
    rules = models.TextField(_("使用须知"), blank=True)
    needs_approval = models.BooleanField(_("预约需审核"), default=True)
    slot_minutes = models.PositiveSmallIntegerField(_("每段时长（分钟）"), default=60)
    days_ahead = models.PositiveSmallIntegerField(_("可提前预约天数"), default=30)
    photo = models.ImageField(_("照片"), upload_to="resources/%Y/%m/", blank=True)
    is_active = models.BooleanField(_("开放预约"), default=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("共享资源")
        verbose_name_plural = _("共享资源")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="resource_capacity_positive"),
            models.CheckConstraint(condition=Q(slot_minutes__gte=15), name="resource_slot_at_least_15"),
            models.CheckConstraint(condition=Q(days_ahead__gt=0), name="resource_days_ahead_positive"),
        ]
        indexes = [models.Index(fields=["unit", "is_active"], name="resource_unit_active")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("bookings:detail", args=[self.pk])

    @property
    def owner_name(self) -> str:
        return self.organisation_name or self.unit.name

    def hours_summary(self) -> list[str]:
        """Opening hours in words, runs of weekdays with the same times together: ["周一至周五 08:30–17:30",
        "周六 09:00–12:00"] (reads the prefetched rows when there are some)."""
        labels = dict(WEEKDAYS)
        runs: list[list] = []
        for h in sorted(self.hours.all(), key=lambda h: h.weekday):
            times = (h.opens, h.closes)
            if runs and runs[-1][2] == times and runs[-1][1] == h.weekday - 1:
                runs[-1][1] = h.weekday
            else:
                runs.append([h.weekday, h.weekday, times])
        if len(runs) == 1 and runs[0][:2] == [0, 6]:
            opens, closes = runs[0][2]
            return [_("每天 %(hours)s") % {"hours": f"{opens:%H:%M}–{closes:%H:%M}"}]
        texts = []
        for first, last, (opens, closes) in runs:
            if first == last:
                days = str(labels[first])
            elif last == first + 1:
                days = f"{labels[first]}、{labels[last]}"
            else:
                days = _("%(first)s至%(last)s") % {"first": labels[first], "last": labels[last]}
            texts.append(f"{days} {opens:%H:%M}–{closes:%H:%M}")
        return texts


class OpeningHours(models.Model):
    """One weekday's opening time of a resource; a weekday without a row is closed."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("星期"))  # Monday is 0, as date.weekday()
    opens = models.TimeField(_("开放时间"))
    closes = models.TimeField(_("关闭时间"))

    class Meta:
        verbose_name = _("开放时间")
        verbose_name_plural = _("开放时间")
        ordering = ["weekday"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "weekday"], name="opening_hours_one_per_weekday"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="opening_hours_weekday_valid"),
            models.CheckConstraint(
                condition=Q(closes__gt=F("opens")), name="opening_hours_closes_after_opens"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weekday}: {self.opens:%H:%M}–{self.closes:%H:%M}"


class Booking(models.Model):
    """预约: a slot of a resource held by a resident or organisation, pending the owner when it needs
    approval. Refused and cancelled bookings stay as history and free the time."""

    resource = models.ForeignKey(
        Resource, verbose_name=_("资源"), on_delete=models.PROTECT, related_name="bookings"
    )
    booker = models.ForeignKey(USER, verbose_name=_("预约人"), on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    purpose = models.CharField(_("用途"), max_length=200)
    attendees = models.PositiveSmallIntegerField(_("人数"))
    status = models.CharField(
        _("状态"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.PENDING
    )
    decided_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提交时间"))

    class Meta:
        verbose_name = _("预约")
        verbose_name_plural = _("预约")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"),
            models.CheckConstraint(condition=Q(attendees__gt=0), name="booking_attendees_positive"),
        ]
        indexes = [
            # The day's slots and the owner's week: blocking bookings of one resource by start.
            models.Index(
                fields=["resource", "starts_at"],
                condition=Q(status__in=BLOCKING_STATUSES),
                name="booking_resource_blocking",
            ),
            models.Index(fields=["resource", "starts_at"], name="booking_resource_start"),
            models.Index(fields=["booker", "-starts_at"], name="booking_booker_recent"),
            models.Index(
                fields=["starts_at"], condition=Q(status=BookingStatus.PENDING), name="booking_pending_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_blocking(self) -> bool:
        return self.status in BLOCKING_STATUSES
