"""JSON API of 跳蚤市场与微商圈 (mounted at /api/v1/market/): the same rules and scopes as the pages."""

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate

from civicgrid.core.api import BoundedLimitOffset, Id
from civicgrid.org.selectors import require

from . import selectors, services
from .choices import MerchantCategory

router = Router()


class ListingRow(Schema):
    id: int
    title: str
    price: Decimal | None = Field(None, description="元；null 表示免费 · yuan; null means free")
    is_free: bool
    community_id: int
    community: str
    status: str
    published_at: datetime | None
    cover_url: str | None = None


class ListingOut(ListingRow):
    description: str
    seller_name: str = Field(..., description="卖家（已脱敏） · seller, masked")
    photos: list[str]
    created_at: datetime
    reason: str = ""


class ListingReportIn(Schema):
    reason: str = Field(..., max_length=200)


class ReportOut(Schema):
    id: int
    listing_id: int
    status: str
    created_at: datetime


class ContactIn(Schema):
    message: str = Field(..., max_length=500)


class ModerateIn(Schema):
    decision: str = Field(..., description="publish | refuse | hide | dismiss")
    reason: str = ""


class SearchIn(Schema):
    category: MerchantCategory | None = Field(
        None, description="clothing 衣 / food 食 / housing 住 / transport 行 / services 服务"
    )
    lat: float | None = Field(None, ge=-90, le=90, description="缺省：登记住址或所在社区中心")
    lng: float | None = Field(None, ge=-180, le=180)
    radius: int = Field(
        selectors.DEFAULT_RADIUS_M, gt=0, le=selectors.MAX_RADIUS_M, description="米 · metres"
    )


class MerchantRow(Schema):
    id: int
    name: str
    category: str
    category_label: str
    address: str
    lat: float
    lng: float
    hours: str
    offers: str
    phone: str = Field(..., description="已脱敏 · masked")
    distance_m: int | None = None


class MerchantOut(MerchantRow):
    community: str
    status: str
    is_active: bool


class OriginOut(Schema):
    lat: float
    lng: float
    source: str = Field(..., description="home | community | unit | here")


class SearchOut(Schema):
    origin: OriginOut
    radius_m: int
    total: int
    items: list[MerchantRow]


def _row(listing, cover=None) -> dict:
    return {
        "id": listing.pk,
        "title": listing.title,
        "price": listing.price,
        "is_free": listing.is_free,
        "community_id": listing.community_id,
        "community": listing.community.name,
        "status": listing.status,
        "published_at": listing.published_at,
        "cover_url": cover.image.url if cover else None,
    }


def _listing_out(request, listing) -> dict:
    photos = list(listing.photos.all())
    sees_reason = listing.seller_id == request.user.pk or selectors.can_moderate_listing(
        request.user, listing
    )
    return {
        **_row(listing, photos[0] if photos else None),
        "description": listing.description,
        "seller_name": services.masked_name(listing.seller),
        "photos": [p.image.url for p in photos],
        "created_at": listing.created_at,
        "reason": listing.reason if sees_reason else "",
    }


def _listing(request, listing_id: int):
    require(request.user, "market.browse")
    return selectors.access_listing(user=request.user, listing_id=listing_id)


@router.get("/listings", response=list[ListingRow], summary="跳蚤市场在售物品 · Listings on offer")
@paginate(BoundedLimitOffset)
def listings(request, community: Id | None = None, free: bool = False):
    rows = selectors.published_listings(user=request.user, community_id=community, free=free)
    return _RowsWithCovers(rows)


class _RowsWithCovers:
    """A queryset that the paginator slices, turned into rows with their cover photo per page."""

    def __init__(self, rows):
        self.rows = rows

    def count(self) -> int:
        return self.rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        page = list(self.rows[item])
        covers = selectors.first_photos(page)
        return [_row(listing, covers.get(listing.pk)) for listing in page]


@router.post(
    "/listings", response={201: ListingOut}, summary="发布闲置（待审核） · Offer an item (moderated)"
)
def listing_create(
    request,
    title: Form[str],
    description: Form[str] = "",
    price: Form[str] = "",
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
):
    listing = services.listing_create(
        actor=request.user, title=title, description=description, price=price, photos=photos or []
    )
    return Status(201, _listing_out(request, listing))


@router.get("/listings/mine", response=list[ListingRow], summary="我发布的物品 · My listings")
def my_listings(request):
    require(request.user, "market.list")
    rows = list(selectors.my_listings(request.user)[:200])
    covers = selectors.first_photos(rows)
    return [_row(listing, covers.get(listing.pk)) for listing in rows]


@router.get(
    "/listings/moderation", response=list[ListingRow], summary="待审核与被举报的物品 · Moderation queue"
)
def moderation(request):
    rows = list(selectors.moderation_listings(request.user)[:200])
    covers = selectors.first_photos(rows)
    return [_row(listing, covers.get(listing.pk)) for listing in rows]


@router.get("/listings/{listing_id}", response=ListingOut, summary="物品详情 · Listing")
def listing(request, listing_id: int):
    return _listing_out(request, _listing(request, listing_id))


@router.post(
    "/listings/{listing_id}/report", response={201: ReportOut}, summary="举报物品 · Report a listing"
)
def listing_report(request, listing_id: int, payload: ListingReportIn):
    report = services.listing_report(
        actor=request.user, listing=_listing(request, listing_id), reason=payload.reason
    )
    return Status(201, report)


@router.post(
    "/listings/{listing_id}/contact", response={204: None}, summary="给卖家留言 · Message the seller"
)
def listing_contact(request, listing_id: int, payload: ContactIn):
    services.listing_contact(
        actor=request.user, listing=_listing(request, listing_id), message=payload.message
    )
    return Status(204, None)


@router.post("/listings/{listing_id}/sold", response=ListingOut, summary="标记售出 · Mark sold")
def listing_sold(request, listing_id: int):
    require(request.user, "market.list")
    listing = services.listing_mark_sold(actor=request.user, listing=_listing(request, listing_id))
    return _listing_out(request, listing)


MODERATION = {
    "publish": lambda actor, listing, reason: services.listing_publish(actor=actor, listing=listing),
    "refuse": lambda actor, listing, reason: services.listing_refuse(
        actor=actor, listing=listing, reason=reason
    ),
    "hide": lambda actor, listing, reason: services.listing_hide(actor=actor, listing=listing, reason=reason),
    "dismiss": lambda actor, listing, reason: services.listing_reports_dismiss(actor=actor, listing=listing),
}


@router.post("/listings/{listing_id}/moderate", response=ListingOut, summary="审核物品 · Moderate a listing")
def listing_moderate(request, listing_id: int, payload: ModerateIn):
    listing = selectors.access_moderated_listing(user=request.user, listing_id=listing_id)
    act = MODERATION.get(payload.decision)
    if act is None:
        raise ValidationError({"decision": ["应为 publish、refuse、hide 或 dismiss。"]})
    act(request.user, listing, payload.reason)
    listing.refresh_from_db()
    return _listing_out(request, listing)


def _merchant_row(merchant, distance_m: float | None = None) -> dict:
    return {
        "id": merchant.pk,
        "name": merchant.name,
        "category": merchant.category,
        "category_label": merchant.get_category_display(),
        "address": merchant.address,
        "lat": merchant.lat,
        "lng": merchant.lng,
        "hours": merchant.hours,
        "offers": merchant.offers,
        "phone": merchant.masked_phone,
        "distance_m": round(distance_m) if distance_m is not None else None,
    }


@router.get("/merchants", response=SearchOut, summary="微商圈：按类别和距离搜索 · Merchants near a point")
def merchants(request, filters: Query[SearchIn]):
    """Nearest first, within `radius` metres (default 1,000, at most 5,000) of (lat, lng), or of the
    caller's registered home (else their community's centre) when no point is given."""
    require(request.user, "market.browse")
    if (filters.lat is None) != (filters.lng is None):
        raise ValidationError({"lat": ["请同时提供纬度和经度。"]})
    if filters.lat is not None:
        origin = selectors.Origin(filters.lat, filters.lng, "here")
    else:
        origin = selectors.home_origin(request.user)
        if origin is None:
            raise ValidationError({"lat": ["无法确定您的位置，请提供纬度和经度。"]})
    nearby = selectors.merchants_near(
        user=request.user,
        lat=origin.lat,
        lng=origin.lng,
        radius_m=filters.radius,
        category=filters.category.value if filters.category else None,
    )
    return {
        "origin": {"lat": origin.lat, "lng": origin.lng, "source": origin.source},
        "radius_m": nearby.radius_m,
        "total": nearby.total,
        "items": [_merchant_row(n.merchant, n.distance_m) for n in nearby.items],
    }


@router.get("/merchants/{merchant_id}", response=MerchantOut, summary="商户详情 · Merchant")
def merchant(request, merchant_id: int):
    item = selectors.access_merchant(user=request.user, merchant_id=merchant_id)
    return {
        **_merchant_row(item),
        "phone": item.phone,
        "community": item.community.name,
        "status": item.status,
        "is_active": item.is_active,
    }


class ListingEditIn(Schema):
    title: str = Field(..., max_length=60)
    description: str = Field("", max_length=2000)
    price: str = Field("", max_length=12, description="元；留空表示免费")


@router.patch(
    "/listings/{listing_id}", response=ListingOut, summary="修改物品（重新审核） · Correct a listing"
)
def listing_update(request, listing_id: int, payload: ListingEditIn):
    listing = selectors.access_own_listing(user=request.user, listing_id=listing_id)
    listing = services.listing_update(
        actor=request.user,
        listing=listing,
        title=payload.title,
        description=payload.description,
        price=payload.price,
    )
    return _listing_out(request, listing)
