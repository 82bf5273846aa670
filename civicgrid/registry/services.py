"""Every write to the registry: validated, with a reason, recorded in history and (for reveals) audited."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.crypto import blind_index, mask
from civicgrid.core.errors import Forbidden
from civicgrid.org.selectors import user_can

from .choices import PersonStatus, Relation, ResidenceType, RoomUse, VehicleKind
from .models import GroupMembership, Household, Organisation, Person, Room, ServiceGroup, Vehicle
from .validators import (
    id_birth_date,
    id_sex,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
    validate_plate,
)

REASON_REQUIRED = _("请填写变更原因。")
ID_TAKEN = _("该身份证号已登记在册，请勿重复登记；如需迁入，请联系原所在网格办理迁出。")
PLATE_TAKEN = _("车牌号 %(plate)s 已登记。")


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    return reason[:100]


def _stamp(obj, *, actor, reason: str) -> None:
    """Tell django-simple-history who made the next save and why."""
    obj._history_user = actor
    obj._change_reason = reason


def _require(actor, action: str) -> None:
    if actor is not None and not user_can(actor, action):
        raise Forbidden()


def person_set_identity(person: Person, id_number: str | None) -> None:
    """Set the ID number with its blind indexes, mask, birth date and sex (derived, never typed)."""
    if not id_number:
        person.id_number, person.id_index, person.id_last4_index, person.id_masked = "", None, "", ""
        person.birth_date, person.sex = None, ""
        return
    number = validate_id_number(id_number)
    person.id_number = number
    person.id_index = blind_index(number, purpose="id")
    person.id_last4_index = blind_index(number[-4:], purpose="id_last4")
    person.id_masked = mask(number, keep_start=4, keep_end=4)
    person.birth_date = id_birth_date(number)
    person.sex = id_sex(number)


def person_set_phone(person: Person, phone: str | None) -> None:
    if not phone:
        person.phone, person.phone_index, person.phone_masked = "", "", ""
        return
    number = validate_mobile(phone)
    person.phone = number
    person.phone_index = blind_index(number, purpose="phone")
    person.phone_masked = mask(number)


def _check_id_free(person: Person) -> None:
    # The holder may live outside the actor's scope: say that it exists, never who or where.
    if person.id_index and Person.objects.filter(id_index=person.id_index).exclude(pk=person.pk).exists():
        raise ValidationError({"id_number": ID_TAKEN})


def _clean_name(value: str | None) -> str:
    name = (value or "").strip()[:50]
    if not name:
        raise ValidationError(_("请填写姓名。"))
    return name


def _field_errors(**checks) -> None:
    """Run each validator, collecting every field's error before raising."""
    errors = {}
    for field, check in checks.items():
        try:
            check()
        except ValidationError as error:
            errors[field] = error.messages
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_create(
    *,
    actor,
    household: Household,
    full_name: str,
    id_number: str = "",
    phone: str = "",
    relation: str = Relation.OTHER,
    residence_type: str = ResidenceType.REGISTERED,
    reason: str,
) -> Person:
    """Register someone who moved into a household."""
    _require(actor, "registry.edit")
    reason = _check_reason(reason)
    person = Person(
        household=household,
        grid_id=household.grid_id,
        relation=relation,
        residence_type=residence_type,
    )
    _field_errors(
        full_name=lambda: setattr(person, "full_name", _clean_name(full_name)),
        id_number=lambda: person_set_identity(person, id_number),
        phone=lambda: person_set_phone(person, phone),
    )
    _check_id_free(person)
    person.full_clean(exclude=["id_number", "phone", "household", "grid"])
    _stamp(person, actor=actor, reason=reason)
    person.save()
    return person


PERSON_EDITABLE = {"full_name", "phone", "relation", "residence_type", "id_number"}


@transaction.atomic
def person_update(*, actor, person: Person, reason: str, **changes) -> Person:
    """Correct a person's data; unknown fields are refused, nothing is saved on any error."""
    _require(actor, "registry.edit")
    reason = _check_reason(reason)
    unknown = set(changes) - PERSON_EDITABLE
    if unknown:
        raise ValidationError({field: _("该字段不能在此修改。") for field in unknown})
    checks = {}
    if "full_name" in changes:
        checks["full_name"] = lambda: setattr(person, "full_name", _clean_name(changes["full_name"]))
    if "id_number" in changes and (changes["id_number"] or "") != person.id_number:
        checks["id_number"] = lambda: person_set_identity(person, changes["id_number"])
    if "phone" in changes and (changes["phone"] or "") != person.phone:
        checks["phone"] = lambda: person_set_phone(person, changes["phone"])
    _field_errors(**checks)
    for field in ("relation", "residence_type"):
        if field in changes:
            setattr(person, field, changes[field])
    _check_id_free(person)
    person.full_clean(exclude=["id_number", "phone", "household", "grid"])
    _stamp(person, actor=actor, reason=reason)
    person.save()
    return person


@transaction.atomic
def person_move_out(*, actor, person: Person, reason: str, deceased: bool = False) -> Person:
    """Someone left the household (moved away or died); the record and its history stay."""
    _require(actor, "registry.edit")
    reason = _check_reason(reason)
    person.status = PersonStatus.DECEASED if deceased else PersonStatus.MOVED_OUT
    person.household = None
    _stamp(person, actor=actor, reason=reason)
    person.save()
    return person


@transaction.atomic
def room_update(
    *, actor, room: Room, reason: str, use: str | None = None, owner_name: str | None = None
) -> Room:
    """The flat was sold (new owner) or rented out, left empty, turned into a shop."""
    _require(actor, "registry.edit")
    reason = _check_reason(reason)
    if use is not None:
        if use not in RoomUse.values:
            raise ValidationError({"use": _("请选择房屋用途。")})
        room.use = use
    if owner_name is not None:
        room.owner_name = owner_name.strip()[:50]
    _stamp(room, actor=actor, reason=reason)
    room.save()
    return room


@transaction.atomic
def household_verify(*, actor, household: Household, now: datetime | None = None) -> Household:
    """Mark a household and its living members as verified on site now."""
    _require(actor, "registry.edit")
    now = now or clock.now()
    household.last_verified_at = now
    household.last_verified_by = actor
    _stamp(household, actor=actor, reason=_("上门核实"))
    household.save()
    for person in household.members.filter(status=PersonStatus.LIVING):
        person.last_verified_at = now
        _stamp(person, actor=actor, reason=_("上门核实"))
        person.save(update_fields=["last_verified_at"])
    return household


@transaction.atomic
def vehicle_add(
    *,
    actor,
    household: Household,
    plate: str,
    reason: str,
    kind: str = VehicleKind.CAR,
    owner: Person | None = None,
) -> Vehicle:
    _require(actor, "registry.edit")
    reason = _check_reason(reason)
    try:
        plate = validate_plate(plate)
    except ValidationError as error:
        raise ValidationError({"plate": error.messages}) from None
    if kind not in VehicleKind.values:
        raise ValidationError({"kind": _("请选择车辆类型。")})
    if owner is not None and owner.household_id != household.pk:
        raise ValidationError({"owner": _("车主应是本户成员。")})
    vehicle = Vehicle.objects.filter(plate=plate).first()
    if vehicle is not None and vehicle.is_active:
        raise ValidationError({"plate": PLATE_TAKEN % {"plate": plate}})
    vehicle = vehicle or Vehicle(plate=plate)
    vehicle.kind, vehicle.owner, vehicle.household, vehicle.grid_id, vehicle.is_active = (
        kind,
        owner,
        household,
        household.grid_id,
        True,
    )
    _stamp(vehicle, actor=actor, reason=reason)
    vehicle.save()
    return vehicle


@transaction.atomic
def vehicle_remove(*, actor, vehicle: Vehicle, reason: str) -> Vehicle:
    _require(actor, "registry.edit")
    vehicle.is_active = False
    _stamp(vehicle, actor=actor, reason=_check_reason(reason))
    vehicle.save()
    return vehicle


@transaction.atomic
def person_tag(*, actor, person: Person, group: ServiceGroup, grade: int, reason: str) -> GroupMembership:
    """Put a person in a service group with a grade (分类定级); the grade sets the visit interval."""
    _require(actor, "registry.edit")
    reason = _check_reason(reason)
    if grade not in (1, 2, 3):
        raise ValidationError({"grade": _("等级应为一级、二级或三级。")})
    membership = GroupMembership.objects.filter(person=person, group=group).first() or GroupMembership(
        person=person, group=group, since=clock.now().date()
    )
    membership.grade, membership.is_active = grade, True
    _stamp(membership, actor=actor, reason=reason)
    membership.save()
    return membership


@transaction.atomic
def person_untag(*, actor, membership: GroupMembership, reason: str) -> GroupMembership:
    _require(actor, "registry.edit")
    membership.is_active = False
    _stamp(membership, actor=actor, reason=_check_reason(reason))
    membership.save()
    return membership


def person_reveal_id(*, actor, person: Person, request=None) -> str:
    """Return the full ID number to an authorised user, writing an audit row for the reveal."""
    if not user_can(actor, "registry.reveal"):
        raise Forbidden()
    audit_record(
        action=AuditAction.REVEAL, actor=actor, obj=person, request=request, details={"field": "id_number"}
    )
    return person.id_number


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, reason: str, **changes) -> Organisation:
    _require(actor, "registry.edit")
    reason = _check_reason(reason)
    if "credit_code" in changes:
        code = changes.pop("credit_code")
        try:
            organisation.credit_code = validate_credit_code(code) if code else None
        except ValidationError as error:
            raise ValidationError({"credit_code": error.messages}) from None
    if "contact_phone" in changes:
        phone = changes.pop("contact_phone")
        try:
            organisation.contact_phone = validate_mobile(phone) if phone else ""
        except ValidationError as error:
            raise ValidationError({"contact_phone": error.messages}) from None
        organisation.contact_phone_masked = mask(organisation.contact_phone)
    for field in ("name", "contact_name", "staff_count", "address"):
        if field in changes:
            setattr(organisation, field, changes.pop(field))
    if changes:
        raise ValidationError({field: _("该字段不能在此修改。") for field in changes})
    organisation.full_clean(exclude=["contact_phone", "grid", "room"])
    _stamp(organisation, actor=actor, reason=reason)
    organisation.save()
    return organisation
