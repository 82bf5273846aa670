"""After the activity: the organiser checks who came (each earns the activity points once) and posts
photos (活动剪影); a resident organiser's photos wait for the community, which may hide any photo."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.images import clean_image
from civicgrid.portal.services import points_award

from .. import selectors
from ..choices import ActivityStatus, PhotoStatus, SignupStatus
from ..models import Activity, ActivityPhoto, ActivitySignup
from .signups import lock

# Attendance can be checked from the start until this long after the end.
ATTENDANCE_WINDOW = timedelta(days=30)
PHOTOS_PER_UPLOAD = 9
PHOTOS_PER_ACTIVITY = 60
NOT_STARTED = gettext_lazy("活动开始后才能登记签到。")
WINDOW_OVER = gettext_lazy("活动结束已超过 30 天，不能再登记签到。")
NOT_PUBLISHED = gettext_lazy("只有已发布的活动可以登记签到和上传照片。")


@transaction.atomic
def attendance_mark(
    *, actor, activity: Activity, attended_user_ids, now: datetime | None = None
) -> dict[str, int]:
    """Record who of the people with a place came (the others: did not). Everyone who came earns the
    activity's points once, however often the list is saved."""
    locked = lock(activity)
    now = now or clock.now()
    if not selectors.can_manage(actor, locked):
        raise Forbidden(_("只有活动发起人或社区工作人员可以登记签到。"))
    if locked.status != ActivityStatus.PUBLISHED or locked.is_hidden:
        raise Conflict(NOT_PUBLISHED, code="not_published")
    if locked.starts_at > now:
        raise Conflict(NOT_STARTED, code="not_started")
    if locked.ends_at + ATTENDANCE_WINDOW < now:
        raise Conflict(WINDOW_OVER, code="window_over")
    try:
        wanted = {int(pk) for pk in attended_user_ids}
    except (TypeError, ValueError):
        raise ValidationError({"attended": [_("签到名单有误。")]}) from None
    places = ActivitySignup.objects.filter(activity=locked, status=SignupStatus.CONFIRMED)
    known = set(places.values_list("user_id", flat=True))
    if wanted - known:
        raise ValidationError({"attended": [_("只能为已报名（非候补）的人登记签到。")]})
    places.filter(user_id__in=wanted).update(attended=True)
    places.exclude(user_id__in=wanted).update(attended=False)
    awarded = 0
    note = _("参加活动：%(title)s") % {"title": locked.title}
    for signup in places.filter(user_id__in=wanted).select_related("user"):
        entry = points_award(
            user=signup.user,
            rule_code="activity",
            note=note[:100],
            once_key=f"activity:{locked.pk}:{signup.user_id}",
            now=now,
        )
        awarded += entry is not None
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=locked,
        details={"attended": sorted(wanted), "points_awarded": awarded},
    )
    return {"attended": len(wanted), "absent": len(known - wanted), "points_awarded": awarded}


@transaction.atomic
def photo_add(
    *, actor, activity: Activity, images, caption: str = "", now: datetime | None = None
) -> list[ActivityPhoto]:
    """Post photos of an activity that has begun; the community's own are public at once."""
    now = now or clock.now()
    locked = lock(activity)
    if not selectors.can_manage(actor, locked):
        raise Forbidden(_("只有活动发起人或社区工作人员可以上传活动剪影。"))
    if locked.status != ActivityStatus.PUBLISHED or locked.is_hidden:
        raise Conflict(NOT_PUBLISHED, code="not_published")
    if locked.starts_at > now:
        raise Conflict(_("活动开始后才能上传活动剪影。"), code="not_started")
    images = [image for image in images or [] if image]
    if not images:
        raise ValidationError({"photos": [_("请选择照片。")]})
    if len(images) > PHOTOS_PER_UPLOAD:
        raise ValidationError({"photos": [_("一次最多上传 %(n)s 张照片。") % {"n": PHOTOS_PER_UPLOAD}]})
    existing = ActivityPhoto.objects.filter(activity=locked).exclude(status=PhotoStatus.HIDDEN).count()
    if existing + len(images) > PHOTOS_PER_ACTIVITY:
        raise ValidationError({"photos": [_("每个活动最多 %(n)s 张照片。") % {"n": PHOTOS_PER_ACTIVITY}]})
    cleaned = []
    for image in images:
        try:
            cleaned.append(clean_image(image))
        except ValidationError as error:
            raise ValidationError({"photos": error.messages}) from None
    trusted = selectors.can_moderate(actor, locked) or not locked.by_resident
    status = PhotoStatus.VISIBLE if trusted else PhotoStatus.PENDING
    photos = []
    for content in cleaned:
        photo = ActivityPhoto(
            activity=locked,
            caption=(caption or "").strip()[:100],
            status=status,
            uploaded_by=actor,
            uploaded_at=now,
        )
        photo.image.save(content.name, content, save=False)
        photo.save()
        photos.append(photo)
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=locked,
        details={"photos": [p.pk for p in photos], "status": status},
    )
    return photos


@transaction.atomic
def photo_approve(*, actor, photo: ActivityPhoto) -> ActivityPhoto:
    if not selectors.can_moderate(actor, photo.activity):
        raise Forbidden()
    changed = ActivityPhoto.objects.filter(pk=photo.pk, status=PhotoStatus.PENDING).update(
        status=PhotoStatus.VISIBLE
    )
    if not changed:
        raise Conflict(_("该照片已审核。"), code="already_decided")
    photo.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=photo, details={"status": photo.status})
    return photo


@transaction.atomic
def photo_hide(*, actor, photo: ActivityPhoto, reason: str) -> ActivityPhoto:
    """Refuse a waiting photo or take a public one down; the reason is kept."""
    if not selectors.can_moderate(actor, photo.activity):
        raise Forbidden()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明原因。")]})
    changed = (
        ActivityPhoto.objects.filter(pk=photo.pk)
        .exclude(status=PhotoStatus.HIDDEN)
        .update(status=PhotoStatus.HIDDEN, hidden_reason=reason[:200])
    )
    if not changed:
        raise Conflict(_("该照片已隐藏。"), code="already_hidden")
    photo.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=photo, details={"hidden": reason[:200]})
    return photo
