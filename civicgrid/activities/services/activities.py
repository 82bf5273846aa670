"""An activity's life: proposed (residents) or published (staff), approved or refused by the community,
edited, cancelled with its people told, hidden by the community with a reason."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.notifications.services import Message, bulk_notify, notify
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import user_can

from .. import selectors
from ..choices import ActivityStatus, Audience, SignupStatus
from ..models import Activity, ActivitySignup
from .signups import lock, promote

MAX_CAPACITY = 1000
MAX_LENGTH = timedelta(days=7)
ALREADY_DECIDED = gettext_lazy("该活动已审核。")
ALREADY_CANCELLED = gettext_lazy("该活动已取消。")
ALREADY_OVER = gettext_lazy("活动已结束，不能修改。")
PUBLISHED_ASK_COMMUNITY = gettext_lazy("活动已发布，如需修改请联系社区工作人员。")
NOT_MODERATOR = gettext_lazy("只有活动所属社区的负责人可以审核或隐藏活动。")
REASON_REQUIRED = gettext_lazy("请说明原因。")

# What an organiser may change, and what participants are told about when it changes.
EDITABLE = ("title", "description", "starts_at", "ends_at", "place", "booking_id", "capacity", "audience")
TOLD_TO_PARTICIPANTS = ("starts_at", "ends_at", "place")


def _clean(
    *,
    title,
    description,
    starts_at,
    ends_at,
    place,
    capacity,
    audience,
    booking_id=None,
    now: datetime,
    organiser,
    check_start: bool = True,
    check_booking: bool = True,
    confirmed: int = 0,
) -> dict:
    """Check an activity's fields; return them cleaned or raise every problem at once."""
    errors: dict[str, list[str]] = {}
    title, description, place = (title or "").strip(), (description or "").strip(), (place or "").strip()
    if not title:
        errors["title"] = [_("请填写活动名称。")]
    elif len(title) > 60:
        errors["title"] = [_("活动名称不能超过 60 个字。")]
    if not description:
        errors["description"] = [_("请介绍活动内容。")]
    if not place:
        errors["place"] = [_("请填写活动地点。")]
    if starts_at is None:
        errors["starts_at"] = [_("请填写开始时间。")]
    elif check_start and starts_at <= now:
        errors["starts_at"] = [_("开始时间须晚于现在。")]
    if ends_at is None:
        errors["ends_at"] = [_("请填写结束时间。")]
    elif starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = [_("结束时间须晚于开始时间。")]
    elif starts_at is not None and ends_at - starts_at > MAX_LENGTH:
        errors["ends_at"] = [_("一次活动不能超过 7 天。")]
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        errors["capacity"] = [_("请填写名额。")]
    else:
        if not 1 <= capacity <= MAX_CAPACITY:
            errors["capacity"] = [_("名额须在 1 到 %(max)s 之间。") % {"max": MAX_CAPACITY}]
        elif capacity < confirmed:
            errors["capacity"] = [_("名额不能少于已报名的 %(n)s 人。") % {"n": confirmed}]
    if audience not in Audience.values:
        errors["audience"] = [_("请选择面向人群。")]
    if booking_id in ("", None):
        booking_id = None
    else:
        try:
            booking_id = int(booking_id)
            if booking_id < 1:
                raise ValueError
        except (TypeError, ValueError):
            errors["booking_id"] = [_("预约编号应为正整数。")]
        else:
            if check_booking:
                _check_booking(errors, organiser, booking_id, starts_at, ends_at)
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "description": description[:4000],
        "starts_at": starts_at,
        "ends_at": ends_at,
        "place": place[:120],
        "capacity": capacity,
        "audience": audience,
        "booking_id": booking_id,
    }


def _check_booking(errors: dict, organiser, booking_id: int, starts_at, ends_at) -> None:
    """The venue booking must be the organiser's (or of a resource they manage), still held, and cover
    the activity's time."""
    from civicgrid.bookings.selectors import booking_for_activity

    booking = booking_for_activity(organiser=organiser, booking_id=booking_id)
    if booking is None:
        errors["booking_id"] = [_("找不到这条场地预约：须是您本人（或您管理的场地）待审核或已确认的预约。")]
    elif (
        starts_at is not None
        and ends_at is not None
        and not (booking.starts_at <= starts_at and ends_at <= booking.ends_at)
    ):
        start, end = timezone.localtime(booking.starts_at), timezone.localtime(booking.ends_at)
        errors["booking_id"] = [
            _("活动时间须在场地预约的时段之内（%(when)s）。") % {"when": f"{start:%m-%d %H:%M}–{end:%H:%M}"}
        ]


@transaction.atomic
def activity_create(*, actor, unit: OrgUnit, now: datetime | None = None, **fields) -> Activity:
    """Staff publish at once; a resident's proposal waits for the community's approval."""
    now = now or clock.now()
    if not user_can(actor, "activities.organise"):
        raise Forbidden()
    direct = {u.pk: is_direct for u, is_direct in selectors.organise_units(actor)}
    if getattr(unit, "pk", None) not in direct:
        raise ValidationError({"unit": [_("请选择您可以发起活动的社区或街道。")]})
    cleaned = _clean(now=now, organiser=actor, **fields)
    published = direct[unit.pk]
    activity = Activity.objects.create(
        unit=unit,
        organiser=actor,
        by_resident=not published,
        status=ActivityStatus.PUBLISHED if published else ActivityStatus.DRAFT,
        published_at=now if published else None,
        created_at=now,
        **cleaned,
    )
    audit_record(action=AuditAction.CREATE, actor=actor, obj=activity, details={"status": activity.status})
    if not published:
        bulk_notify(
            [
                Message(
                    user=head,
                    kind="activities.proposed",
                    key=f"activity:{activity.pk}:proposed:{head.pk}",
                    title=_("居民发起的活动待审核：%(title)s") % {"title": activity.title},
                    url="/portal/activities/staff/",
                )
                for head in selectors.community_heads(unit)
            ]
        )
    return activity


@transaction.atomic
def activity_update(*, actor, activity: Activity, now: datetime | None = None, **fields) -> Activity:
    """Change what the organiser may change; the people signed up hear of a new time or place, and a
    larger capacity gives places to the people waiting."""
    locked = lock(activity)
    now = now or clock.now()
    if not selectors.can_manage(actor, locked):
        raise Forbidden()
    if locked.status == ActivityStatus.CANCELLED:
        raise Conflict(ALREADY_CANCELLED, code="cancelled")
    if locked.ends_at <= now:
        raise Conflict(ALREADY_OVER, code="over")
    published = locked.status == ActivityStatus.PUBLISHED
    if published and locked.by_resident and not selectors.can_moderate(actor, locked):
        raise Forbidden(PUBLISHED_ASK_COMMUNITY, code="published")
    values = {name: fields.get(name, getattr(locked, name)) for name in EDITABLE}
    cleaned = _clean(
        now=now,
        organiser=locked.organiser,
        check_start=values["starts_at"] != locked.starts_at,
        check_booking=any(
            values[name] != getattr(locked, name) for name in ("booking_id", "starts_at", "ends_at")
        ),
        confirmed=locked.confirmed_count,
        **values,
    )
    changed = {name: value for name, value in cleaned.items() if getattr(locked, name) != value}
    if not changed:
        return locked
    before = {name: getattr(locked, name) for name in changed}
    for name, value in changed.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(changed))
    if (
        "capacity" in changed
        and locked.status == ActivityStatus.PUBLISHED
        and promote(locked=locked, places=locked.capacity - locked.confirmed_count, now=now, actor=actor)
    ):
        locked.save(update_fields=["confirmed_count", "waiting_count"])
    audit_record(
        action=AuditAction.UPDATE,
        actor=actor,
        obj=locked,
        details={name: [str(before[name]), str(changed[name])] for name in changed},
    )
    if locked.status == ActivityStatus.PUBLISHED and set(changed) & set(TOLD_TO_PARTICIPANTS):
        _tell_participants(
            locked,
            kind="activities.changed",
            key=f"changed:{now.timestamp():.0f}",
            title=_("活动时间或地点有变：%(title)s") % {"title": locked.title},
            body=_("新的安排：%(start)s，%(place)s。")
            % {
                "start": timezone.localtime(locked.starts_at).strftime("%Y-%m-%d %H:%M"),
                "place": locked.place,
            },
        )
    return locked


def _tell_participants(activity: Activity, *, kind: str, key: str, title: str, body: str = "") -> None:
    people = (
        ActivitySignup.objects.filter(activity=activity)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("user")
    )
    bulk_notify(
        [
            Message(
                user=signup.user,
                kind=kind,
                key=f"activity:{activity.pk}:{key}:{signup.user_id}",
                title=title,
                body=body,
                url=activity.get_absolute_url(),
            )
            for signup in people
        ]
    )


def _require_moderator(actor, activity: Activity) -> None:
    if not selectors.can_moderate(actor, activity):
        raise Forbidden(NOT_MODERATOR)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    return reason[:200]


@transaction.atomic
def activity_publish(*, actor, activity: Activity, now: datetime | None = None) -> Activity:
    """The community approves a resident's proposal: it becomes public and open for sign-up."""
    now = now or clock.now()
    _require_moderator(actor, activity)
    if activity.status == ActivityStatus.DRAFT and activity.starts_at <= now:
        raise Conflict(_("活动开始时间已过，不能再发布，请退回。"), code="too_late")
    changed = Activity.objects.filter(pk=activity.pk, status=ActivityStatus.DRAFT).update(
        status=ActivityStatus.PUBLISHED, published_at=now, reviewed_by=actor
    )
    if not changed:
        raise Conflict(ALREADY_DECIDED, code="already_decided")
    activity.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE, actor=actor, obj=activity, details={"status": activity.status}
    )
    notify(
        user=activity.organiser,
        kind="activities.published",
        key=f"activity:{activity.pk}:published",
        title=_("您发起的活动已通过审核：%(title)s") % {"title": activity.title},
        body=_("活动已发布，居民现在可以报名。"),
        url=activity.get_absolute_url(),
    )
    return activity


@transaction.atomic
def activity_refuse(*, actor, activity: Activity, reason: str, now: datetime | None = None) -> Activity:
    """The community does not approve a proposal; the organiser is told why."""
    _require_moderator(actor, activity)
    reason = _reason(reason)
    changed = Activity.objects.filter(pk=activity.pk, status=ActivityStatus.DRAFT).update(
        status=ActivityStatus.CANCELLED, cancel_reason=reason, reviewed_by=actor
    )
    if not changed:
        raise Conflict(ALREADY_DECIDED, code="already_decided")
    activity.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=activity,
        details={"status": "refused", "reason": reason},
    )
    notify(
        user=activity.organiser,
        kind="activities.refused",
        key=f"activity:{activity.pk}:refused",
        title=_("您发起的活动未通过审核：%(title)s") % {"title": activity.title},
        body=reason,
        url=activity.get_absolute_url(),
    )
    return activity


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str, now: datetime | None = None) -> Activity:
    """Call the activity off (or withdraw a proposal); everyone signed up or waiting is told."""
    locked = lock(activity)
    now = now or clock.now()
    if not selectors.can_manage(actor, locked):
        raise Forbidden()
    reason = _reason(reason)
    if locked.status == ActivityStatus.CANCELLED:
        raise Conflict(ALREADY_CANCELLED, code="cancelled")
    if locked.ends_at <= now:
        raise Conflict(_("活动已结束，不能取消。"), code="over")
    locked.status, locked.cancel_reason = ActivityStatus.CANCELLED, reason
    locked.save(update_fields=["status", "cancel_reason"])
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=locked,
        details={"status": ActivityStatus.CANCELLED, "reason": reason},
    )
    _tell_participants(
        locked,
        kind="activities.cancelled",
        key="cancelled",
        title=_("活动取消：%(title)s") % {"title": locked.title},
        body=reason,
    )
    return locked


@transaction.atomic
def activity_hide(*, actor, activity: Activity, reason: str) -> Activity:
    """Take an activity off the portal, with the reason kept and told to the organiser."""
    _require_moderator(actor, activity)
    reason = _reason(reason)
    changed = Activity.objects.filter(pk=activity.pk, is_hidden=False).update(
        is_hidden=True, hidden_reason=reason
    )
    if not changed:
        raise Conflict(_("该活动已隐藏。"), code="already_hidden")
    activity.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=activity, details={"hidden": reason})
    notify(
        user=activity.organiser,
        kind="activities.hidden",
        key=f"activity:{activity.pk}:hidden:{clock.now().timestamp():.0f}",
        title=_("您发起的活动已被社区隐藏：%(title)s") % {"title": activity.title},
        body=reason,
        url=activity.get_absolute_url(),
    )
    return activity


@transaction.atomic
def activity_unhide(*, actor, activity: Activity) -> Activity:
    _require_moderator(actor, activity)
    changed = Activity.objects.filter(pk=activity.pk, is_hidden=True).update(
        is_hidden=False, hidden_reason=""
    )
    if not changed:
        raise Conflict(_("该活动没有被隐藏。"), code="not_hidden")
    activity.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=activity, details={"hidden": False})
    return activity
