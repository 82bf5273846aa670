"""Writes of the resident portal: verification, points and redemptions — checked, atomic, audited."""

import re
import secrets
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils.translation import gettext as _

from civicgrid.accounts.choices import AccountKind
from civicgrid.accounts.models import User
from civicgrid.accounts.services import password_reset, user_create, validate_mobile
from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.cases import services as case_services
from civicgrid.cases.choices import CaseStatus, Channel
from civicgrid.cases.models import Case, Category
from civicgrid.core import clock
from civicgrid.core.crypto import blind_index, mask
from civicgrid.core.errors import Conflict, Forbidden, RateLimited
from civicgrid.core.images import clean_image
from civicgrid.notifications.backends import sms_backend
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import ancestor_of_kind, memberships_of, roles_at
from civicgrid.org.services import membership_grant
from civicgrid.registry.choices import PersonStatus
from civicgrid.registry.models import Person
from civicgrid.registry.validators import validate_id_number

from .choices import CodePurpose, OrganisationKind, RedemptionStatus, VerificationStatus
from .models import (
    News,
    OrganisationApplication,
    PointsAccount,
    PointsEntry,
    PointsRule,
    Publication,
    Redemption,
    Reply,
    Reward,
    SignupCode,
    SuggestionRule,
    Verification,
)

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
            start = clock.make_aware_date(date(clock.localdate(now).year, 1, 1))
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


# ---------------------------------------------------------------- sign-up with an SMS code

CODE_TTL = timedelta(minutes=10)
CODE_INTERVAL = timedelta(seconds=60)
CODES_PER_PHONE_PER_DAY = 5
CODES_PER_IP_PER_DAY = 20
CODE_ATTEMPTS = 5


WRONG_CODE = _("验证码错误或已过期，请重新获取。")


def _issue_code(*, phone_index: str, purpose: str, ip: str | None, now: datetime, usable: bool) -> str:
    """Record a code request within the rate limits (per number, per address) and return the code;
    when `usable` is false the stored hash matches no code, and the caller texts none."""
    recent = SignupCode.objects.filter(created_at__gte=now - timedelta(days=1))
    if recent.filter(phone_index=phone_index, created_at__gte=now - CODE_INTERVAL).exists():
        raise RateLimited(_("验证码已发送，请 60 秒后再试。"))
    if recent.filter(phone_index=phone_index).count() >= CODES_PER_PHONE_PER_DAY:
        raise RateLimited(_("该手机号今天获取验证码次数过多，请明天再试。"))
    if ip and recent.filter(ip=ip).count() >= CODES_PER_IP_PER_DAY:
        raise RateLimited(_("请求过于频繁，请稍后再试。"))
    code = f"{secrets.randbelow(1_000_000):06d}"
    SignupCode.objects.create(
        phone_index=phone_index,
        purpose=purpose,
        code_hash=make_password(code if usable else None),
        ip=ip,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    return code


def _take_code(*, phone_index: str, purpose: str, code: str, now: datetime) -> SignupCode | None:
    """The latest live code for the number, locked, if `code` matches it. A wrong code counts as an
    attempt and gives None (the caller commits the count, then refuses); a dead code raises."""
    sent = (
        SignupCode.objects.select_for_update()
        .filter(phone_index=phone_index, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created_at")
        .first()
    )
    if sent is None or sent.attempts >= CODE_ATTEMPTS:
        raise ValidationError({"code": [WRONG_CODE]})
    if not check_password((code or "").strip(), sent.code_hash):
        SignupCode.objects.filter(pk=sent.pk).update(attempts=F("attempts") + 1)
        return None
    SignupCode.objects.filter(pk=sent.pk).update(used_at=now)
    return sent


def signup_send_code(*, phone: str, ip: str | None = None, now: datetime | None = None) -> None:
    """Text a 6-digit code to a mainland mobile number, within the rate limits. A number that already
    has an account gets a reminder instead, and the caller sees the same answer either way: the page
    tells nobody which numbers are registered."""
    now = now or clock.now()
    phone = validate_mobile(phone)
    index = blind_index(phone, purpose="phone")
    registered = User.objects.filter(phone_index=index).exists()
    code = _issue_code(phone_index=index, purpose=CodePurpose.SIGNUP, ip=ip, now=now, usable=not registered)
    if registered:
        sms_backend().send(phone, _("【淘社区】该手机号已注册淘社区，请直接登录；忘记密码可在登录页找回。"))
    else:
        sms_backend().send(phone, _("【淘社区】您的注册验证码是 %(code)s，10 分钟内有效。") % {"code": code})


def signup_complete(**kwargs):
    """Check the latest code for the number and create the resident's account in their community.
    A wrong code counts as an attempt (five, then the code is dead) and raises."""
    user = _signup(**kwargs)
    if user is None:
        raise ValidationError({"code": [WRONG_CODE]})
    return user


@transaction.atomic
def _signup(
    *,
    phone: str,
    code: str,
    full_name: str,
    password: str,
    community: OrgUnit,
    organisation_kind: str = "",
    organisation_name: str = "",
    now: datetime | None = None,
):
    now = now or clock.now()
    phone = validate_mobile(phone)
    index = blind_index(phone, purpose="phone")
    if _take_code(phone_index=index, purpose=CodePurpose.SIGNUP, code=code, now=now) is None:
        return None
    if community.kind != UnitKind.COMMUNITY:
        raise ValidationError({"community": [_("请选择所在社区。")]})
    if not (full_name or "").strip():
        raise ValidationError({"full_name": [_("请填写姓名。")]})
    if organisation_kind and organisation_kind not in OrganisationKind.values:
        raise ValidationError({"organisation_kind": [_("请选择单位类型。")]})
    if organisation_kind and not (organisation_name or "").strip():
        raise ValidationError({"organisation_name": [_("请填写单位名称。")]})
    kind = AccountKind.ORGANISATION if organisation_kind else AccountKind.RESIDENT
    user = user_create(
        username=phone, full_name=full_name.strip()[:50], kind=kind, phone=phone, password=password
    )
    if organisation_kind:
        # A business or organisation acts only once its community has confirmed it.
        OrganisationApplication.objects.create(
            user=user,
            name=organisation_name.strip()[:100],
            kind=organisation_kind,
            community=community,
            created_at=now,
        )
    else:
        membership_grant(user=user, unit=community, role=Role.RESIDENT)
    audit_record(action=AuditAction.CREATE, actor=user, obj=user, details={"signup": "sms"})
    return user


def password_reset_send_code(*, phone: str, ip: str | None = None, now: datetime | None = None) -> None:
    """Text a reset code to the number if an active account has it; the caller sees the same answer
    whether or not one does, and the request counts against the same limits."""
    now = now or clock.now()
    phone = validate_mobile(phone)
    index = blind_index(phone, purpose="phone")
    known = User.objects.filter(phone_index=index, is_active=True).exists()
    code = _issue_code(phone_index=index, purpose=CodePurpose.PASSWORD_RESET, ip=ip, now=now, usable=known)
    if known:
        sms_backend().send(
            phone,
            _("【淘社区】您正在找回密码，验证码 %(code)s，10 分钟内有效。如非本人操作，请忽略本短信。")
            % {"code": code},
        )


def password_reset_complete(**kwargs) -> User:
    """Check the latest reset code for the number and set the account's new password; a wrong code
    counts as an attempt and raises, like at sign-up."""
    user = _password_reset(**kwargs)
    if user is None:
        raise ValidationError({"code": [WRONG_CODE]})
    return user


@transaction.atomic
def _password_reset(*, phone: str, code: str, password: str, now: datetime | None = None) -> User | None:
    now = now or clock.now()
    phone = validate_mobile(phone)
    index = blind_index(phone, purpose="phone")
    if _take_code(phone_index=index, purpose=CodePurpose.PASSWORD_RESET, code=code, now=now) is None:
        return None
    user = User.objects.filter(phone_index=index, is_active=True).first()
    if user is None:  # deactivated since the code was sent
        raise ValidationError({"code": [WRONG_CODE]})
    return password_reset(user=user, new_password=password)


# ---------------------------------------------------------------- say it directly (民情直通)


def classify(text: str) -> Category:
    """The category of a suggestion: the first keyword rule that matches, else 意见建议."""
    for rule in SuggestionRule.objects.select_related("category").filter(category__is_active=True):
        if rule.keyword and rule.keyword in text:
            return rule.category
    return Category.objects.get(code="suggestion")


def suggestion_submit(
    *,
    actor,
    text: str,
    grid: OrgUnit,
    lat: float | None = None,
    lng: float | None = None,
    photos=(),
    is_public_ok: bool = True,
    now: datetime | None = None,
) -> Case:
    """A resident's suggestion or complaint becomes a case (channel 居民意见建议), routed like any other."""
    text = (text or "").strip()
    if len(text) < 5:
        raise ValidationError({"text": [_("请至少写 5 个字，说清楚是什么事。")]})
    if grid.kind != UnitKind.GRID or not any(
        grid.path.startswith(m.unit.path) for m in memberships_of(actor)
    ):
        raise ValidationError({"grid": [_("请选择您所在社区的网格。")]})
    return case_services.case_report(
        actor=actor,
        channel=Channel.SUGGESTION,
        category=classify(text),
        description=text[:4000],
        lat=lat,
        lng=lng,
        grid=grid,
        photos=photos,
        contact_consent=is_public_ok,
        now=now,
    )


@transaction.atomic
def reply_add(*, actor, case: Case, body: str, now: datetime | None = None) -> Reply:
    """A named reply to the reporter, in their inbox."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [_("请填写答复内容。")]})
    reply = Reply.objects.create(case=case, author=actor, body=body[:4000], at=now or clock.now())
    if case.reporter_id:
        from civicgrid.notifications.services import notify

        notify(
            user=case.reporter,
            kind="portal.reply",
            key=f"reply:{reply.pk}",
            title=_("您的意见建议有了答复"),
            body=body[:200],
            url=f"/portal/suggestions/{case.pk}/",
        )
    audit_record(action=AuditAction.CREATE, actor=actor, obj=reply, details={"case": case.number})
    return reply


PERSONAL = re.compile(r"1[3-9]\d{9}|\d{17}[\dXx]|\d{15}|\d+室|\d+号楼\d+单元")


def scrub(text: str) -> str:
    """Remove phone numbers, ID numbers and exact room numbers from text shown publicly."""
    return PERSONAL.sub("***", text or "")


@transaction.atomic
def publish(
    *, actor, case: Case, title: str, summary: str, reply: str, now: datetime | None = None
) -> Publication:
    """公示 a closed suggestion, in staff words, scrubbed of personal data."""
    errors = {}
    if case.channel != Channel.SUGGESTION:
        errors["__all__"] = [_("只有居民意见建议可以公示。")]
    elif case.status != CaseStatus.CLOSED:
        errors["__all__"] = [_("问题办结后才能公示。")]
    for field, value in (("title", title), ("summary", summary), ("reply", reply)):
        if not (value or "").strip():
            errors[field] = [_("此项必填。")]
    if errors:
        raise ValidationError(errors)
    community = ancestor_of_kind(case.grid, UnitKind.COMMUNITY) or case.grid
    try:
        with transaction.atomic():
            publication = Publication.objects.create(
                case=case,
                community=community,
                title=scrub(title.strip())[:80],
                summary=scrub(summary.strip())[:2000],
                reply=scrub(reply.strip())[:4000],
                published_by=actor,
                published_at=now or clock.now(),
            )
    except IntegrityError:
        raise Conflict(_("该问题已公示。"), code="already_published") from None
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=publication, details={"case": case.number})
    if case.reporter_id:
        points_award(user=case.reporter, rule_code="published_suggestion", once_key=f"published:{case.pk}")
    return publication


@transaction.atomic
def hide(*, actor, item: Publication | News, reason: str) -> None:
    """Take anything public down, with the reason kept."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明隐藏原因。")]})
    item.is_hidden, item.hidden_reason = True, reason[:200]
    item.save(update_fields=["is_hidden", "hidden_reason"])  # the cached public lists follow (signal)
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=item, details={"hidden": reason[:200]})


@transaction.atomic
def news_publish(
    *,
    actor,
    unit: OrgUnit,
    title: str,
    body: str,
    image=None,
    is_notice: bool = False,
    now: datetime | None = None,
) -> News:
    errors = {}
    if unit.kind not in (UnitKind.STREET, UnitKind.COMMUNITY):
        errors["unit"] = [_("新闻由街道或社区发布。")]
    if not (title or "").strip():
        errors["title"] = [_("请填写标题。")]
    if not (body or "").strip():
        errors["body"] = [_("请填写正文。")]
    if errors:
        raise ValidationError(errors)
    news = News(
        unit=unit,
        title=title.strip()[:80],
        body=body.strip()[:20000],
        is_notice=is_notice,
        author=actor,
        published_at=now or clock.now(),
    )
    if image:
        try:
            cleaned = clean_image(image)
        except ValidationError as error:
            raise ValidationError({"image": error.messages}) from None
        news.image.save(cleaned.name, cleaned, save=False)
    news.save()
    audit_record(action=AuditAction.CREATE, actor=actor, obj=news)
    return news


@transaction.atomic
def organisation_decide(
    *,
    actor,
    application: OrganisationApplication,
    confirm: bool,
    reason: str = "",
    now: datetime | None = None,
) -> OrganisationApplication:
    """The community confirms (the account becomes the organisation's admin there) or refuses."""
    if (
        not roles_at(actor, application.community) & PERMISSIONS["portal.organisations"]
        and not actor.is_superuser
    ):
        raise Forbidden()
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise ValidationError({"reason": [_("请说明不予通过的原因。")]})
    status = VerificationStatus.CONFIRMED if confirm else VerificationStatus.REFUSED
    changed = OrganisationApplication.objects.filter(
        pk=application.pk, status=VerificationStatus.PENDING
    ).update(status=status, reason=reason[:200], decided_by=actor, decided_at=now or clock.now())
    if not changed:
        raise Conflict(_("该申请已处理。"), code="already_decided")
    application.refresh_from_db()
    if confirm:
        membership_grant(
            user=application.user, unit=application.community, role=Role.ORG_ADMIN, title=application.name
        )
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=application, details={"status": status})
    from civicgrid.notifications.services import notify

    notify(
        user=application.user,
        kind=f"portal.organisation.{status}",
        key=f"organisation:{application.pk}:{status}",
        title=_("单位账号已确认") if confirm else _("单位账号未通过"),
        body=reason,
        url="/portal/",
    )
    return application
