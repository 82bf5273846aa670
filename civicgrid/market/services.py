"""Writes of the flea market and the business circle: checked, atomic, audited.

Every state change is a compare-and-set on the status it leaves (the allowed moves are
choices.LISTING_TRANSITIONS), so two moderators, or a moderator and the seller, never both win.
"""

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from civicgrid.accounts.choices import AccountKind
from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.images import clean_image
from civicgrid.notifications.services import notify
from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import user_can

from . import selectors
from .choices import (
    LISTING_TRANSITIONS,
    OPEN_LISTING_STATUSES,
    ListingStatus,
    MerchantCategory,
    MerchantStatus,
    ReportStatus,
)
from .models import Listing, ListingPhoto, ListingReport, Merchant

MAX_PHOTOS = 6
MAX_PRICE = Decimal("1000000")
MAX_OPEN_LISTINGS = 20
PHONE = re.compile(r"^[0-9][0-9\- ]{5,18}[0-9]$")
BAD_PHONE = _lazy("请填写正确的电话号码，例如 0571-86001234 或 13800000000。")

NO_COMMUNITY = _lazy("您的账号还没有所属社区，请联系社区工作人员。")


def _from(status: str) -> list[str]:
    """The statuses from which a listing may move to `status`."""
    return [old for old, targets in LISTING_TRANSITIONS.items() if status in targets]


def masked_name(user) -> str:
    """张*明, 李*: enough for a seller to greet the buyer, not to identify them."""
    name = (getattr(user, "full_name", "") or "").strip() or _("邻居")
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _parse_price(price) -> Decimal | None:
    """None or an empty value means free; anything else must be a positive amount in yuan."""
    if price is None or (isinstance(price, str) and not price.strip()):
        return None
    try:
        value = Decimal(str(price).strip())
    except InvalidOperation:
        raise ValidationError({"price": [_("请填写正确的价格，例如 25 或 9.90；免费请留空。")]}) from None
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValidationError({"price": [_("请填写正确的价格，例如 25 或 9.90；免费请留空。")]})
    if value >= MAX_PRICE:
        raise ValidationError({"price": [_("价格不能超过 100 万元。")]})
    return value.quantize(Decimal("0.01")) if value > 0 else None


def _notify_seller(listing: Listing, title: str, body: str = "") -> None:
    notify(
        user=listing.seller,
        kind=f"market.listing.{listing.status}",
        key=f"market:listing:{listing.pk}:{listing.status}",
        title=title,
        body=body,
        url=f"/portal/market/listings/{listing.pk}/",
    )


# ---------------------------------------------------------------- listings


def _clean_text(errors: dict, title, description, price) -> tuple[str, str, Decimal | None]:
    """A listing's name, description and price, checked; problems go into `errors`."""
    title, description = (title or "").strip(), (description or "").strip()
    if not title:
        errors["title"] = [_("请填写物品名称。")]
    elif len(title) > 60:
        errors["title"] = [_("物品名称不能超过 60 个字。")]
    if len(description) > 2000:
        errors["description"] = [_("描述不能超过 2000 个字。")]
    try:
        amount = _parse_price(price)
    except ValidationError as error:
        errors.update(error.message_dict)
        amount = None
    return title, description, amount


# What a seller may still change, and what it becomes: anything changed waits for moderation again.
EDITABLE_LISTING = (ListingStatus.PENDING, ListingStatus.PUBLISHED, ListingStatus.REFUSED)


@transaction.atomic
def listing_update(*, actor, listing: Listing, title: str, description: str = "", price=None) -> Listing:
    """The seller corrects the name, description or price. A changed listing leaves the market until
    the community has looked at it again (moderation before anything is shown)."""
    if listing.seller_id != actor.pk or not user_can(actor, "market.list"):
        raise Forbidden()
    errors: dict[str, list] = {}
    title, description, amount = _clean_text(errors, title, description, price)
    if errors:
        raise ValidationError(errors)
    new = {"title": title, "description": description, "price": amount}
    changed = {name: value for name, value in new.items() if getattr(listing, name) != value}
    if not changed:
        return listing
    updated = Listing.objects.filter(pk=listing.pk, seller=actor, status__in=EDITABLE_LISTING).update(
        status=ListingStatus.PENDING, reason="", **changed
    )
    if not updated:
        _refuse_in_its_status(listing, _("该物品当前状态为“%(status)s”，不能再修改。"))
    old = listing.status
    listing.refresh_from_db()
    details = {"from": old, "to": ListingStatus.PENDING, "changed": sorted(changed)}
    audit_record(action=AuditAction.UPDATE, actor=actor, obj=listing, details=details)
    return listing


@transaction.atomic
def listing_create(
    *,
    actor,
    title: str,
    description: str = "",
    price=None,
    photos=(),
    now: datetime | None = None,
) -> Listing:
    """A resident offers an item; it waits for the community's moderation before anyone sees it."""
    if not user_can(actor, "market.list"):
        raise Forbidden()
    errors: dict[str, list] = {}
    title, description, amount = _clean_text(errors, title, description, price)
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}]
    cleaned = []
    if "photos" not in errors:
        for upload in photos:
            try:
                cleaned.append(clean_image(upload))
            except ValidationError as error:
                errors["photos"] = error.messages
                break
    community = selectors.home_community(actor)
    if community is None:
        errors["__all__"] = [NO_COMMUNITY]
    if errors:
        raise ValidationError(errors)
    if (
        Listing.objects.filter(seller=actor, status__in=sorted(OPEN_LISTING_STATUSES)).count()
        >= MAX_OPEN_LISTINGS
    ):
        raise Conflict(
            _("您同时在售或待审核的物品已有 %(n)d 件，请先处理已有物品。") % {"n": MAX_OPEN_LISTINGS},
            code="too_many_listings",
        )
    listing = Listing.objects.create(
        seller=actor,
        community=community,
        title=title,
        description=description,
        price=amount,
        created_at=now or clock.now(),
    )
    for position, content in enumerate(cleaned):
        photo = ListingPhoto(listing=listing, position=position)
        photo.image.save(content.name, content, save=False)
        photo.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=listing,
        details={"price": str(amount) if amount is not None else "free", "photos": len(cleaned)},
    )
    return listing


def _refuse_in_its_status(listing: Listing, message: str) -> None:
    """A compare-and-set found the listing moved on: say which status it is in now."""
    listing.refresh_from_db(fields=["status"])
    raise Conflict(message % {"status": listing.get_status_display()}, code="invalid_transition")


def _move(*, listing: Listing, to: str, actor, reason: str = "", **fields) -> Listing:
    """Compare-and-set the listing from one of the statuses allowed before `to`."""
    changed = Listing.objects.filter(pk=listing.pk, status__in=_from(to)).update(
        status=to, reason=reason, **fields
    )
    if not changed:
        _refuse_in_its_status(listing, _("该物品当前状态为“%(status)s”，不能再进行此操作。"))
    old = listing.status
    listing.refresh_from_db()
    details = {"from": old, "to": to}
    if reason:
        details["reason"] = reason
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=listing, details=details)
    return listing


def _check_moderator(actor, listing: Listing) -> None:
    if not user_can(actor, "market.moderate") or not selectors.can_moderate_listing(actor, listing):
        raise Forbidden()


@transaction.atomic
def listing_publish(*, actor, listing: Listing, now: datetime | None = None) -> Listing:
    """The community's moderator lets a pending listing go on the market."""
    _check_moderator(actor, listing)
    now = now or clock.now()
    listing = _move(
        listing=listing,
        to=ListingStatus.PUBLISHED,
        actor=actor,
        published_at=now,
        moderated_by=actor,
        moderated_at=now,
    )
    _notify_seller(listing, _("您的物品“%(title)s”已通过审核并上架") % {"title": listing.title})
    return listing


@transaction.atomic
def listing_refuse(*, actor, listing: Listing, reason: str, now: datetime | None = None) -> Listing:
    """The moderator refuses a pending listing, saying why (the seller reads the reason)."""
    _check_moderator(actor, listing)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明不予通过的原因。")]})
    now = now or clock.now()
    listing = _move(
        listing=listing,
        to=ListingStatus.REFUSED,
        actor=actor,
        reason=reason[:200],
        moderated_by=actor,
        moderated_at=now,
    )
    _notify_seller(listing, _("您的物品“%(title)s”未通过审核") % {"title": listing.title}, reason[:200])
    return listing


@transaction.atomic
def listing_hide(*, actor, listing: Listing, reason: str, now: datetime | None = None) -> Listing:
    """Take any listing off the market with a reason; its open reports are closed as upheld."""
    _check_moderator(actor, listing)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请说明下架原因。")]})
    now = now or clock.now()
    listing = _move(
        listing=listing,
        to=ListingStatus.HIDDEN,
        actor=actor,
        reason=reason[:200],
        moderated_by=actor,
        moderated_at=now,
    )
    listing.reports.filter(status=ReportStatus.OPEN).update(
        status=ReportStatus.UPHELD, handled_by=actor, handled_at=now
    )
    _notify_seller(listing, _("您的物品“%(title)s”已被下架") % {"title": listing.title}, reason[:200])
    return listing


@transaction.atomic
def listing_mark_sold(*, actor, listing: Listing, now: datetime | None = None) -> Listing:
    """The seller marks their item sold; it leaves the market list."""
    if listing.seller_id != actor.pk:
        raise Forbidden(_("只有卖家本人可以标记售出。"))
    return _move(listing=listing, to=ListingStatus.SOLD, actor=actor, sold_at=now or clock.now())


@transaction.atomic
def listing_report(*, actor, listing: Listing, reason: str, now: datetime | None = None) -> ListingReport:
    """A member flags a published listing for the moderators; once per member and listing."""
    if not user_can(actor, "market.browse"):
        raise Forbidden()
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": [_("请说明举报原因。")]})
    if listing.seller_id == actor.pk:
        raise Forbidden(_("不能举报自己的物品。"), code="own_listing")
    if listing.status != ListingStatus.PUBLISHED:
        raise Conflict(_("该物品已不在售，无需举报。"), code="not_on_sale")
    try:
        with transaction.atomic():
            report = ListingReport.objects.create(
                listing=listing, reporter=actor, reason=reason[:200], created_at=now or clock.now()
            )
    except IntegrityError:
        raise Conflict(_("您已举报过该物品，我们会尽快处理。"), code="already_reported") from None
    audit_record(action=AuditAction.CREATE, actor=actor, obj=report, details={"listing": listing.pk})
    return report


@transaction.atomic
def listing_reports_dismiss(*, actor, listing: Listing, now: datetime | None = None) -> int:
    """The moderator finds nothing wrong: the open reports are closed and the listing stays."""
    _check_moderator(actor, listing)
    count = listing.reports.filter(status=ReportStatus.OPEN).update(
        status=ReportStatus.DISMISSED, handled_by=actor, handled_at=now or clock.now()
    )
    if not count:
        raise Conflict(_("该物品没有待处理的举报。"), code="no_open_reports")
    audit_record(
        action=AuditAction.STATE_CHANGE, actor=actor, obj=listing, details={"reports_dismissed": count}
    )
    return count


def listing_contact(*, actor, listing: Listing, message: str, now: datetime | None = None) -> None:
    """A buyer writes to the seller's inbox. The seller sees the buyer's masked name and the message;
    no phone number changes hands unless the buyer writes one. Once a day per buyer and listing."""
    if not user_can(actor, "market.browse"):
        raise Forbidden()
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": [_("请填写想对卖家说的话。")]})
    if len(message) > 500:
        raise ValidationError({"message": [_("留言不能超过 500 个字。")]})
    if listing.seller_id == actor.pk:
        raise Forbidden(_("这是您自己的物品。"), code="own_listing")
    if listing.status != ListingStatus.PUBLISHED:
        raise Conflict(_("该物品已不在售。"), code="not_on_sale")
    day = clock.localdate(now or clock.now())
    sent = notify(
        user=listing.seller,
        kind="market.contact",
        key=f"market:contact:{listing.pk}:{actor.pk}:{day}",
        title=_("%(buyer)s 想要您的“%(title)s”") % {"buyer": masked_name(actor), "title": listing.title},
        body=message,
        url=f"/portal/market/listings/{listing.pk}/",
    )
    if not sent:
        raise Conflict(_("今天已给卖家留过言，请耐心等待回复。"), code="already_contacted")


# ---------------------------------------------------------------- merchants


MERCHANT_FIELDS = ("name", "category", "address", "lat", "lng", "hours", "offers", "phone")


def _clean_merchant(data: dict) -> dict:
    errors: dict[str, list] = {}
    clean = {}
    for field, limit, label in (
        ("name", 60, _("商户名称")),
        ("address", 120, _("地址")),
        ("hours", 60, _("营业时间")),
        ("offers", 1000, _("优惠信息")),
        ("phone", 20, _("联系电话")),
    ):
        value = (data.get(field) or "").strip()
        if len(value) > limit:
            errors[field] = [_("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": limit}]
        clean[field] = value
    if not clean["name"]:
        errors["name"] = [_("请填写商户名称。")]
    if not clean["address"]:
        errors["address"] = [_("请填写地址。")]
    if clean["phone"] and not PHONE.match(clean["phone"]):
        errors["phone"] = [BAD_PHONE]
    category = data.get("category") or ""
    if category not in MerchantCategory.values:
        errors["category"] = [_("请选择类别（衣、食、住、行、服务）。")]
    clean["category"] = category
    try:
        lat, lng = float(data.get("lat")), float(data.get("lng"))  # type: ignore[arg-type]
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError
        clean["lat"], clean["lng"] = lat, lng
    except (TypeError, ValueError):
        errors["lat"] = [_("请在地图上选择商户位置，或填写正确的经纬度。")]
    if errors:
        raise ValidationError(errors)
    return clean


def _check_merchant_staff(actor, community: OrgUnit) -> None:
    if not user_can(actor, "market.moderate") or community.pk not in selectors.moderated_community_ids(actor):
        raise Forbidden()


@transaction.atomic
def merchant_create(
    *, actor, community: OrgUnit | None = None, owner=None, now: datetime | None = None, **data
) -> Merchant:
    """Staff add a merchant of their community (published at once); a confirmed merchant account adds
    its own entry, which waits for the community's moderation."""
    now = now or clock.now()
    if user_can(actor, "market.moderate") and community is not None:
        _check_merchant_staff(actor, community)
        if community.kind != UnitKind.COMMUNITY:
            raise ValidationError({"community": [_("请选择社区。")]})
        status = MerchantStatus.PUBLISHED
    elif selectors.is_merchant_account(actor):
        if selectors.my_merchant(actor) is not None:
            raise Conflict(_("您的商户信息已登记，请直接修改。"), code="merchant_exists")
        community, owner, status = selectors.merchant_community(actor), actor, MerchantStatus.PENDING
    else:
        raise Forbidden()
    clean = _clean_merchant(data)
    if owner is not None and getattr(owner, "kind", "") != AccountKind.ORGANISATION:
        raise ValidationError({"owner": [_("商户账号应为单位账号。")]})
    if owner is not None and Merchant.objects.filter(owner=owner).exists():
        raise ValidationError({"owner": [_("该商户账号已有登记的商户。")]})
    merchant = Merchant.objects.create(
        **clean,
        community=community,
        owner=owner,
        status=status,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    audit_record(action=AuditAction.CREATE, actor=actor, obj=merchant, details={"status": status})
    return merchant


@transaction.atomic
def merchant_update(*, actor, merchant: Merchant, now: datetime | None = None, **data) -> Merchant:
    """Staff of the community, or the merchant's own account, change the entry. A refused entry that
    its owner corrects goes back to moderation."""
    is_owner = merchant.owner_id is not None and merchant.owner_id == actor.pk
    is_staff = user_can(
        actor, "market.moderate"
    ) and merchant.community_id in selectors.moderated_community_ids(actor)
    if not (is_owner or is_staff):
        raise Forbidden()
    clean = _clean_merchant(data)
    changed = {f: [getattr(merchant, f), v] for f, v in clean.items() if getattr(merchant, f) != v}
    if not changed:
        return merchant
    for field, value in clean.items():
        setattr(merchant, field, value)
    update = [*clean, "updated_at"]
    if is_owner and not is_staff and merchant.status == MerchantStatus.REFUSED:
        merchant.status, merchant.reason = MerchantStatus.PENDING, ""
        update += ["status", "reason"]
    merchant.updated_at = now or clock.now()
    merchant.save(update_fields=update)
    audit_record(action=AuditAction.UPDATE, actor=actor, obj=merchant, details={"changed": changed})
    return merchant


@transaction.atomic
def merchant_decide(
    *, actor, merchant: Merchant, confirm: bool, reason: str = "", now: datetime | None = None
) -> Merchant:
    """The community publishes a merchant account's entry, or refuses it with a reason."""
    _check_merchant_staff(actor, merchant.community)
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise ValidationError({"reason": [_("请说明不予通过的原因。")]})
    status = MerchantStatus.PUBLISHED if confirm else MerchantStatus.REFUSED
    changed = Merchant.objects.filter(pk=merchant.pk, status=MerchantStatus.PENDING).update(
        status=status, reason=reason[:200], updated_at=now or clock.now()
    )
    if not changed:
        raise Conflict(_("该商户已审核。"), code="already_decided")
    merchant.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=merchant, details={"status": status})
    if merchant.owner_id:
        notify(
            user=merchant.owner,
            kind=f"market.merchant.{status}",
            key=f"market:merchant:{merchant.pk}:{status}:{merchant.updated_at.isoformat()}",
            title=_("您的商户信息已发布到微商圈") if confirm else _("您的商户信息未通过审核"),
            body=reason[:200],
            url="/portal/market/my-merchant/",
        )
    return merchant


@transaction.atomic
def merchant_set_active(
    *, actor, merchant: Merchant, is_active: bool, reason: str = "", now: datetime | None = None
) -> Merchant:
    """Open or close a merchant (歇业). Staff closing someone else's entry say why."""
    is_owner = merchant.owner_id is not None and merchant.owner_id == actor.pk
    if not is_owner:
        _check_merchant_staff(actor, merchant.community)
    reason = (reason or "").strip()
    if not is_active and not is_owner and not reason:
        raise ValidationError({"reason": [_("请说明停用原因。")]})
    changed = Merchant.objects.filter(pk=merchant.pk, is_active=not is_active).update(
        is_active=is_active, reason=reason[:200] if not is_active else "", updated_at=now or clock.now()
    )
    if not changed:
        raise Conflict(
            _("该商户已在营业。") if is_active else _("该商户已停用。"),
            code="already_" + ("open" if is_active else "closed"),
        )
    merchant.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=merchant,
        details={"is_active": is_active, **({"reason": reason[:200]} if reason else {})},
    )
    return merchant
