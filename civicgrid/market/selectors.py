"""Reads of the flea market and the business circle, scoped to the reader.

Who reaches what:
- published listings: portal members and staff of the same street (the flea market is the street's);
- every listing of a community: its moderators (community head, the community's grid workers,
  platform admins above it); a seller always reaches their own listings;
- published, open merchants: anyone who may browse (shops are public); the rest: moderators of the
  merchant's community and the merchant's own account.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _
from shapely.geometry import shape

from civicgrid.core.errors import NotFound
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import memberships_of, path_q, require, user_can

from .choices import ListingStatus, MerchantCategory, MerchantStatus, ReportStatus
from .geo import bounding_box, within
from .models import Listing, ListingPhoto, Merchant

DEFAULT_RADIUS_M = 1000
MAX_RADIUS_M = 5000
SEARCH_LIMIT = 50
PUBLIC_LISTING_STATUSES = (ListingStatus.PUBLISHED, ListingStatus.SOLD)

_REACH_ATTR = "_civicgrid_market_reach"
_MODERATED_ATTR = "_civicgrid_market_moderated"


# ---------------------------------------------------------------- scope


def _parent_path(path: str) -> str:
    return path[: -OrgUnit.steplen]


def reach_community_ids(user) -> list[int]:
    """The communities of the streets the user belongs to (cached on the user object)."""
    cached = getattr(user, _REACH_ATTR, None)
    if cached is not None:
        return cached
    units = [m.unit for m in memberships_of(user)]
    step = OrgUnit.steplen
    prefixes = {u.path[:i] for u in units for i in range(step, len(u.path) + 1, step)}
    streets = list(
        OrgUnit.objects.filter(path__in=prefixes, kind=UnitKind.STREET).values_list("path", flat=True)
    )
    # Staff above the street level (district, city) reach everything below their unit.
    paths = streets + [u.path for u in units if not any(u.path.startswith(s) for s in streets)]
    ids = (
        list(
            OrgUnit.objects.filter(path_q(paths), kind=UnitKind.COMMUNITY, is_active=True).values_list(
                "pk", flat=True
            )
        )
        if paths
        else []
    )
    setattr(user, _REACH_ATTR, ids)
    return ids


def moderated_community_ids(user) -> list[int]:
    """The communities whose listings and merchants the user moderates: the community of a grid
    worker's grid, a community head's community, everything under a platform admin's street."""
    cached = getattr(user, _MODERATED_ATTR, None)
    if cached is not None:
        return cached
    paths = []
    for m in memberships_of(user):
        if m.role in PERMISSIONS["market.moderate"]:
            paths.append(_parent_path(m.unit.path) if m.unit.kind == UnitKind.GRID else m.unit.path)
    ids = (
        list(OrgUnit.objects.filter(path_q(paths), kind=UnitKind.COMMUNITY).values_list("pk", flat=True))
        if paths
        else []
    )
    setattr(user, _MODERATED_ATTR, ids)
    return ids


def home_community(user) -> OrgUnit | None:
    """The community a resident or volunteer lives in (their membership's community)."""
    for m in memberships_of(user):
        if m.role in PERMISSIONS["market.list"]:
            if m.unit.kind == UnitKind.COMMUNITY:
                return m.unit
            if m.unit.kind == UnitKind.GRID:
                return OrgUnit.objects.filter(path=_parent_path(m.unit.path)).first()
    return None


def merchant_community(user) -> OrgUnit | None:
    """The community where an organisation account was confirmed (its 单位管理员 membership)."""
    for m in memberships_of(user):
        if m.role == Role.ORG_ADMIN and m.unit.kind == UnitKind.COMMUNITY:
            return m.unit
    return None


def is_merchant_account(user) -> bool:
    """A confirmed organisation account that registered as a merchant. Accounts that staff made
    directly have no application: their 单位管理员 membership is the confirmation."""
    from civicgrid.portal.choices import OrganisationKind, VerificationStatus
    from civicgrid.portal.models import OrganisationApplication

    if not user_can(user, "market.merchant") or merchant_community(user) is None:
        return False
    applications = OrganisationApplication.objects.filter(user=user, status=VerificationStatus.CONFIRMED)
    if not applications.exists():
        return True
    return applications.filter(kind=OrganisationKind.MERCHANT).exists()


# ---------------------------------------------------------------- listings


def listing_communities(user) -> list[OrgUnit]:
    """The communities to filter the market by."""
    return list(OrgUnit.objects.filter(pk__in=reach_community_ids(user)).order_by("code"))


def published_listings(*, user, community_id: int | None = None, free: bool = False) -> QuerySet[Listing]:
    """The street's items on offer, newest first."""
    require(user, "market.browse")
    rows = Listing.objects.filter(status=ListingStatus.PUBLISHED, community_id__in=reach_community_ids(user))
    if community_id is not None:
        rows = rows.filter(community_id=community_id)
    if free:
        rows = rows.filter(price__isnull=True)
    return (
        rows.select_related("community")
        .annotate(photo_count=Count("photos"))
        .order_by("-published_at", "-pk")
    )


def first_photos(listings) -> dict[int, ListingPhoto]:
    """The cover photo of each listing, in one query."""
    ids = [listing.pk for listing in listings]
    covers: dict[int, ListingPhoto] = {}
    for photo in ListingPhoto.objects.filter(listing_id__in=ids).order_by("listing_id", "position", "pk"):
        covers.setdefault(photo.listing_id, photo)
    return covers


def _listing_q(user) -> Q:
    q = Q(seller=user) | Q(community_id__in=moderated_community_ids(user))
    if user_can(user, "market.browse"):
        q |= Q(status__in=PUBLIC_LISTING_STATUSES, community_id__in=reach_community_ids(user))
    return q


def access_listing(*, user, listing_id) -> Listing:
    """A listing the user may read; 'not there' and 'not yours' are the same 404."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound()
    try:
        return Listing.objects.select_related("community", "seller").get(_listing_q(user), pk=listing_id)
    except (Listing.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def can_moderate_listing(user, listing: Listing) -> bool:
    return listing.community_id in moderated_community_ids(user)


def access_own_listing(*, user, listing_id) -> Listing:
    """One of the user's own listings; anyone else's is the same 404."""
    try:
        return Listing.objects.get(pk=listing_id, seller=user)
    except (Listing.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def my_listings(user) -> QuerySet[Listing]:
    return Listing.objects.filter(seller=user).select_related("community").order_by("-created_at", "-pk")


def listing_photo_readable(user, name: str) -> bool:
    """Photos follow their listing: whoever may read the listing may fetch its photos."""
    if not getattr(user, "is_authenticated", False):
        return False
    return ListingPhoto.objects.filter(
        Q(image=name), listing__in=Listing.objects.filter(_listing_q(user))
    ).exists()


def moderation_listings(user) -> QuerySet[Listing]:
    """Listings of the moderator's communities awaiting a decision, or published with open reports."""
    require(user, "market.moderate")
    open_reports = Count("reports", filter=Q(reports__status=ReportStatus.OPEN))
    return (
        Listing.objects.filter(community_id__in=moderated_community_ids(user))
        .annotate(open_reports=open_reports)
        .filter(Q(status=ListingStatus.PENDING) | Q(open_reports__gt=0))
        .select_related("community", "seller")
        .order_by("created_at", "pk")
    )


def access_moderated_listing(*, user, listing_id) -> Listing:
    require(user, "market.moderate")
    try:
        return Listing.objects.select_related("community", "seller").get(
            pk=listing_id, community_id__in=moderated_community_ids(user)
        )
    except (Listing.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def open_reports(listing: Listing):
    return listing.reports.filter(status=ReportStatus.OPEN).order_by("created_at")


# ---------------------------------------------------------------- merchants: distance search


@dataclass(frozen=True)
class Origin:
    """Where a distance search starts: the resident's home, their community's centre, or here."""

    lat: float
    lng: float
    source: str  # "home", "community", "unit" or "here"


@dataclass(frozen=True)
class NearbyMerchant:
    merchant: Merchant
    distance_m: float


@dataclass(frozen=True)
class Nearby:
    items: list[NearbyMerchant]
    total: int  # merchants within the radius (items holds at most `limit` of them)
    radius_m: int


LIST_FIELDS = ("id", "name", "category", "address", "lat", "lng", "hours", "offers", "phone", "community_id")


def check_search(
    *, lat, lng, radius_m=DEFAULT_RADIUS_M, category: str | None = None
) -> tuple[float, float, int, str | None]:
    """Validate a search's inputs (Chinese messages per field)."""
    errors = {}
    try:
        lat, lng = float(lat), float(lng)
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValueError
    except (TypeError, ValueError):
        errors["lat"] = [_("位置无效，请重新定位。")]
    try:
        radius_m = int(radius_m)
        if not 0 < radius_m <= MAX_RADIUS_M:
            raise ValueError
    except (TypeError, ValueError):
        errors["radius"] = [_("搜索范围应在 1 到 %(max)d 米之间。") % {"max": MAX_RADIUS_M}]
    category = category or None
    if category is not None and category not in MerchantCategory.values:
        errors["category"] = [_("没有这个类别。")]
    if errors:
        raise ValidationError(errors)
    return lat, lng, radius_m, category


def merchants_near(
    *,
    user,
    lat: float,
    lng: float,
    radius_m: int = DEFAULT_RADIUS_M,
    category: str | None = None,
    limit: int = SEARCH_LIMIT,
) -> Nearby:
    """Published, open merchants within `radius_m` of the point, nearest first (ties by id).

    1. Read the id and position of the merchants inside the box that holds the circle from the
       (category, lat, lng, …) or (lat, lng, …) index alone (it also holds the status columns).
    2. Keep those whose haversine distance is within the radius; sort by distance.
    3. Read the shown columns of the first `limit` only.
    """
    require(user, "market.browse")
    lat, lng, radius_m, category = check_search(lat=lat, lng=lng, radius_m=radius_m, category=category)
    south, north, west, east = bounding_box(lat, lng, radius_m)
    rows = Merchant.objects.filter(
        lat__range=(south, north), lng__range=(west, east), status=MerchantStatus.PUBLISHED, is_active=True
    )
    if category is not None:
        rows = rows.filter(category=category)
    hits = within(lat, lng, radius_m, rows.values_list("pk", "lat", "lng"))
    hits.sort()
    top = hits[:limit]
    found = Merchant.objects.only(*LIST_FIELDS).in_bulk([pk for _d, pk in top])
    return Nearby(
        items=[NearbyMerchant(found[pk], distance) for distance, pk in top if pk in found],
        total=len(hits),
        radius_m=radius_m,
    )


def home_origin(user) -> Origin | None:
    """Where "near me" starts when the browser gives no position: the building of the resident's
    verified household, else the centre of their grid or community (or of a staff member's unit)."""
    from civicgrid.portal.choices import VerificationStatus
    from civicgrid.portal.models import Verification
    from civicgrid.registry.models import Building

    person_id = (
        Verification.objects.filter(user=user, status=VerificationStatus.CONFIRMED, person__isnull=False)
        .values_list("person_id", flat=True)
        .first()
    )
    if person_id is not None:
        point = (
            Building.objects.filter(
                entrances__rooms__households__members=person_id, lat__isnull=False, lng__isnull=False
            )
            .values_list("lat", "lng")
            .first()
        )
        if point is not None:
            return Origin(point[0], point[1], "home")
    memberships = memberships_of(user)
    # The smallest unit first: a grid is a better guess than its community.
    for m in sorted(memberships, key=lambda m: -m.unit.depth):
        boundary = OrgUnit.objects.filter(pk=m.unit_id).values_list("boundary", flat=True).first()
        if boundary:
            centre = shape(boundary).centroid
            source = "community" if m.role in PERMISSIONS["market.list"] | {Role.ORG_ADMIN} else "unit"
            return Origin(centre.y, centre.x, source)
    return None


def access_merchant(*, user, merchant_id) -> Merchant:
    """A merchant's page: public once published and open; otherwise its moderators and owner only."""
    require(user, "market.browse")
    q = Q(status=MerchantStatus.PUBLISHED, is_active=True) | Q(community_id__in=moderated_community_ids(user))
    if getattr(user, "is_authenticated", False):
        q |= Q(owner=user)
    try:
        return Merchant.objects.select_related("community").get(q, pk=merchant_id)
    except (Merchant.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# ---------------------------------------------------------------- merchants: staff and owners


def staff_merchants(*, user, status: str = "", query: str = "") -> QuerySet[Merchant]:
    require(user, "market.moderate")
    rows = Merchant.objects.filter(community_id__in=moderated_community_ids(user))
    if status in MerchantStatus.values:
        rows = rows.filter(status=status)
    if query:
        rows = rows.filter(name__icontains=query.strip()[:30])
    return rows.select_related("community").order_by("status", "community__code", "name", "pk")


def pending_merchants(user) -> QuerySet[Merchant]:
    return staff_merchants(user=user, status=MerchantStatus.PENDING).order_by("created_at", "pk")


def access_staff_merchant(*, user, merchant_id) -> Merchant:
    require(user, "market.moderate")
    try:
        return Merchant.objects.select_related("community", "owner").get(
            pk=merchant_id, community_id__in=moderated_community_ids(user)
        )
    except (Merchant.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def staff_communities(user) -> list[OrgUnit]:
    """The communities a moderator may add merchants to."""
    return list(OrgUnit.objects.filter(pk__in=moderated_community_ids(user)).order_by("code"))


def my_merchant(user) -> Merchant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Merchant.objects.filter(owner=user).select_related("community").first()


def community_boundaries(community_ids: list[int]) -> dict:
    """The communities as a GeoJSON FeatureCollection, for the location picker."""
    features = [
        {"type": "Feature", "geometry": boundary, "properties": {"name": name}}
        for name, boundary in OrgUnit.objects.filter(pk__in=community_ids)
        .exclude(boundary=None)
        .values_list("name", "boundary")
    ]
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class OwnerChoice:
    pk: int
    label: str


def merchant_owner_choices(user) -> list[OwnerChoice]:
    """Organisation accounts confirmed in the moderator's communities, which may run an entry."""
    from civicgrid.org.models import Membership

    rows = (
        Membership.objects.filter(
            unit_id__in=moderated_community_ids(user),
            role=Role.ORG_ADMIN,
            is_active=True,
            user__kind="organisation",
            user__is_active=True,
        )
        .select_related("user", "unit")
        .order_by("unit__code", "title", "user_id")
    )
    return [OwnerChoice(m.user_id, f"{m.title or m.user.get_full_name()}（{m.unit.name}）") for m in rows]
