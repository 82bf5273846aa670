"""Reads of the registry, always scoped to the user's grids (org.selectors) and masked."""

import contextlib
import re
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from civicgrid.core import clock
from civicgrid.core.crypto import blind_index
from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import path_q, roles_at, roles_of, scope_paths, user_can

from .choices import ConflictStatus, PersonStatus
from .models import (
    Building,
    Conflict,
    Entrance,
    GroupMembership,
    Household,
    Organisation,
    Person,
    Room,
    ServiceGroup,
    Vehicle,
)
from .validators import ID_RE, MOBILE_RE, normalise_id_number, validate_mobile


def _require(user, action: str) -> None:
    if not user_can(user, action):
        raise Forbidden()


VIEW = "registry.view"


def _paths(user, action: str) -> list[str]:
    """Where the user may do `action`: only the places of the roles that allow it (a worker who
    also assists elsewhere edits only their own grids)."""
    return scope_paths(user, roles=PERMISSIONS[action])


def grids_of(user, action: str = VIEW) -> QuerySet[OrgUnit]:
    """Grids the user reaches through roles that allow `action`."""
    if not user_can(user, action):
        return OrgUnit.objects.none()
    grids = OrgUnit.objects.filter(path_q(_paths(user, action)), kind=UnitKind.GRID, is_active=True)
    return grids.order_by("code")


def _scoped(user, queryset: QuerySet, action: str = VIEW, field: str = "grid") -> QuerySet:
    _require(user, action)
    return queryset.filter(path_q(_paths(user, action), f"{field}__path"))


def buildings_for(user, action: str = VIEW) -> QuerySet[Building]:
    return _scoped(user, Building.objects.all(), action)


def rooms_for(user, action: str = VIEW) -> QuerySet[Room]:
    return _scoped(user, Room.objects.all(), action)


def households_for(user, action: str = VIEW) -> QuerySet[Household]:
    return _scoped(user, Household.objects.all(), action)


def people_for(user, action: str = VIEW) -> QuerySet[Person]:
    return _scoped(user, Person.objects.all(), action)


def organisations_for(user, action: str = VIEW) -> QuerySet[Organisation]:
    return _scoped(user, Organisation.objects.all(), action)


def _access(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_grid(*, user, grid_id, action: str = VIEW) -> OrgUnit:
    return _access(grids_of(user, action), grid_id)


def access_building(*, user, building_id, action: str = VIEW) -> Building:
    return _access(buildings_for(user, action).select_related("grid"), building_id)


def access_entrance(*, user, entrance_id) -> Entrance:
    return _access(
        Entrance.objects.filter(path_q(_paths(user, VIEW), "building__grid__path")).select_related(
            "building__grid"
        )
        if user_can(user, VIEW)
        else Entrance.objects.none(),
        entrance_id,
    )


def access_room(*, user, room_id, action: str = VIEW) -> Room:
    return _access(rooms_for(user, action).select_related("entrance__building", "grid"), room_id)


def access_household(*, user, household_id, action: str = VIEW) -> Household:
    return _access(
        households_for(user, action).select_related("room__entrance__building", "grid"), household_id
    )


def access_person(*, user, person_id, action: str = VIEW) -> Person:
    return _access(
        people_for(user, action).select_related("household__room__entrance__building", "grid"), person_id
    )


def access_organisation(*, user, organisation_id, action: str = VIEW) -> Organisation:
    return _access(organisations_for(user, action).select_related("grid"), organisation_id)


def visible_groups(user, grid: OrgUnit | None = None) -> QuerySet[ServiceGroup]:
    """Service groups whose members the user may see: every open group, and sensitive ones by a
    role the user holds over `grid` (over any place when no grid is given)."""
    roles = roles_at(user, grid) if grid is not None else roles_of(user)
    sensitive_ok = [
        g.pk for g in ServiceGroup.objects.filter(is_sensitive=True) if set(g.visible_roles) & roles
    ]
    return ServiceGroup.objects.filter(Q(is_sensitive=False) | Q(pk__in=sensitive_ok))


def memberships_prefetch(user, grid: OrgUnit | None = None) -> Prefetch:
    return Prefetch(
        "group_memberships",
        queryset=GroupMembership.objects.filter(
            is_active=True, group__in=visible_groups(user, grid)
        ).select_related("group"),
        to_attr="visible_memberships",
    )


def entrances_of(*, building: Building) -> QuerySet[Entrance]:
    return building.entrances.annotate(room_count=Count("rooms")).order_by("name")


def rooms_of(*, entrance: Entrance) -> QuerySet[Room]:
    return entrance.rooms.prefetch_related("households").order_by("floor", "number")


def buildings_of(*, user, grid: OrgUnit) -> QuerySet[Building]:
    return (
        buildings_for(user)
        .filter(grid=grid)
        .annotate(room_count=Count("entrances__rooms"))
        .order_by("road", "name")
    )


@dataclass
class HouseholdCard:
    household: Household
    members: list[Person]
    former_members: list[Person]
    vehicles: list[Vehicle]
    stale: bool


def household_card(*, user, household: Household, stale_after_days: int = 365) -> HouseholdCard:
    people = list(
        Person.objects.filter(
            Q(household=household) | Q(pk__in=Person.history.filter(household_id=household.pk).values("id"))
        )
        .prefetch_related(memberships_prefetch(user, household.grid))
        .order_by("relation", "full_name")
    )
    members = [p for p in people if p.household_id == household.pk and p.status == PersonStatus.LIVING]
    former = [p for p in people if p not in members]
    vehicles = list(household.vehicles.filter(is_active=True).select_related("owner"))
    stale = household.last_verified_at is None or household.last_verified_at < clock.now() - timedelta(
        days=stale_after_days
    )
    return HouseholdCard(household, members, former, vehicles, stale)


def person_search(*, user, query: str, grid_id: int | None = None, limit: int = 50) -> QuerySet[Person]:
    """Find people in scope by ID number, last 4 ID digits, mobile, address or name prefix."""
    people = people_for(user)
    if grid_id:
        people = people.filter(grid_id=grid_id)
    q = normalise_id_number(query)
    with contextlib.suppress(ValidationError):
        q = validate_mobile(q)
    if not q:
        return people.none()
    if ID_RE.match(q):
        people = people.filter(id_index=blind_index(q, purpose="id"))
    elif len(q) == 4 and q[:3].isdigit() and (q[3].isdigit() or q[3] == "X"):
        people = people.filter(id_last4_index=blind_index(q, purpose="id_last4"))
    elif MOBILE_RE.match(q):
        people = people.filter(phone_index=blind_index(q, purpose="phone"))
    elif any(ch.isdigit() for ch in q) or any(word in q for word in ("路", "幢", "号", "室", "单元")):
        people = _address_filter(people, query.strip())
    else:
        people = people.filter(full_name__startswith=query.strip()[:50])
    return people.select_related("household__room__entrance__building", "grid").order_by("full_name", "id")[
        :limit
    ]


ADDRESS_RE = re.compile(
    r"^(?P<road>\D*?\d+号)?\s*(?:(?P<building>\d+)\s*幢)?\s*(?:(?P<entrance>\d+)\s*单元)?\s*(?:(?P<room>\d+)\s*室?)?$"
)


def _address_filter(people: QuerySet[Person], text: str) -> QuerySet[Person]:
    """Match an address like 凯旋路88号3幢1单元301: each part given must match."""
    match = ADDRESS_RE.match(text.replace(" ", ""))
    parts = match.groupdict() if match else {}
    prefix = "household__room__"
    q = Q()
    if parts.get("road"):
        q &= Q(**{f"{prefix}entrance__building__road": parts["road"]})
    if parts.get("building"):
        q &= Q(**{f"{prefix}entrance__building__name": f"{parts['building']}幢"})
    if parts.get("entrance"):
        q &= Q(**{f"{prefix}entrance__name": f"{parts['entrance']}单元"})
    if parts.get("room"):
        q &= Q(**{f"{prefix}number": parts["room"]})
    if not q:
        q = Q(**{f"{prefix}entrance__building__road__contains": text[:50]})
    return people.filter(q)


def open_conflicts(*, user) -> QuerySet[Conflict]:
    _require(user, "registry.conflicts")
    return (
        Conflict.objects.filter(
            path_q(_paths(user, "registry.conflicts"), "grid__path"), status=ConflictStatus.OPEN
        )
        .select_related("person", "organisation", "grid", "batch__source")
        .order_by("grid__code", "id")
    )


def coverage_report(*, user, months: int = 12) -> list[dict]:
    """Per grid: rooms, rooms with a known household, people, people verified within `months`, open conflicts."""
    _require(user, "registry.coverage")
    since = clock.now() - timedelta(days=round(months * 30.44))
    grids = list(grids_of(user, "registry.coverage").only("id", "name", "code"))
    ids = [g.pk for g in grids]

    def by_grid(queryset, **aggregate):
        return {
            row["grid_id"]: row
            for row in queryset.filter(grid_id__in=ids).values("grid_id").annotate(**aggregate)
        }

    rooms = by_grid(
        Room.objects.order_by(),
        rooms=Count("id"),
        known=Count("id", filter=Exists(Household.objects.filter(room=OuterRef("pk")))),
    )
    people = by_grid(
        Person.objects.filter(status=PersonStatus.LIVING).order_by(),
        people=Count("id"),
        verified=Count("id", filter=Q(last_verified_at__gte=since)),
    )
    conflicts = by_grid(Conflict.objects.filter(status=ConflictStatus.OPEN).order_by(), conflicts=Count("id"))
    report = []
    for grid in grids:
        r, p, c = rooms.get(grid.pk, {}), people.get(grid.pk, {}), conflicts.get(grid.pk, {})
        row = {
            "grid": grid,
            "rooms": r.get("rooms", 0),
            "rooms_known": r.get("known", 0),
            "people": p.get("people", 0),
            "people_verified": p.get("verified", 0),
            "conflicts": c.get("conflicts", 0),
        }
        row["rooms_pct"] = round(100 * row["rooms_known"] / row["rooms"], 1) if row["rooms"] else 0.0
        row["verified_pct"] = round(100 * row["people_verified"] / row["people"], 1) if row["people"] else 0.0
        report.append(row)
    return report
