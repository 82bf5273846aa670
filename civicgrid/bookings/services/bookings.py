"""Bookings: made by verified residents and confirmed organisations, decided by the owner, cancelled
by the booker. The overlap rule itself is the database's (models.NO_OVERLAP): the insert is the check."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden, NotFound
from civicgrid.org.choices import Role
from civicgrid.org.models import Membership
from civicgrid.org.selectors import user_can

from .. import selectors
from ..choices import BLOCKING_STATUSES, WEEKDAYS, BookingStatus
from ..models import NO_OVERLAP, Booking, Resource

SLOT_TAKEN = gettext_lazy("该时段已被预约，请选择其他时段。")
NOT_VERIFIED = gettext_lazy("完成实名认证后才能预约。")
NOT_OPEN = gettext_lazy("不在开放时间内：%(day)s %(hours)s。")
CLOSED_DAY = gettext_lazy("%(day)s不开放。")
IN_THE_PAST = gettext_lazy("只能预约尚未开始的时段。")
TOO_FAR = gettext_lazy("最多可提前 %(days)s 天预约。")
NOT_ON_SLOTS = gettext_lazy("请按每段 %(minutes)s 分钟预约，从开放时间起算。")
ENDS_BEFORE_START = gettext_lazy("结束时间应晚于开始时间。")
TOO_MANY_PEOPLE = gettext_lazy("人数超过容纳上限（最多 %(capacity)s 人）。")
NO_PEOPLE = gettext_lazy("请填写人数。")
NO_PURPOSE = gettext_lazy("请填写用途。")
RESOURCE_CLOSED = gettext_lazy("该资源已暂停预约。")
ALREADY_DECIDED = gettext_lazy("该预约已处理。")
REFUSAL_NEEDS_REASON = gettext_lazy("请说明不予通过的原因。")
DECISION_TOO_LATE = gettext_lazy("该预约的时段已开始，不能再确认。")
ALREADY_STARTED = gettext_lazy("预约时段已开始，不能取消。")
NOT_CANCELLABLE = gettext_lazy("该预约已取消或未通过。")
EXPIRED_UNDECIDED = gettext_lazy("预约时段开始前未获审核，已自动退回，请重新预约。")
WITHDRAWAL_NEEDS_REASON = gettext_lazy("请说明取消预约的原因，预约人会收到这条说明。")


def _when(start: datetime, end: datetime) -> str:
    start, end = timezone.localtime(start), timezone.localtime(end)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"


def _day_label(day: date) -> str:
    return f"{day:%Y-%m-%d}（{dict(WEEKDAYS)[day.weekday()]}）"


# ---------------------------------------------------------------- bookings


def _check_booker(actor) -> None:
    if not user_can(actor, "bookings.book"):
        raise Forbidden()
    if not selectors.can_book(actor):
        raise Forbidden(NOT_VERIFIED, code="not_verified")


def _check_times(resource: Resource, starts_at: datetime, ends_at: datetime, now: datetime) -> None:
    """Inside one day's opening hours, on the resource's slots, not begun, not too far ahead."""
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": [ENDS_BEFORE_START]})
    if starts_at <= now:
        raise ValidationError({"starts_at": [IN_THE_PAST]})
    day = timezone.localdate(starts_at)
    if day > clock.localdate(now) + timedelta(days=resource.days_ahead):
        raise ValidationError({"starts_at": [TOO_FAR % {"days": resource.days_ahead}]})
    hours = selectors.hours_on(resource, day)
    if hours is None:
        raise ValidationError({"starts_at": [CLOSED_DAY % {"day": _day_label(day)}]})
    opens, closes = selectors.aware(day, hours.opens), selectors.aware(day, hours.closes)
    if starts_at < opens or ends_at > closes:
        text = NOT_OPEN % {"day": _day_label(day), "hours": f"{hours.opens:%H:%M}–{hours.closes:%H:%M}"}
        raise ValidationError({"starts_at": [text]})
    step = timedelta(minutes=resource.slot_minutes)
    if (starts_at - opens) % step or (ends_at - starts_at) % step:
        raise ValidationError({"starts_at": [NOT_ON_SLOTS % {"minutes": resource.slot_minutes}]})


def booking_create(
    *,
    actor,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    attendees: int | None,
    purpose: str,
    now: datetime | None = None,
) -> Booking:
    """Book a slot (or several in a row). Confirmed at once, or pending the owner's approval; two
    people after the same slot get one booking and one clear refusal (the database decides)."""
    now = now or clock.now()
    _check_booker(actor)
    if not resource.is_active:
        raise Conflict(RESOURCE_CLOSED, code="resource_closed")
    if not selectors.bookable_resources(actor).filter(pk=resource.pk).exists():
        raise NotFound()
    purpose = (purpose or "").strip()
    people = attendees or 0
    errors: dict[str, list] = {}
    if not purpose:
        errors["purpose"] = [NO_PURPOSE]
    if people < 1:
        errors["attendees"] = [NO_PEOPLE]
    elif people > resource.capacity:
        errors["attendees"] = [TOO_MANY_PEOPLE % {"capacity": resource.capacity}]
    if errors:
        raise ValidationError(errors)
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise ValidationError({"starts_at": [_("时间须带时区。")]})
    _check_times(resource, starts_at, ends_at, now)
    status = BookingStatus.PENDING if resource.needs_approval else BookingStatus.CONFIRMED
    try:
        with transaction.atomic():
            # Bookings of one resource queue on its row: the exclusion constraint alone lets several
            # overlapping inserts wait on one another, and PostgreSQL then aborts some as deadlocked.
            Resource.objects.select_for_update().filter(pk=resource.pk).values_list("pk").first()
            booking = Booking.objects.create(
                resource=resource,
                booker=actor,
                starts_at=starts_at,
                ends_at=ends_at,
                purpose=purpose[:200],
                attendees=people,
                status=status,
                decided_at=now if status == BookingStatus.CONFIRMED else None,
                created_at=now,
            )
            audit_record(
                action=AuditAction.CREATE,
                actor=actor,
                obj=booking,
                details={"resource": resource.pk, "when": _when(starts_at, ends_at), "status": status},
            )
            if status == BookingStatus.CONFIRMED:
                _notify_booker(booking, title=_("预约成功：%(name)s") % {"name": resource.name})
            else:
                _notify_owners(booking)
    except IntegrityError as error:
        if NO_OVERLAP in str(error):
            raise Conflict(SLOT_TAKEN, code="slot_taken") from None
        raise
    return booking


def _notify_booker(booking: Booking, *, title: str, body: str = "") -> None:
    from civicgrid.notifications.services import notify

    notify(
        user=booking.booker,
        kind=f"bookings.{booking.status}",
        key=f"booking:{booking.pk}:{booking.status}",
        title=title,
        body=body or _when(booking.starts_at, booking.ends_at),
        url="/portal/resources/mine/",
    )


def _notify_owners(booking: Booking, *, event: str = "pending") -> None:
    """A booking waits (or was cancelled): tell the organisation, or the managers placed at the
    resource's unit itself (a street's resource: its leaders; a community's: its heads)."""
    from civicgrid.notifications.services import Message, bulk_notify

    resource = booking.resource
    owners: list
    if resource.organisation_id:
        owners = [resource.organisation]
    else:
        owners = [
            m.user
            for m in Membership.objects.filter(
                unit=resource.unit,
                role__in=selectors.UNIT_MANAGER_ROLES - {Role.PLATFORM_ADMIN},
                is_active=True,
                user__is_active=True,
            ).select_related("user")[:20]
        ]
    if event == "pending":
        title = _("新的预约待审核：%(name)s") % {"name": resource.name}
    else:
        title = _("预约已取消：%(name)s") % {"name": resource.name}
    body = f"{_when(booking.starts_at, booking.ends_at)} · {booking.purpose}"
    bulk_notify(
        [
            Message(
                user=owner,
                kind=f"bookings.{event}",
                key=f"booking:{booking.pk}:{event}:{owner.pk}",
                title=title,
                body=body,
                url="/portal/resources/manage/",
            )
            for owner in owners
        ]
    )


@transaction.atomic
def booking_decide(
    *, actor, booking: Booking, confirm: bool, reason: str = "", now: datetime | None = None
) -> Booking:
    """The owner confirms or refuses a pending booking (a refusal says why); compare-and-set."""
    now = now or clock.now()
    if not selectors.can_manage(actor, booking.resource):
        raise Forbidden()
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise ValidationError({"reason": [REFUSAL_NEEDS_REASON]})
    if confirm and booking.starts_at <= now:
        raise Conflict(DECISION_TOO_LATE, code="already_started")
    status = BookingStatus.CONFIRMED if confirm else BookingStatus.REFUSED
    changed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.PENDING).update(
        status=status, reason=reason[:200], decided_by=actor, decided_at=now
    )
    if not changed:
        raise Conflict(ALREADY_DECIDED, code="already_decided")
    booking.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=booking,
        details={"status": status, "reason": reason[:200]},
    )
    name = booking.resource.name
    if confirm:
        title = _("预约已确认：%(name)s") % {"name": name}
        body = _when(booking.starts_at, booking.ends_at)
    else:
        title = _("预约未通过：%(name)s") % {"name": name}
        body = f"{_when(booking.starts_at, booking.ends_at)} · {reason}"
    _notify_booker(booking, title=title, body=body)
    return booking


def _cancel_before_start(
    *, actor, booking: Booking, now: datetime, details=None, reason=None, **where
) -> None:
    """Cancel a pending or confirmed booking that has not begun, by compare-and-set (`where` narrows it
    further), and audit it; a booking that began or moved on meanwhile is refused with the reason."""
    fields = {"status": BookingStatus.CANCELLED, "cancelled_at": now}
    if reason is not None:
        fields["reason"] = reason
    changed = Booking.objects.filter(
        pk=booking.pk, status__in=BLOCKING_STATUSES, starts_at__gt=now, **where
    ).update(**fields)
    if not changed:
        booking.refresh_from_db()
        if booking.status in BLOCKING_STATUSES:
            raise Conflict(ALREADY_STARTED, code="already_started")
        raise Conflict(NOT_CANCELLABLE, code="not_cancellable")
    old = booking.status
    booking.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=booking,
        details={"status": BookingStatus.CANCELLED, "was": old, **(details or {})},
    )


@transaction.atomic
def booking_cancel(*, actor, booking: Booking, now: datetime | None = None) -> Booking:
    """The booker cancels before the slot begins; the time is free again at once."""
    now = now or clock.now()
    if booking.booker_id != actor.pk:
        raise Forbidden()
    _cancel_before_start(actor=actor, booking=booking, now=now, booker=actor)
    _notify_owners(booking, event="cancelled")
    return booking


@transaction.atomic
def booking_withdraw(*, actor, booking: Booking, reason: str, now: datetime | None = None) -> Booking:
    """The owner takes a pending or confirmed booking back before it begins (the room is closed, the
    equipment broken): the reason is required and goes to the booker; the time is free again."""
    now = now or clock.now()
    if not selectors.can_manage(actor, booking.resource):
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [WITHDRAWAL_NEEDS_REASON]})
    _cancel_before_start(
        actor=actor,
        booking=booking,
        now=now,
        reason=reason[:200],
        details={"by": "owner", "reason": reason[:200]},
    )
    title = _("预约已被管理方取消：%(name)s") % {"name": booking.resource.name}
    _notify_booker(booking, title=title, body=f"{_when(booking.starts_at, booking.ends_at)} · {reason}")
    return booking


def expire_undecided(*, now: datetime | None = None) -> int:
    """Pending bookings whose time has begun without a decision are refused as expired, and their
    bookers told; each only once (compare-and-set), so running it twice changes nothing more."""
    now = now or clock.now()
    expired = 0
    for booking in Booking.objects.filter(status=BookingStatus.PENDING, starts_at__lte=now).select_related(
        "resource"
    )[:500]:
        with transaction.atomic():
            changed = Booking.objects.filter(pk=booking.pk, status=BookingStatus.PENDING).update(
                status=BookingStatus.REFUSED, reason=str(EXPIRED_UNDECIDED)[:200], decided_at=now
            )
            if not changed:
                continue
            booking.refresh_from_db()
            audit_record(
                action=AuditAction.STATE_CHANGE,
                actor=None,
                obj=booking,
                details={"status": BookingStatus.REFUSED, "expired": True},
            )
            title = _("预约未获审核：%(name)s") % {"name": booking.resource.name}
            _notify_booker(
                booking,
                title=title,
                body=f"{_when(booking.starts_at, booking.ends_at)} · {EXPIRED_UNDECIDED}",
            )
            expired += 1
    return expired
