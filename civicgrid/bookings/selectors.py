"""Reads of 资源共享, scoped to the user: what a booker may see and book, what an owner manages."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from civicgrid.core import clock
from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import memberships_of, path_q, roles_at, roles_of, scope_paths, user_can

from .choices import BLOCKING_STATUSES, BookingStatus
from .models import Booking, OpeningHours, Resource

# Who manages the resources of a unit (street or community); organisation accounts manage their own.
UNIT_MANAGER_ROLES = PERMISSIONS["bookings.manage"] - {Role.ORG_ADMIN}


# ---------------------------------------------------------------- opening hours and slots


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    free: bool
    past: bool

    @property
    def bookable(self) -> bool:
        return self.free and not self.past


def hours_on(resource: Resource, day: date) -> OpeningHours | None:
    """The resource's opening hours on `day` (from the prefetched rows when there are some)."""
    return next((h for h in resource.hours.all() if h.weekday == day.weekday()), None)


def aware(day: date, moment: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, moment))


def window(resource: Resource, day: date) -> tuple[datetime, datetime] | None:
    """When the resource opens and closes on `day`, or None when it is closed that day."""
    hours = hours_on(resource, day)
    if hours is None:
        return None
    return aware(day, hours.opens), aware(day, hours.closes)


def slot_bounds(resource: Resource, day: date) -> list[tuple[datetime, datetime]]:
    """The day's slots: from opening time, one slot length each, as many as fit before closing."""
    opened = window(resource, day)
    if opened is None:
        return []
    step = timedelta(minutes=resource.slot_minutes)
    bounds, start = [], opened[0]
    while start + step <= opened[1]:
        bounds.append((start, start + step))
        start += step
    return bounds


def blocking_bookings(resource: Resource, start: datetime, end: datetime) -> QuerySet[Booking]:
    """Pending and confirmed bookings of the resource that overlap [start, end)."""
    return Booking.objects.filter(
        resource=resource, status__in=BLOCKING_STATUSES, starts_at__lt=end, ends_at__gt=start
    ).order_by("starts_at")


def day_slots(resource: Resource, day: date, *, now: datetime | None = None) -> list[Slot]:
    """Each slot of the day, free or taken (by whom is not said), and whether it has begun."""
    now = now or clock.now()
    bounds = slot_bounds(resource, day)
    if not bounds:
        return []
    taken = list(blocking_bookings(resource, bounds[0][0], bounds[-1][1]).values_list("starts_at", "ends_at"))
    return [
        Slot(
            starts_at=start,
            ends_at=end,
            free=not any(s < end and start < e for s, e in taken),
            past=start <= now,
        )
        for start, end in bounds
    ]


# ---------------------------------------------------------------- bookers


def can_book(user) -> bool:
    """Only verified residents and volunteers, and confirmed organisation accounts, book."""
    from civicgrid.portal.services import is_verified

    if not user_can(user, "bookings.book"):
        return False
    return Role.ORG_ADMIN in roles_of(user) or is_verified(user)


def street_paths(user) -> list[str]:
    """The streets the user belongs to (through any membership): a booker sees their street's resources."""
    paths = [m.unit.path for m in memberships_of(user)]
    if not paths:
        return []
    step = OrgUnit.steplen
    prefixes = {p[:i] for p in paths for i in range(step, len(p) + 1, step)}
    streets = list(
        OrgUnit.objects.filter(path__in=prefixes, kind=UnitKind.STREET).values_list("path", flat=True)
    )
    # Someone placed above any street (a district-level account) sees where they are placed.
    covered = [p for p in paths if any(p.startswith(s) for s in streets)]
    return sorted({*streets, *(p for p in paths if p not in covered)})


def _with_hours(rows: QuerySet[Resource]) -> QuerySet[Resource]:
    return rows.select_related("unit").prefetch_related(
        Prefetch("hours", queryset=OpeningHours.objects.order_by("weekday"))
    )


def bookable_resources(
    user, *, kind: str = "", community: int | None = None, day: date | None = None
) -> QuerySet[Resource]:
    """Open resources of the user's street, filtered by kind, community (with the street's own
    resources excluded) and by being open on `day`."""
    if not user_can(user, "bookings.book"):
        raise Forbidden()
    rows = Resource.objects.filter(path_q(street_paths(user), "unit__path"), is_active=True)
    if kind:
        rows = rows.filter(kind=kind)
    if community is not None:
        unit = OrgUnit.objects.filter(pk=community, kind=UnitKind.COMMUNITY).first()
        rows = rows.filter(unit__path__startswith=unit.path) if unit else rows.none()
    if day is not None:
        rows = rows.filter(hours__weekday=day.weekday())
    return _with_hours(rows).order_by("unit__path", "name", "pk")


def access_resource(*, user, resource_id) -> Resource:
    """A resource the user may book; 'not there', 'closed' and 'not in your street' answer alike."""
    try:
        return bookable_resources(user).get(pk=resource_id)
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def communities_for(user) -> list[OrgUnit]:
    """The communities of the user's street, for the browse filter."""
    return list(
        OrgUnit.objects.filter(path_q(street_paths(user)), kind=UnitKind.COMMUNITY, is_active=True)
        .only("id", "name", "code")
        .order_by("code")[:200]
    )


def my_bookings(user) -> QuerySet[Booking]:
    return Booking.objects.filter(booker=user).select_related("resource__unit").order_by("-starts_at", "-pk")


def access_my_booking(*, user, booking_id) -> Booking:
    try:
        return my_bookings(user).get(pk=booking_id)
    except (Booking.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# ---------------------------------------------------------------- owners


def _manage_q(user) -> Q:
    if getattr(user, "is_superuser", False):
        return Q()
    q = Q(organisation__isnull=True) & path_q(scope_paths(user, roles=UNIT_MANAGER_ROLES), "unit__path")
    admin_paths = scope_paths(user, roles={Role.PLATFORM_ADMIN})
    if admin_paths:
        q |= path_q(admin_paths, "unit__path")
    org_paths = [m.unit.path for m in memberships_of(user) if m.role == Role.ORG_ADMIN]
    if org_paths:
        q |= Q(organisation=user) & path_q(org_paths, "unit__path")
    return q


def managed_resources(user) -> QuerySet[Resource]:
    """Resources the user owns: their units' (subtrees), or their organisation's."""
    if not user_can(user, "bookings.manage"):
        raise Forbidden()
    return _with_hours(Resource.objects.filter(_manage_q(user))).order_by("-is_active", "unit__path", "name")


def can_manage(user, resource: Resource) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    roles = roles_at(user, resource.unit)
    if Role.PLATFORM_ADMIN in roles:
        return True
    if resource.organisation_id is not None:
        return resource.organisation_id == user.pk and Role.ORG_ADMIN in roles
    return bool(roles & UNIT_MANAGER_ROLES)


def access_managed_resource(*, user, resource_id) -> Resource:
    try:
        return managed_resources(user).get(pk=resource_id)
    except (Resource.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def owner_units(user) -> list[OrgUnit]:
    """Where the user may list a resource for their unit: streets and communities they manage."""
    paths = scope_paths(user, roles=UNIT_MANAGER_ROLES)
    if getattr(user, "is_superuser", False):
        paths = [""]
    return list(
        OrgUnit.objects.filter(
            path_q(paths), kind__in=[UnitKind.STREET, UnitKind.COMMUNITY], is_active=True
        ).order_by("depth", "code")[:200]
    )


def organisation_places(user) -> list[tuple[OrgUnit, str]]:
    """Where the user lists resources as an organisation: its community, with its name there."""
    return [
        (m.unit, m.title or user.get_full_name()) for m in memberships_of(user) if m.role == Role.ORG_ADMIN
    ]


def pending_queue(user) -> QuerySet[Booking]:
    """Bookings waiting for the user's decision, soonest first."""
    return (
        Booking.objects.filter(
            status=BookingStatus.PENDING, resource__in=managed_resources(user).values("pk")
        )
        .select_related("resource__unit", "booker")
        .order_by("starts_at", "pk")
    )


def access_managed_booking(*, user, booking_id) -> Booking:
    try:
        return (
            Booking.objects.select_related("resource__unit", "booker")
            .filter(resource__in=managed_resources(user).values("pk"))
            .get(pk=booking_id)
        )
    except (Booking.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def booking_for_activity(*, organiser, booking_id) -> Booking | None:
    """A booking an activity may name as its venue: pending or confirmed, made by the organiser or of
    a resource the organiser manages. None when there is no such booking (or it is not theirs)."""
    booking = (
        Booking.objects.select_related("resource").filter(pk=booking_id, status__in=BLOCKING_STATUSES).first()
    )
    if booking is None or (booking.booker_id != organiser.pk and not can_manage(organiser, booking.resource)):
        return None
    return booking


def venue_of(booking_id) -> str:
    """How an activity shows the booking it names: the resource and the booked time (or nothing when
    the booking has since been cancelled)."""
    booking = (
        Booking.objects.select_related("resource").filter(pk=booking_id, status__in=BLOCKING_STATUSES).first()
    )
    if booking is None:
        return ""
    start, end = timezone.localtime(booking.starts_at), timezone.localtime(booking.ends_at)
    return f"{booking.resource.name} {start:%m-%d %H:%M}–{end:%H:%M}"


def week_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def calendar(resource: Resource, *, monday: date) -> list[dict]:
    """The owner's week: each day with its opening hours and its bookings (cancelled ones left out)."""
    start, end = aware(monday, time.min), aware(monday + timedelta(days=7), time.min)
    rows = list(
        Booking.objects.filter(resource=resource, starts_at__lt=end, ends_at__gt=start)
        .exclude(status=BookingStatus.CANCELLED)
        .select_related("booker")
        .order_by("starts_at", "pk")
    )
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        bookings = [b for b in rows if timezone.localdate(b.starts_at) == day]
        days.append({"day": day, "hours": hours_on(resource, day), "bookings": bookings})
    return days


def pending_count(user) -> int:
    return pending_queue(user).count()
