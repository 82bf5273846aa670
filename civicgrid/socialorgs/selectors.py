"""Reads of 社会组织, scoped to the reader.

Anyone sees organisations that their community confirmed and that are active, with member counts
only. The organisation's admin sees its requests and members; community heads (and platform
admins) see every organisation of the units they lead, with its members. Anything else is "not
found" — the same answer as a record that does not exist.
"""

from django.db.models import Count, Q, QuerySet

from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import memberships_of, path_q, roles_at, scope_paths, user_can

from .choices import OPEN_JOIN_STATUSES, JoinStatus, SocialOrgStatus
from .models import JoinRequest, SocialOrg, SocialOrgPhoto

# The staff who confirm, deactivate and oversee organisations (organisation accounts also hold
# "socialorgs.manage", but only for the organisation they run).
STAFF_MANAGERS = frozenset({Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN})
PUBLIC = Q(status=SocialOrgStatus.CONFIRMED, is_active=True)
MEMBERS = Count("requests", filter=Q(requests__status=JoinStatus.ACCEPTED))
PENDING = Count("requests", filter=Q(requests__status=JoinStatus.PENDING))


# ---------------------------------------------------------------- who may do what


def is_staff_manager(user, unit: OrgUnit) -> bool:
    """A community head of the unit (or of a unit above it), or a platform admin over it."""
    return getattr(user, "is_superuser", False) or bool(roles_at(user, unit) & STAFF_MANAGERS)


def is_admin(user, org: SocialOrg) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and org.admin_id == user.pk


def can_manage(user, org: SocialOrg) -> bool:
    return is_admin(user, org) or is_staff_manager(user, org.unit)


def manages_any(user) -> bool:
    """Whether the user runs an organisation or oversees some as staff (the gate of the admin pages)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user_can(user, "socialorgs.manage"):
        return True
    return SocialOrg.objects.filter(admin=user).exclude(status=SocialOrgStatus.REFUSED).exists()


def staff_scope(user, field: str = "unit__path") -> Q:
    """The units whose organisations the user oversees; refused to anyone who oversees none."""
    if not user_can(user, "socialorgs.manage"):
        raise Forbidden()
    paths = scope_paths(user, roles=STAFF_MANAGERS)
    if paths:
        return path_q(paths, field)
    if user.is_superuser:
        return Q()
    raise Forbidden()


# ---------------------------------------------------------------- public


def public_orgs(*, category: str = "", community_id: int | None = None) -> QuerySet[SocialOrg]:
    """Confirmed, active organisations with their member count (no names), for everybody."""
    rows = SocialOrg.objects.filter(PUBLIC)
    if category:
        rows = rows.filter(category=category)
    if community_id:
        # A community's page also shows the street-wide organisations above it.
        community = OrgUnit.objects.filter(pk=community_id).only("path").first()
        if community is None:
            return rows.none()
        step = OrgUnit.steplen
        rows = rows.filter(
            unit__path__in=[community.path[:i] for i in range(step, len(community.path) + 1, step)]
        )
    return (
        rows.select_related("unit")
        .only(
            "id",
            "name",
            "category",
            "introduction",
            "logo",
            "unit__name",
            "unit__path",
            "status",
            "is_active",
        )
        .annotate(member_count=MEMBERS)
        .order_by("unit__path", "name")
    )


def browse_communities() -> list[OrgUnit]:
    """The communities that have at least one public organisation (the browse page's filter)."""
    units = SocialOrg.objects.filter(PUBLIC, unit__kind=UnitKind.COMMUNITY).values("unit_id")
    return list(OrgUnit.objects.filter(pk__in=units).only("id", "name", "code").order_by("code"))


def home_community_id(user) -> int | None:
    for membership in memberships_of(user):
        if membership.unit.kind == UnitKind.COMMUNITY and membership.role != Role.COMMUNITY_HEAD:
            return membership.unit.pk
    return None


def access_org(*, user, org_id) -> SocialOrg:
    """The organisation's page: public ones for everybody; pending, refused or deactivated ones only
    for their admin and the community staff."""
    try:
        org = SocialOrg.objects.select_related("unit", "admin").annotate(member_count=MEMBERS).get(pk=org_id)
    except (SocialOrg.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if org.is_public or can_manage(user, org):
        return org
    raise NotFound()


def access_joined_org(*, user, org_id) -> SocialOrg:
    """An organisation the user belongs to or asked to join — also once it was deactivated, so they
    can still leave it."""
    if getattr(user, "is_authenticated", False):
        mine = JoinRequest.objects.filter(user=user, status__in=OPEN_JOIN_STATUSES).values("org_id")
        row = (
            SocialOrg.objects.filter(pk=org_id if str(org_id).isdigit() else 0, pk__in=mine)
            .select_related("unit")
            .annotate(member_count=MEMBERS)
            .first()
        )
        if row is not None:
            return row
    return access_org(user=user, org_id=org_id)


def photos(org: SocialOrg) -> QuerySet[SocialOrgPhoto]:
    return SocialOrgPhoto.objects.filter(org=org).only("id", "image", "caption", "posted_at", "org_id")


def my_request(*, user, org: SocialOrg) -> JoinRequest | None:
    """The reader's latest request to the organisation (open, or the last decided one)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return JoinRequest.objects.filter(org=org, user=user).order_by("-created_at", "-pk").first()


def my_requests(user) -> QuerySet[JoinRequest]:
    """The reader's requests and memberships: open ones, and the latest closed one per organisation."""
    return (
        JoinRequest.objects.filter(user=user)
        .select_related("org", "org__unit")
        .order_by("-created_at", "-pk")
    )


def my_orgs(user) -> QuerySet[SocialOrg]:
    """The organisations the user runs (including one waiting for its community, or refused)."""
    if not getattr(user, "is_authenticated", False):
        return SocialOrg.objects.none()
    return (
        SocialOrg.objects.filter(admin=user)
        .select_related("unit")
        .annotate(member_count=MEMBERS, pending_count=PENDING)
        .order_by("-created_at")
    )


def pending_for_admin(user) -> int:
    """How many join requests wait for the user, as the admin of active organisations."""
    return JoinRequest.objects.filter(
        org__admin=user, org__is_active=True, org__status=SocialOrgStatus.CONFIRMED, status=JoinStatus.PENDING
    ).count()


def registration_unit(user) -> OrgUnit | None:
    """Where an organisation account registers its organisation: the unit it was confirmed in."""
    for membership in memberships_of(user):
        if membership.role == Role.ORG_ADMIN and membership.unit.kind in (
            UnitKind.COMMUNITY,
            UnitKind.STREET,
        ):
            return membership.unit
    return None


def can_register(user) -> bool:
    """An organisation account confirmed by its community that has not registered its organisation yet
    (or whose registration was refused)."""
    if registration_unit(user) is None:
        return False
    return (
        not SocialOrg.objects.filter(admin=user, created_by=user)
        .exclude(status=SocialOrgStatus.REFUSED)
        .exists()
    )


def registration_name(user) -> str:
    for membership in memberships_of(user):
        if membership.role == Role.ORG_ADMIN:
            return membership.title
    return ""


# ---------------------------------------------------------------- the organisation's admin


def access_admin_org(*, user, org_id) -> SocialOrg:
    """The admin page of one organisation: its admin, or the staff over it."""
    org = access_org(user=user, org_id=org_id)
    if not can_manage(user, org):
        raise NotFound()
    return org


def join_requests(org: SocialOrg, *, status: str = JoinStatus.PENDING) -> QuerySet[JoinRequest]:
    """Requests of one organisation with the applicants' names; call only after `access_admin_org`."""
    rows = JoinRequest.objects.filter(org=org, status=status).select_related("user")
    return rows.order_by("created_at", "pk") if status == JoinStatus.PENDING else rows.order_by("-decided_at")


def members(org: SocialOrg) -> QuerySet[JoinRequest]:
    """Current members of one organisation; call only after `access_admin_org` or `access_staff_org`."""
    return (
        JoinRequest.objects.filter(org=org, status=JoinStatus.ACCEPTED)
        .select_related("user")
        .order_by("decided_at", "pk")
    )


def access_join_request(*, user, request_id) -> JoinRequest:
    """A request the user may act on: one of their organisation's, or one under the staff's units."""
    try:
        row = JoinRequest.objects.select_related("org", "org__unit", "user").get(pk=request_id)
    except (JoinRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not can_manage(user, row.org):
        raise NotFound()
    return row


def access_photo(*, user, org: SocialOrg, photo_id) -> SocialOrgPhoto:
    try:
        return SocialOrgPhoto.objects.select_related("org").get(pk=photo_id, org=org)
    except (SocialOrgPhoto.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# ---------------------------------------------------------------- community staff


def staff_orgs(user, *, status: str = "") -> QuerySet[SocialOrg]:
    """Organisations of the units the user leads; `status` is pending, confirmed, inactive or empty."""
    rows = SocialOrg.objects.filter(staff_scope(user))
    if status == "inactive":
        rows = rows.filter(is_active=False)
    elif status in SocialOrgStatus.values:
        rows = rows.filter(status=status)
        if status == SocialOrgStatus.CONFIRMED:
            rows = rows.filter(is_active=True)
    return (
        rows.select_related("unit", "admin")
        .annotate(member_count=MEMBERS, pending_count=PENDING)
        .order_by("status", "unit__path", "name")
    )


def staff_counts(user) -> dict[str, int]:
    rows = SocialOrg.objects.filter(staff_scope(user))
    return {
        "pending": rows.filter(status=SocialOrgStatus.PENDING).count(),
        "inactive": rows.filter(is_active=False).count(),
    }


def access_staff_org(*, user, org_id) -> SocialOrg:
    try:
        return staff_orgs(user).get(pk=org_id)
    except (SocialOrg.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def staff_units(user) -> list[OrgUnit]:
    """Communities (and streets) where the user may register an organisation."""
    return list(
        OrgUnit.objects.filter(
            staff_scope(user, "path"), kind__in=[UnitKind.COMMUNITY, UnitKind.STREET], is_active=True
        ).order_by("depth", "code")[:200]
    )


# ---------------------------------------------------------------- uploaded files


def can_read_file(user, name: str) -> bool:
    """Logos and photos of public organisations are public; the others only for who manages them."""
    org = (
        SocialOrg.objects.filter(Q(logo=name) | Q(photos__image=name))
        .select_related("unit")
        .distinct()
        .first()
    )
    return org is not None and (org.is_public or can_manage(user, org))


def open_request_exists(*, user, org: SocialOrg) -> bool:
    return JoinRequest.objects.filter(org=org, user=user, status__in=OPEN_JOIN_STATUSES).exists()
