"""Writes to the org tree and to memberships; each one audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record

from .choices import CHILD_KINDS, CODE_LENGTH, ROLE_UNIT_KINDS, UnitKind
from .models import Membership, OrgUnit
from .selectors import forget_memberships


def validate_unit_code(*, kind: str, code: str, parent: OrgUnit | None) -> None:
    """Check a unit code has the national shape for its kind and extends its parent's code."""
    length = CODE_LENGTH.get(kind)
    if length is not None:
        if len(code) != length or not code.isdigit():
            raise ValidationError(
                {"code": _("%(kind)s编码应为 %(n)d 位数字。") % {"kind": UnitKind(kind).label, "n": length}}
            )
        territorial_parent = parent is not None and parent.kind in CODE_LENGTH
        if territorial_parent and kind != UnitKind.DISTRICT and not code.startswith(parent.code):
            raise ValidationError(
                {"code": _("编码应以上级单元的编码 %(code)s 开头。") % {"code": parent.code}}
            )
    elif not code or len(code) > 32:
        raise ValidationError({"code": _("请填写编码（不超过 32 个字符）。")})


def validate_boundary(boundary: dict | None) -> None:
    if boundary is None:
        return
    try:
        geometry = shape(boundary)
    except Exception:  # shapely raises several types for malformed GeoJSON
        raise ValidationError({"boundary": _("边界不是有效的 GeoJSON 多边形。")}) from None
    if geometry.geom_type not in {"Polygon", "MultiPolygon"} or not geometry.is_valid or geometry.is_empty:
        raise ValidationError({"boundary": _("边界不是有效的 GeoJSON 多边形。")})


@transaction.atomic
def org_unit_create(
    *,
    parent: OrgUnit | None,
    kind: str,
    name: str,
    code: str,
    boundary: dict | None = None,
    phone: str = "",
    actor=None,
) -> OrgUnit:
    """Add a unit under `parent` (or as a root), checking kind, code shape and boundary."""
    if parent is not None and kind not in CHILD_KINDS[parent.kind]:
        raise ValidationError(
            {
                "kind": _("%(child)s不能设在%(parent)s之下。")
                % {"child": UnitKind(kind).label, "parent": UnitKind(parent.kind).label}
            }
        )
    validate_unit_code(kind=kind, code=code, parent=parent)
    validate_boundary(boundary)
    if OrgUnit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("编码 %(code)s 已被使用。") % {"code": code}})
    fields = {"kind": kind, "name": name, "code": code, "boundary": boundary, "phone": phone}
    if parent is None:
        unit = OrgUnit.objects.add_root(create_kwargs=fields)
    else:
        unit = OrgUnit.objects.add_child(parent, create_kwargs=fields)
    if actor is not None:
        audit_record(action=AuditAction.CREATE, actor=actor, obj=unit, details={"kind": kind, "code": code})
    return unit


@transaction.atomic
def org_unit_set_boundary(*, unit: OrgUnit, boundary: dict | None, actor=None) -> OrgUnit:
    validate_boundary(boundary)
    if unit.boundary == boundary:
        return unit
    unit.boundary = boundary
    unit.save(update_fields=["boundary", "updated_at"])
    if actor is not None:
        audit_record(action=AuditAction.UPDATE, actor=actor, obj=unit, details={"field": "boundary"})
    return unit


@transaction.atomic
def membership_grant(*, user, unit: OrgUnit, role: str, title: str = "", actor=None) -> Membership:
    """Give `user` the `role` in `unit` (or reactivate it); refuse roles that do not fit the unit kind."""
    if unit.kind not in ROLE_UNIT_KINDS[role]:
        raise ValidationError({"role": _("该角色不能设在%(kind)s。") % {"kind": UnitKind(unit.kind).label}})
    membership, created = Membership.objects.get_or_create(
        user=user, unit=unit, role=role, defaults={"title": title}
    )
    changed = created
    if not membership.is_active or (title and membership.title != title):
        membership.is_active = True
        membership.title = title or membership.title
        membership.save(update_fields=["is_active", "title"])
        changed = True
    forget_memberships(user)
    if changed and actor is not None:
        audit_record(
            action=AuditAction.PERMISSION_CHANGE,
            actor=actor,
            obj=user,
            details={"grant": role, "unit": unit.code},
        )
    return membership


@transaction.atomic
def membership_revoke(*, membership: Membership, actor=None) -> Membership:
    """End a membership; the row stays for the record."""
    won = Membership.objects.filter(pk=membership.pk, is_active=True).update(is_active=False)
    membership.refresh_from_db()
    forget_memberships(membership.user)
    if won and actor is not None:
        audit_record(
            action=AuditAction.PERMISSION_CHANGE,
            actor=actor,
            obj=membership.user,
            details={"revoke": membership.role, "unit": membership.unit.code},
        )
    return membership
