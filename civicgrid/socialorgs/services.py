"""Writes of 社会组织 — registration and moderation, the organisation's page and photos, joining and
leaving. Each is checked, atomic and audited; state changes are compare-and-set updates."""

import re
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.accounts.choices import AccountKind
from civicgrid.accounts.models import User
from civicgrid.accounts.navigation import forget_panels
from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.crypto import blind_index
from civicgrid.core.errors import Conflict, Forbidden, NotFound
from civicgrid.core.images import clean_image
from civicgrid.notifications.services import Message, bulk_notify, notify
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.org.selectors import ancestor_of_kind, roles_at, user_can

from .choices import OPEN_JOIN_STATUSES, JoinStatus, SocialOrgCategory, SocialOrgStatus
from .models import JoinRequest, SocialOrg, SocialOrgPhoto
from .selectors import is_admin, is_staff_manager

MAX_PHOTOS = 200
MAX_PHOTOS_AT_ONCE = 9
PORTAL_ROLES = frozenset({Role.RESIDENT, Role.VOLUNTEER, Role.ORG_ADMIN})
CONTACT_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

# Messages people read, kept here so that tests assert them exactly.
NAME_REQUIRED = gettext_lazy("请填写组织名称。")
NAME_TAKEN = gettext_lazy("该社区已有同名的社会组织。")
CATEGORY_REQUIRED = gettext_lazy("请选择组织类别。")
INTRODUCTION_REQUIRED = gettext_lazy("请填写组织介绍。")
BAD_CONTACT_PHONE = gettext_lazy("请填写正确的手机号或固定电话（如 0571-86001234）。")
BAD_UNIT = gettext_lazy("社会组织应属于某个社区或街道。")
ADMIN_REQUIRED = gettext_lazy("请填写组织管理员的手机号。")
ADMIN_NOT_FOUND = gettext_lazy("未找到该手机号的居民或单位账号（须为本街道已注册的账号）。")
REASON_REQUIRED = gettext_lazy("请填写原因。")
TOO_LONG = gettext_lazy("不能超过 %(n)s 个字。")
ONLY_HEADS_OR_ORGANISATIONS = gettext_lazy("只有社区负责人或经社区确认的单位账号可以登记社会组织。")
ALREADY_REGISTERED = gettext_lazy("您的单位已登记了一个社会组织。")
ONLY_STAFF = gettext_lazy("只有社区负责人或平台管理员可以进行此操作。")
NOT_ADMIN = gettext_lazy("只有该组织的管理员可以进行此操作。")
ORG_NOT_OPEN = gettext_lazy("该组织未通过社区确认或已停用，暂不能进行此操作。")
ALREADY_DECIDED_ORG = gettext_lazy("该组织已审核。")
ALREADY_INACTIVE = gettext_lazy("该组织已停用。")
ALREADY_ACTIVE = gettext_lazy("该组织已在启用中。")
ONLY_RESIDENTS = gettext_lazy("只有居民和志愿者可以申请加入社会组织。")
ALREADY_MEMBER = gettext_lazy("您已是该组织成员。")
ALREADY_PENDING = gettext_lazy("您已提交过申请，请等待组织管理员审核。")
ALREADY_DECIDED = gettext_lazy("该申请已处理。")
NOT_A_MEMBER = gettext_lazy("您不是该组织成员，也没有待审核的申请。")
NO_LONGER_MEMBER = gettext_lazy("该居民已不是组织成员。")
NO_IMAGES = gettext_lazy("请选择要上传的照片。")
TOO_MANY_AT_ONCE = gettext_lazy("一次最多上传 9 张照片。")
TOO_MANY_PHOTOS = gettext_lazy("照片已达上限（200 张），请先删除一些旧照片。")


def _text(value, field: str, limit: int, errors: dict, *, required=None) -> str:
    """Strip a text field; record a missing or too long value in `errors`."""
    value = (value or "").strip()
    if required is not None and not value:
        errors[field] = [str(required)]
    elif len(value) > limit:
        errors[field] = [str(TOO_LONG % {"n": limit})]
    return value


def _profile(*, errors: dict, introduction, specialities, contact_name, contact_phone, category=None) -> dict:
    """The fields of an organisation's page, cleaned; problems go into `errors`."""
    fields = {
        "introduction": _text(introduction, "introduction", 2000, errors, required=INTRODUCTION_REQUIRED),
        "specialities": _text(specialities, "specialities", 1000, errors),
        "contact_name": _text(contact_name, "contact_name", 30, errors),
    }
    if category is not None:
        if category not in SocialOrgCategory.values:
            errors["category"] = [str(CATEGORY_REQUIRED)]
        fields["category"] = category
    if contact_phone is not None:
        phone = re.sub(r"[\s]", "", contact_phone or "")
        if phone and not CONTACT_PHONE.match(phone):
            errors["contact_phone"] = [str(BAD_CONTACT_PHONE)]
        fields["contact_phone"] = phone
    return fields


def _clean_logo(logo, errors: dict):
    if not logo:
        return None
    try:
        return clean_image(logo)
    except ValidationError as error:
        errors["logo"] = error.messages
        return None


def _admin_by_phone(phone: str, unit: OrgUnit, errors: dict) -> User | None:
    """The portal account (resident or organisation) of the street the organisation belongs to."""
    phone = (phone or "").strip()
    if not phone:
        errors["admin_phone"] = [str(ADMIN_REQUIRED)]
        return None
    street = ancestor_of_kind(unit, UnitKind.STREET) or unit
    user = User.objects.filter(
        phone_index=blind_index(phone, purpose="phone"),
        is_active=True,
        kind__in=[AccountKind.RESIDENT, AccountKind.ORGANISATION],
        memberships__is_active=True,
        memberships__role__in=PORTAL_ROLES,
        memberships__unit__path__startswith=street.path,
    ).first()
    if user is None:
        errors["admin_phone"] = [str(ADMIN_NOT_FOUND)]
    return user


def _require_staff(actor, org: SocialOrg) -> None:
    if not is_staff_manager(actor, org.unit):
        raise Forbidden(ONLY_STAFF)


def _require_admin(actor, org: SocialOrg) -> None:
    """The organisation's own admin, unless the community refused or deactivated the organisation
    (while it waits for confirmation the admin may already prepare its page and photos)."""
    if not is_admin(actor, org):
        raise Forbidden(NOT_ADMIN)
    if org.status == SocialOrgStatus.REFUSED or not org.is_active:
        raise Conflict(ORG_NOT_OPEN, code="org_not_open")


def _staff_to_tell(unit: OrgUnit) -> list[User]:
    """Who confirms a new organisation: the unit's community heads, else the platform admins above it."""
    heads = Membership.objects.filter(unit=unit, role=Role.COMMUNITY_HEAD, is_active=True)
    if not heads.exists():
        step = OrgUnit.steplen
        above = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
        heads = Membership.objects.filter(unit__path__in=above, role=Role.PLATFORM_ADMIN, is_active=True)
    return [m.user for m in heads.select_related("user")]


def _manage_url(org: SocialOrg) -> str:
    return reverse("socialorgs:manage", args=[org.pk])


# ---------------------------------------------------------------- registration and moderation


@transaction.atomic
def socialorg_create(
    *,
    actor,
    name: str,
    category: str,
    unit: OrgUnit,
    introduction: str,
    specialities: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    admin_phone: str = "",
    logo=None,
    now: datetime | None = None,
) -> SocialOrg:
    """Register an organisation. A community head (or platform admin) registers it confirmed and names
    its admin by phone; a confirmed organisation account registers itself and waits for its community."""
    now = now or clock.now()
    as_staff = is_staff_manager(actor, unit)
    if not as_staff:
        if Role.ORG_ADMIN not in roles_at(actor, unit):
            raise Forbidden(ONLY_HEADS_OR_ORGANISATIONS)
        if (
            SocialOrg.objects.filter(admin=actor, created_by=actor)
            .exclude(status=SocialOrgStatus.REFUSED)
            .exists()
        ):
            raise Conflict(ALREADY_REGISTERED, code="already_registered")
    errors: dict = {}
    name = _text(name, "name", 60, errors, required=NAME_REQUIRED)
    fields = _profile(
        errors=errors,
        introduction=introduction,
        specialities=specialities,
        contact_name=contact_name,
        contact_phone=contact_phone,
        category=category,
    )
    if unit.kind not in (UnitKind.COMMUNITY, UnitKind.STREET):
        errors["unit"] = [str(BAD_UNIT)]
    admin = _admin_by_phone(admin_phone, unit, errors) if as_staff else actor
    if (
        "name" not in errors
        and SocialOrg.objects.filter(unit=unit, name=name).exclude(status=SocialOrgStatus.REFUSED).exists()
    ):
        errors["name"] = [str(NAME_TAKEN)]
    cleaned_logo = _clean_logo(logo, errors)
    if errors or admin is None:
        raise ValidationError(errors)
    org = SocialOrg(
        name=name,
        unit=unit,
        admin=admin,
        status=SocialOrgStatus.CONFIRMED if as_staff else SocialOrgStatus.PENDING,
        created_by=actor,
        created_at=now,
        decided_by=actor if as_staff else None,
        decided_at=now if as_staff else None,
        **fields,
    )
    if cleaned_logo is not None:
        org.logo.save(str(cleaned_logo.name), cleaned_logo, save=False)
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:  # the same name registered a moment ago
        raise ValidationError({"name": [str(NAME_TAKEN)]}) from None
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=org,
        details={"unit": unit.pk, "admin": admin.pk, "status": org.status},
    )
    if as_staff:
        notify(
            user=admin,
            kind="socialorgs.admin",
            key=f"socialorg:{org.pk}:admin:{admin.pk}",
            title=_("您已被设为“%(name)s”的管理员") % {"name": org.name},
            url=_manage_url(org),
        )
    else:
        bulk_notify(
            [
                Message(
                    user=head,
                    kind="socialorgs.registered",
                    key=f"socialorg:{org.pk}:registered:{head.pk}",
                    title=_("新登记的社会组织待确认：%(name)s") % {"name": org.name},
                    url=reverse("socialorgs:staff_org", args=[org.pk]),
                )
                for head in _staff_to_tell(unit)
            ]
        )
    forget_panels([admin.pk])
    return org


@transaction.atomic
def socialorg_decide(
    *, actor, org: SocialOrg, confirm: bool, reason: str = "", now: datetime | None = None
) -> SocialOrg:
    """The community confirms a self-registered organisation (it becomes public) or refuses it."""
    _require_staff(actor, org)
    errors: dict = {}
    reason = _text(reason, "reason", 200, errors, required=None if confirm else REASON_REQUIRED)
    if errors:
        raise ValidationError(errors)
    status = SocialOrgStatus.CONFIRMED if confirm else SocialOrgStatus.REFUSED
    changed = SocialOrg.objects.filter(pk=org.pk, status=SocialOrgStatus.PENDING).update(
        status=status, status_reason=reason, decided_by=actor, decided_at=now or clock.now()
    )
    if not changed:
        raise Conflict(ALREADY_DECIDED_ORG, code="already_decided")
    org.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE, actor=actor, obj=org, details={"status": status, "reason": reason}
    )
    notify(
        user=org.admin,
        kind=f"socialorgs.org.{status}",
        key=f"socialorg:{org.pk}:{status}",
        title=(_("社区已确认“%(name)s”，组织已公开展示") if confirm else _("“%(name)s”未通过社区确认"))
        % {"name": org.name},
        body=reason,
        url=_manage_url(org) if confirm else reverse("socialorgs:mine"),
    )
    return org


@transaction.atomic
def socialorg_deactivate(*, actor, org: SocialOrg, reason: str) -> SocialOrg:
    """Take an organisation off the portal, with the reason kept and told to its admin."""
    _require_staff(actor, org)
    errors: dict = {}
    reason = _text(reason, "reason", 200, errors, required=REASON_REQUIRED)
    if errors:
        raise ValidationError(errors)
    if not SocialOrg.objects.filter(pk=org.pk, is_active=True).update(
        is_active=False, deactivated_reason=reason
    ):
        raise Conflict(ALREADY_INACTIVE, code="already_inactive")
    org.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE, actor=actor, obj=org, details={"is_active": False, "reason": reason}
    )
    notify(
        user=org.admin,
        kind="socialorgs.org.deactivated",
        key=f"socialorg:{org.pk}:deactivated:{clock.now().isoformat()}",
        title=_("“%(name)s”已被社区停用") % {"name": org.name},
        body=reason,
        url=reverse("socialorgs:mine"),
    )
    forget_panels([org.admin_id])
    return org


@transaction.atomic
def socialorg_activate(*, actor, org: SocialOrg) -> SocialOrg:
    _require_staff(actor, org)
    if not SocialOrg.objects.filter(pk=org.pk, is_active=False).update(is_active=True, deactivated_reason=""):
        raise Conflict(ALREADY_ACTIVE, code="already_active")
    org.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=org, details={"is_active": True})
    notify(
        user=org.admin,
        kind="socialorgs.org.activated",
        key=f"socialorg:{org.pk}:activated:{clock.now().isoformat()}",
        title=_("“%(name)s”已重新启用") % {"name": org.name},
        url=_manage_url(org),
    )
    forget_panels([org.admin_id])
    return org


@transaction.atomic
def socialorg_set_admin(*, actor, org: SocialOrg, admin_phone: str) -> SocialOrg:
    """The community names another admin (the former one moved away, or handed over)."""
    _require_staff(actor, org)
    errors: dict = {}
    admin = _admin_by_phone(admin_phone, org.unit, errors)
    if errors or admin is None:
        raise ValidationError(errors)
    former = org.admin_id
    if admin.pk == former:
        return org
    SocialOrg.objects.filter(pk=org.pk).update(admin=admin)
    org.refresh_from_db()
    audit_record(
        action=AuditAction.UPDATE, actor=actor, obj=org, details={"admin": {"old": former, "new": admin.pk}}
    )
    notify(
        user=admin,
        kind="socialorgs.admin",
        key=f"socialorg:{org.pk}:admin:{admin.pk}:{clock.now().isoformat()}",
        title=_("您已被设为“%(name)s”的管理员") % {"name": org.name},
        url=_manage_url(org),
    )
    forget_panels([former, admin.pk])
    return org


@transaction.atomic
def socialorg_update(
    *,
    actor,
    org: SocialOrg,
    category: str,
    introduction: str,
    specialities: str = "",
    contact_name: str = "",
    contact_phone: str | None = None,
    logo=None,
) -> SocialOrg:
    """Edit the organisation's page. `contact_phone=None` keeps the number (it is never shown in full)."""
    if not is_staff_manager(actor, org.unit):
        _require_admin(actor, org)
    errors: dict = {}
    fields = _profile(
        errors=errors,
        introduction=introduction,
        specialities=specialities,
        contact_name=contact_name,
        contact_phone=contact_phone,
        category=category,
    )
    cleaned_logo = _clean_logo(logo, errors)
    if errors:
        raise ValidationError(errors)
    changed = [field for field, value in fields.items() if getattr(org, field) != value]
    for field in changed:
        setattr(org, field, fields[field])
    if cleaned_logo is not None:
        former: str = org.logo.name or ""
        org.logo.save(str(cleaned_logo.name), cleaned_logo, save=False)
        changed.append("logo")
        if former:
            transaction.on_commit(lambda: default_storage.delete(former))
    if not changed:
        return org
    org.save(update_fields=changed)
    # Field names only: the audit trail never holds the contact's number.
    audit_record(action=AuditAction.UPDATE, actor=actor, obj=org, details={"fields": changed})
    return org


# ---------------------------------------------------------------- photos (活动剪影)


@transaction.atomic
def photos_add(
    *, actor, org: SocialOrg, images, caption: str = "", now: datetime | None = None
) -> list[SocialOrgPhoto]:
    """Post activity photos; every file is checked first, so one bad file keeps them all out."""
    _require_admin(actor, org)
    images = [image for image in images or () if image]
    errors: dict = {}
    caption = _text(caption, "caption", 100, errors)
    if not images:
        errors["images"] = [str(NO_IMAGES)]
    elif len(images) > MAX_PHOTOS_AT_ONCE:
        errors["images"] = [str(TOO_MANY_AT_ONCE)]
    cleaned = []
    for image in images if "images" not in errors else ():
        try:
            cleaned.append(clean_image(image))
        except ValidationError as error:
            errors["images"] = error.messages
            break
    if errors:
        raise ValidationError(errors)
    if SocialOrgPhoto.objects.filter(org=org).count() + len(cleaned) > MAX_PHOTOS:
        raise Conflict(TOO_MANY_PHOTOS, code="too_many_photos")
    now = now or clock.now()
    added = []
    for content in cleaned:
        photo = SocialOrgPhoto(org=org, caption=caption, posted_by=actor, posted_at=now)
        photo.image.save(str(content.name), content, save=True)
        added.append(photo)
    audit_record(action=AuditAction.CREATE, actor=actor, obj=org, details={"photos": [p.pk for p in added]})
    return added


@transaction.atomic
def photo_delete(*, actor, photo: SocialOrgPhoto) -> None:
    """The admin removes a photo; community staff may take one down too."""
    org = photo.org
    if not is_staff_manager(actor, org.unit):
        _require_admin(actor, org)
    name: str = photo.image.name or ""
    pk = photo.pk
    photo.delete()
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
    audit_record(action=AuditAction.UPDATE, actor=actor, obj=org, details={"photo_deleted": pk})


# ---------------------------------------------------------------- joining


@transaction.atomic
def join_request_create(
    *, actor, org: SocialOrg, message: str = "", now: datetime | None = None
) -> JoinRequest:
    """A resident asks to join; the admin is told. One open request (or membership) per resident —
    the database holds that rule, so a double tap makes one request."""
    if not user_can(actor, "socialorgs.join"):
        raise Forbidden(ONLY_RESIDENTS)
    if not org.is_public:
        raise NotFound()
    errors: dict = {}
    message = _text(message, "message", 200, errors)
    if errors:
        raise ValidationError(errors)
    _refuse_if_open(actor, org)
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(
                org=org, user=actor, message=message, created_at=now or clock.now()
            )
    except IntegrityError:
        _refuse_if_open(actor, org)
        raise Conflict(ALREADY_PENDING, code="already_pending") from None
    audit_record(action=AuditAction.CREATE, actor=actor, obj=request, details={"org": org.pk})
    notify(
        user=org.admin,
        kind="socialorgs.request",
        key=f"socialorg-request:{request.pk}",
        title=_("“%(name)s”有新的入会申请") % {"name": org.name},
        body=message,
        url=_manage_url(org),
    )
    return request


def _refuse_if_open(actor, org: SocialOrg) -> None:
    current = (
        JoinRequest.objects.filter(org=org, user=actor, status__in=OPEN_JOIN_STATUSES)
        .values_list("status", flat=True)
        .first()
    )
    if current == JoinStatus.ACCEPTED:
        raise Conflict(ALREADY_MEMBER, code="already_member")
    if current == JoinStatus.PENDING:
        raise Conflict(ALREADY_PENDING, code="already_pending")


@transaction.atomic
def join_request_decide(
    *, actor, join_request: JoinRequest, accept: bool, reason: str = "", now: datetime | None = None
) -> JoinRequest:
    """The organisation's admin accepts the resident as a member, or refuses with a reason; the
    resident reads the outcome in their inbox."""
    org = join_request.org
    _require_admin(actor, org)
    errors: dict = {}
    reason = _text(reason, "reason", 200, errors, required=None if accept else REASON_REQUIRED)
    if errors:
        raise ValidationError(errors)
    status = JoinStatus.ACCEPTED if accept else JoinStatus.REFUSED
    changed = JoinRequest.objects.filter(pk=join_request.pk, status=JoinStatus.PENDING).update(
        status=status, reason=reason, decided_by=actor, decided_at=now or clock.now()
    )
    if not changed:
        raise Conflict(ALREADY_DECIDED, code="already_decided")
    join_request.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=join_request,
        details={"status": status, "reason": reason},
    )
    notify(
        user=join_request.user,
        kind=f"socialorgs.request.{status}",
        key=f"socialorg-request:{join_request.pk}:{status}",
        title=(_("您已加入“%(name)s”") if accept else _("“%(name)s”未通过您的入会申请")) % {"name": org.name},
        body=reason,
        url=org.get_absolute_url(),
    )
    forget_panels([org.admin_id])
    return join_request


@transaction.atomic
def member_leave(*, actor, org: SocialOrg, now: datetime | None = None) -> JoinRequest:
    """The resident leaves the organisation, or withdraws a request still waiting."""
    current = JoinRequest.objects.filter(org=org, user=actor, status__in=OPEN_JOIN_STATUSES).first()
    if current is None:
        raise Conflict(NOT_A_MEMBER, code="not_a_member")
    status = JoinStatus.LEFT if current.status == JoinStatus.ACCEPTED else JoinStatus.WITHDRAWN
    if not JoinRequest.objects.filter(pk=current.pk, status=current.status).update(
        status=status, ended_at=now or clock.now()
    ):
        raise Conflict(NOT_A_MEMBER, code="not_a_member")
    current.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=current, details={"status": status})
    if status == JoinStatus.LEFT:
        notify(
            user=org.admin,
            kind="socialorgs.member.left",
            key=f"socialorg-request:{current.pk}:left",
            title=_("有成员退出了“%(name)s”") % {"name": org.name},
            url=_manage_url(org),
        )
    forget_panels([org.admin_id])
    return current


@transaction.atomic
def member_remove(
    *, actor, join_request: JoinRequest, reason: str, now: datetime | None = None
) -> JoinRequest:
    """The admin takes a member off the list, with a reason the resident reads."""
    org = join_request.org
    _require_admin(actor, org)
    errors: dict = {}
    reason = _text(reason, "reason", 200, errors, required=REASON_REQUIRED)
    if errors:
        raise ValidationError(errors)
    if not JoinRequest.objects.filter(pk=join_request.pk, status=JoinStatus.ACCEPTED).update(
        status=JoinStatus.REMOVED, reason=reason, ended_at=now or clock.now()
    ):
        raise Conflict(NO_LONGER_MEMBER, code="not_a_member")
    join_request.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=join_request,
        details={"status": JoinStatus.REMOVED, "reason": reason},
    )
    notify(
        user=join_request.user,
        kind="socialorgs.member.removed",
        key=f"socialorg-request:{join_request.pk}:removed",
        title=_("您已不再是“%(name)s”的成员") % {"name": org.name},
        body=reason,
        url=org.get_absolute_url(),
    )
    return join_request
