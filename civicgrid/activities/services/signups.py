"""Sign-ups: a place while there is one, else the waiting list; a cancelled place goes to the first
person waiting. Every change runs under the activity row's lock (select_for_update on PostgreSQL; on
SQLite the IMMEDIATE transaction already serialises writers), so 200 people after 50 places get
exactly 50 places and a queue numbered 1, 2, 3 … in the order they were served."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden, NotFound
from civicgrid.notifications.services import Message, bulk_notify
from civicgrid.org.selectors import user_can

from .. import selectors
from ..choices import ActivityStatus, SignupStatus
from ..models import Activity, ActivitySignup

ALREADY_SIGNED_UP = gettext_lazy("您已报名该活动。")
NOT_SIGNED_UP = gettext_lazy("您没有报名该活动。")
NOT_OPEN = gettext_lazy("该活动目前不接受报名。")
SIGNUP_CLOSED = gettext_lazy("活动已开始，报名已截止。")
CANCEL_CLOSED = gettext_lazy("活动已开始，不能取消报名。")
ACTIVITY_CANCELLED = gettext_lazy("该活动已取消。")
ONLY_MEMBERS = gettext_lazy("只有居民、志愿者和单位账号可以报名活动。")


def lock(activity: Activity) -> Activity:
    """The activity's row, locked until the transaction ends, with its current counters."""
    return Activity.objects.select_for_update().get(pk=activity.pk)


@transaction.atomic
def signup_create(*, actor, activity: Activity, now: datetime | None = None) -> ActivitySignup:
    """Take a place, or the next place in the queue when the activity is full."""
    if not user_can(actor, "activities.join"):
        raise Forbidden(ONLY_MEMBERS)
    if not selectors.in_reach(actor, activity):
        raise NotFound()
    locked = lock(activity)
    now = now or clock.now()  # read after the lock: the time of the arrival that counts
    if locked.status == ActivityStatus.CANCELLED:
        raise Conflict(ACTIVITY_CANCELLED, code="cancelled")
    if locked.status != ActivityStatus.PUBLISHED or locked.is_hidden:
        raise Conflict(NOT_OPEN, code="not_open")
    if locked.starts_at <= now:
        raise Conflict(SIGNUP_CLOSED, code="closed")
    if (
        ActivitySignup.objects.filter(activity=locked, user=actor)
        .exclude(status=SignupStatus.CANCELLED)
        .exists()
    ):
        raise Conflict(ALREADY_SIGNED_UP, code="already_signed_up")
    if locked.confirmed_count < locked.capacity:
        status, position = SignupStatus.CONFIRMED, None
        locked.confirmed_count += 1
    else:
        locked.waiting_count += 1
        status, position = SignupStatus.WAITING, locked.waiting_count
    try:
        with transaction.atomic():
            signup = ActivitySignup.objects.create(
                activity=locked, user=actor, status=status, position=position, created_at=now
            )
    except IntegrityError:  # the constraint (one live sign-up per person) as the last word
        raise Conflict(ALREADY_SIGNED_UP, code="already_signed_up") from None
    locked.save(update_fields=["confirmed_count", "waiting_count"])
    audit_record(
        action=AuditAction.CREATE, actor=actor, obj=signup, details={"status": status, "position": position}
    )
    return signup


@transaction.atomic
def signup_cancel(*, actor, activity: Activity, now: datetime | None = None) -> ActivitySignup:
    """Give up one's place (the first person waiting gets it, and is told) or one's place in the queue."""
    locked = lock(activity)
    now = now or clock.now()
    signup = (
        ActivitySignup.objects.filter(activity=locked, user=actor)
        .exclude(status=SignupStatus.CANCELLED)
        .first()
    )
    if signup is None:
        raise Conflict(NOT_SIGNED_UP, code="not_signed_up")
    if locked.status == ActivityStatus.CANCELLED:
        raise Conflict(ACTIVITY_CANCELLED, code="cancelled")
    if locked.starts_at <= now:
        raise Conflict(CANCEL_CLOSED, code="closed")
    was, position = signup.status, signup.position
    ActivitySignup.objects.filter(pk=signup.pk).update(
        status=SignupStatus.CANCELLED, position=None, cancelled_at=now
    )
    if was == SignupStatus.CONFIRMED:
        locked.confirmed_count -= 1
        if locked.status == ActivityStatus.PUBLISHED:
            promote(locked=locked, places=1, now=now, actor=actor)
    else:
        ActivitySignup.objects.filter(
            activity=locked, status=SignupStatus.WAITING, position__gt=position
        ).update(position=F("position") - 1)
        locked.waiting_count -= 1
    locked.save(update_fields=["confirmed_count", "waiting_count"])
    signup.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=signup,
        details={"status": SignupStatus.CANCELLED, "was": was, "position": position},
    )
    return signup


def promote(*, locked: Activity, places: int, now: datetime, actor) -> list[ActivitySignup]:
    """Give up to `places` free places to the head of the queue; the others move up. The caller holds
    the activity's lock and saves its counters."""
    places = min(places, locked.capacity - locked.confirmed_count)
    if places <= 0:
        return []
    first = list(
        ActivitySignup.objects.filter(activity=locked, status=SignupStatus.WAITING)
        .select_related("user")
        .order_by("position")[:places]
    )
    if not first:
        return []
    ActivitySignup.objects.filter(pk__in=[s.pk for s in first]).update(
        status=SignupStatus.CONFIRMED, position=None, promoted_at=now
    )
    ActivitySignup.objects.filter(activity=locked, status=SignupStatus.WAITING).update(
        position=F("position") - len(first)
    )
    locked.confirmed_count += len(first)
    locked.waiting_count -= len(first)
    when = timezone.localtime(locked.starts_at).strftime("%Y-%m-%d %H:%M")
    bulk_notify(
        [
            Message(
                user=signup.user,
                kind="activities.promoted",
                key=f"activity:{locked.pk}:promoted:{signup.pk}",
                title=_("候补成功：%(title)s") % {"title": locked.title},
                body=_("有人取消了报名，您已从候补转为正式报名。活动时间 %(date)s，地点：%(place)s。")
                % {"date": when, "place": locked.place},
                url=locked.get_absolute_url(),
            )
            for signup in first
        ]
    )
    for signup in first:
        audit_record(
            action=AuditAction.STATE_CHANGE,
            actor=actor,
            obj=signup,
            details={"status": SignupStatus.CONFIRMED, "was": SignupStatus.WAITING, "promoted": True},
        )
    return first
