"""Resources and their opening hours: listed and changed by their owners, audited."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Forbidden
from civicgrid.core.images import clean_image
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.org.selectors import roles_at, user_can

from .. import selectors
from ..choices import SLOT_MINUTES, WEEKDAYS, ResourceKind
from ..models import OpeningHours, Resource

MAX_CAPACITY = 10_000
MAX_DAYS_AHEAD = 365
SLOT_CHOICES = {minutes for minutes, _label in SLOT_MINUTES}

# ---------------------------------------------------------------- resources


def _clean_resource(
    *,
    kind: str,
    name: str,
    capacity,
    slot_minutes,
    days_ahead,
    hours: dict[int, tuple[time, time]],
) -> None:
    errors: dict[str, list] = {}
    if kind not in ResourceKind.values:
        errors["kind"] = [_("请选择资源类型。")]
    if not (name or "").strip():
        errors["name"] = [_("请填写名称。")]
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = [_("容纳人数应在 1 到 %(n)s 之间。") % {"n": MAX_CAPACITY}]
    if slot_minutes not in SLOT_CHOICES:
        errors["slot_minutes"] = [_("请选择每段时长。")]
    if not isinstance(days_ahead, int) or not 1 <= days_ahead <= MAX_DAYS_AHEAD:
        errors["days_ahead"] = [_("可提前预约天数应在 1 到 %(n)s 之间。") % {"n": MAX_DAYS_AHEAD}]
    if not hours:
        errors["hours"] = [_("请至少设置一天的开放时间。")]
    for weekday, (opens, closes) in sorted(hours.items()):
        label = dict(WEEKDAYS).get(weekday)
        if label is None:
            errors.setdefault("hours", []).append(_("星期无效。"))
        elif closes <= opens:
            errors.setdefault("hours", []).append(_("%(day)s的关闭时间应晚于开放时间。") % {"day": label})
        elif slot_minutes in SLOT_CHOICES and (
            datetime.combine(date.min, closes) - datetime.combine(date.min, opens)
        ) < timedelta(minutes=slot_minutes):
            errors.setdefault("hours", []).append(_("%(day)s的开放时间不足一段。") % {"day": label})
    if errors:
        raise ValidationError(errors)


def _save_photo(resource: Resource, photo) -> None:
    try:
        cleaned = clean_image(photo)
    except ValidationError as error:
        raise ValidationError({"photo": error.messages}) from None
    resource.photo.save(cleaned.name or "photo.jpg", cleaned, save=False)


def _set_hours(resource: Resource, hours: dict[int, tuple[time, time]]) -> None:
    OpeningHours.objects.filter(resource=resource).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(resource=resource, weekday=weekday, opens=opens, closes=closes)
        for weekday, (opens, closes) in sorted(hours.items())
    )


@transaction.atomic
def resource_create(
    *,
    actor,
    unit: OrgUnit,
    as_organisation: bool = False,
    kind: str,
    name: str,
    capacity: int,
    hours: dict[int, tuple[time, time]],
    description: str = "",
    location: str = "",
    rules: str = "",
    needs_approval: bool = True,
    slot_minutes: int = 60,
    days_ahead: int = 30,
    photo=None,
    now: datetime | None = None,
) -> Resource:
    """List a resource for a street or community the actor manages, or for the actor's organisation
    (in the community where the organisation was confirmed)."""
    now = now or clock.now()
    if not user_can(actor, "bookings.manage"):
        raise Forbidden()
    roles = roles_at(actor, unit)
    organisation_name = ""
    if as_organisation:
        membership = Membership.objects.filter(
            user=actor, unit=unit, role=Role.ORG_ADMIN, is_active=True
        ).first()
        if membership is None:
            raise Forbidden()
        organisation_name = membership.title or actor.get_full_name()
    elif not (roles & selectors.UNIT_MANAGER_ROLES or actor.is_superuser):
        raise Forbidden()
    if unit.kind not in (UnitKind.STREET, UnitKind.COMMUNITY):
        raise ValidationError({"unit": [_("资源属于街道或社区。")]})
    _clean_resource(
        kind=kind, name=name, capacity=capacity, slot_minutes=slot_minutes, days_ahead=days_ahead, hours=hours
    )
    resource = Resource(
        unit=unit,
        organisation=actor if as_organisation else None,
        organisation_name=organisation_name[:100],
        kind=kind,
        name=name.strip()[:60],
        description=(description or "").strip()[:4000],
        location=(location or "").strip()[:120],
        capacity=capacity,
        rules=(rules or "").strip()[:4000],
        needs_approval=needs_approval,
        slot_minutes=slot_minutes,
        days_ahead=days_ahead,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    if photo:
        _save_photo(resource, photo)
    resource.save()
    _set_hours(resource, hours)
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=resource,
        details={"unit": unit.code, "organisation": organisation_name},
    )
    return resource


EDITABLE = (
    "kind",
    "name",
    "description",
    "location",
    "capacity",
    "rules",
    "needs_approval",
    "slot_minutes",
    "days_ahead",
    "is_active",
)


@transaction.atomic
def resource_update(
    *, actor, resource: Resource, hours: dict[int, tuple[time, time]], photo=None, now=None, **fields
) -> Resource:
    """Change a resource the actor owns. Existing bookings stay as they are."""
    if not selectors.can_manage(actor, resource):
        raise Forbidden()
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    merged = {name: fields.get(name, getattr(resource, name)) for name in EDITABLE}
    _clean_resource(
        kind=merged["kind"],
        name=merged["name"],
        capacity=merged["capacity"],
        slot_minutes=merged["slot_minutes"],
        days_ahead=merged["days_ahead"],
        hours=hours,
    )
    before = {name: getattr(resource, name) for name in EDITABLE}
    before_hours = {h.weekday: (h.opens, h.closes) for h in OpeningHours.objects.filter(resource=resource)}
    for name in ("name", "description", "location", "rules"):
        merged[name] = (merged[name] or "").strip()
    for name, value in merged.items():
        setattr(resource, name, value)
    if photo:
        _save_photo(resource, photo)
    resource.updated_at = now or clock.now()
    resource.save()
    _set_hours(resource, hours)
    changed = {
        name: [str(before[name]), str(merged[name])] for name in EDITABLE if before[name] != merged[name]
    }
    if before_hours != hours:
        changed["hours"] = [_hours_text(before_hours), _hours_text(hours)]
    if photo:
        changed["photo"] = ["", resource.photo.name or ""]
    audit_record(action=AuditAction.UPDATE, actor=actor, obj=resource, details={"changed": changed})
    if hasattr(resource, "_prefetched_objects_cache"):
        resource._prefetched_objects_cache.pop("hours", None)
    return resource


def _hours_text(hours: dict[int, tuple[time, time]]) -> str:
    return "; ".join(f"{d}:{o:%H:%M}-{c:%H:%M}" for d, (o, c) in sorted(hours.items()))
