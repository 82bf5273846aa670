"""Writes of the resident portal: verification, points and redemptions — checked, atomic, audited."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.crypto import blind_index, mask
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import memberships_of, roles_at
from civicgrid.registry.choices import PersonStatus
from civicgrid.registry.models import Person
from civicgrid.registry.validators import validate_id_number

from .choices import RedemptionStatus, VerificationStatus
from .models import PointsAccount, PointsEntry, PointsRule, Redemption, Reward, Verification

VERIFIER_ACTION = "portal.verify"


def is_verified(user) -> bool:
    return Verification.objects.filter(user=user, status=VerificationStatus.CONFIRMED).exists()


# ---------------------------------------------------------------- verification


@transaction.atomic
def verification_request(
    *, user, full_name: str, id_number: str, now: datetime | None = None
) -> Verification:
    """Ask to be linked to one's registry record. The same answer whether or not the registry holds
    the person: a resident cannot probe who lives where."""
    now = now or clock.now()
    full_name = (full_name or "").strip()
    errors = {}
    if not full_name:
        errors["full_name"] = [_("请填写姓名。")]
    try:
        number = validate_id_number(id_number)
    except ValidationError as error:
        errors["id_number"] = error.messages
        number = ""
    if errors:
        raise ValidationError(errors)
    if is_verified(user):
        raise Conflict(_("您已完成实名认证。"), code="already_verified")
    if Verification.objects.filter(user=user, status=VerificationStatus.PENDING).exists():
        raise Conflict(_("您已有一个待确认的申请，请等待网格员确认。"), code="verification_pending")
    person = (
        Person.objects.filter(id_index=blind_index(number, purpose="id"), status=PersonStatus.LIVING)
        .select_related("household__grid")
        .first()
    )
    if person is not None and (person.full_name != full_name or person.household is None):
        person = None
    unit = person.household.grid if person else _home_community(user)
    if unit is None:
        raise ValidationError({"__all__": [_("您的账号还没有所属社区，请联系社区工作人员。")]})
    verification = Verification.objects.create(
        user=user,
        full_name=full_name[:50],
        id_masked=mask(number, keep_start=4, keep_end=4),
        person=person,
        unit=unit,
        created_at=now,
    )
    audit_record(action=AuditAction.CREATE, actor=user, obj=verification)
    return verification


def _home_community(user):
    for membership in memberships_of(user):
        if membership.role == Role.RESIDENT and membership.unit.kind == UnitKind.COMMUNITY:
            return membership.unit
    return None


@transaction.atomic
def verification_decide(
    *, actor, verification: Verification, confirm: bool, reason: str = "", now: datetime | None = None
) -> Verification:
    """The grid worker of the household (or the community) confirms or refuses; compare-and-set."""
    if not roles_at(actor, verification.unit) & PERMISSIONS[VERIFIER_ACTION] and not actor.is_superuser:
        raise Forbidden()
    reason = (reason or "").strip()
    if confirm and verification.person is None:
        raise ValidationError({"__all__": [_("登记信息中没有与该申请相符的人员，只能不予通过。")]})
    if not confirm and not reason:
        raise ValidationError({"reason": [_("请说明不予通过的原因。")]})
    status = VerificationStatus.CONFIRMED if confirm else VerificationStatus.REFUSED
    try:
        with transaction.atomic():
            changed = Verification.objects.filter(
                pk=verification.pk, status=VerificationStatus.PENDING
            ).update(status=status, reason=reason[:200], decided_by=actor, decided_at=now or clock.now())
    except IntegrityError:
        raise Conflict(_("该人员已与其他账号关联。"), code="person_already_linked") from None
    if not changed:
        raise Conflict(_("该申请已处理。"), code="already_decided")
    verification.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=verification, details={"status": status})
    from civicgrid.notifications.services import notify

    notify(
        user=verification.user,
        kind=f"portal.verification.{status}",
        key=f"verification:{verification.pk}:{status}",
        title=_("实名认证已通过") if confirm else _("实名认证未通过"),
        body=reason or _("您现在可以参与投票、预约和积分兑换。"),
        url="/portal/verify/",
    )
    return verification


# ---------------------------------------------------------------- points


def points_award(
    *, user, rule_code: str, note: str = "", once_key: str | None = None, now: datetime | None = None
) -> PointsEntry | None:
    """Earn the rule's points; None when the rule is off, the key was already used, or the year's cap is
    reached (the entry is cut to what is left of the cap)."""
    now = now or clock.now()
    rule = PointsRule.objects.filter(code=rule_code, is_active=True).first()
    if rule is None:
        return None
    with transaction.atomic():
        account, _created = PointsAccount.objects.get_or_create(user=user)
        PointsAccount.objects.select_for_update().filter(
            pk=account.pk
        ).first()  # serialises one user's awards
        points = rule.points
        if rule.yearly_cap is not None:
            start = now.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
            earned = (
                PointsEntry.objects.filter(user=user, rule=rule.code, at__gte=start).aggregate(
                    s=Sum("points")
                )["s"]
                or 0
            )
            points = min(points, rule.yearly_cap - earned)
            if points <= 0:
                return None
        try:
            with transaction.atomic():
                entry = PointsEntry.objects.create(
                    user=user,
                    rule=rule.code,
                    points=points,
                    note=note[:100] or rule.name,
                    once_key=once_key,
                    at=now,
                )
        except IntegrityError:
            return None  # already earned for this key
        PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + points)
    return entry


def daily_login(*, user, now: datetime | None = None) -> PointsEntry | None:
    now = now or clock.now()
    return points_award(
        user=user, rule_code="daily_login", once_key=f"daily_login:{clock.localdate(now)}", now=now
    )


@transaction.atomic
def redeem(*, user, reward: Reward, now: datetime | None = None) -> Redemption:
    """Spend points on one item. Stock and balance are each taken with one conditional update, so two
    residents after the last item — or one resident in two tabs — cannot overdraw either."""
    now = now or clock.now()
    if not is_verified(user):
        raise Forbidden(_("完成实名认证后才能兑换。"), code="not_verified")
    taken = Reward.objects.filter(pk=reward.pk, is_active=True, stock__gt=0).update(stock=F("stock") - 1)
    if not taken:
        raise Conflict(_("该物品已兑完。"), code="out_of_stock")
    paid = PointsAccount.objects.filter(user=user, balance__gte=reward.cost).update(
        balance=F("balance") - reward.cost
    )
    if not paid:
        transaction.set_rollback(True)
        raise Conflict(_("积分不足。"), code="insufficient_points")
    redemption = Redemption.objects.create(user=user, reward=reward, cost=reward.cost, created_at=now)
    PointsEntry.objects.create(
        user=user,
        rule="redemption",
        points=-reward.cost,
        note=_("兑换：%(name)s") % {"name": reward.name},
        at=now,
    )
    audit_record(action=AuditAction.CREATE, actor=user, obj=redemption, details={"cost": reward.cost})
    return redemption


@transaction.atomic
def redemption_hand_over(*, actor, redemption: Redemption, now: datetime | None = None) -> Redemption:
    if not roles_at(actor, redemption.reward.unit) & PERMISSIONS["portal.rewards"] and not actor.is_superuser:
        raise Forbidden()
    changed = Redemption.objects.filter(pk=redemption.pk, status=RedemptionStatus.REQUESTED).update(
        status=RedemptionStatus.HANDED_OVER, handed_over_by=actor, handed_over_at=now or clock.now()
    )
    if not changed:
        raise Conflict(_("该兑换已领取。"), code="already_handed_over")
    redemption.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE, actor=actor, obj=redemption, details={"status": "handed_over"}
    )
    return redemption
