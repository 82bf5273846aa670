"""Reads of the field workbench, scoped to the user through the org selectors."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

from django.db.models import Count, Max, Prefetch, Q, QuerySet

from civicgrid.cases import sla
from civicgrid.cases.selectors import my_cases
from civicgrid.core import clock
from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.notifications.selectors import unread_count
from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import ancestor_of_kind, memberships_of, path_q, scope_paths, user_can
from civicgrid.registry.choices import PersonStatus
from civicgrid.registry.models import GroupMembership, Household

from . import search
from .models import CaseStudy, CaseStudyComment, ServiceItem, ServiceLine, Visit, VisitProgramme, WorkLogEntry


def _paths(user, action: str) -> list[str]:
    if not user_can(user, action):
        raise Forbidden()
    return scope_paths(user, roles=PERMISSIONS[action])


def _found(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


# ---------------------------------------------------------------- visits and my day


def next_due(*, last_visit: date | None, interval_days: int, since: date | None, today: date) -> date:
    """When a household is next due: `interval_days` after the last visit; never visited, it is due
    from the day its member joined the group (or today)."""
    if last_visit is None:
        return min(since, today) if since else today
    return last_visit + timedelta(days=interval_days)


@dataclass
class DueVisit:
    household: Household
    due_on: date
    interval_days: int
    last_visit: date | None

    @property
    def overdue_days(self) -> int:
        return (clock.today() - self.due_on).days


def visit_schedule(*, user, today: date | None = None) -> list[tuple[int, date, int, date | None]]:
    """(household id, due date, interval, last visit) for every household in the user's grids that has
    a member in a graded service group, soonest first. The interval is the shortest of its members'
    grades (ServiceGroup.visit_days)."""
    today = today or clock.today()
    # The worker's grids first (a handful of rows), so the two reads below go by the grid indexes.
    grids = list(
        OrgUnit.objects.filter(path_q(_paths(user, "fieldwork.visit")), kind=UnitKind.GRID).values_list(
            "pk", flat=True
        )
    )
    intervals: dict[int, int] = {}
    since: dict[int, date | None] = {}
    rows = (
        GroupMembership.objects.filter(
            person__household__grid_id__in=grids, is_active=True, person__status=PersonStatus.LIVING
        )
        .values_list(
            "person__household_id",
            "grade",
            "group__visit_days_grade_1",
            "group__visit_days_grade_2",
            "group__visit_days_grade_3",
            "since",
        )
        .order_by()
    )
    for household_id, grade, *days, joined in rows:
        interval = days[grade - 1]
        if not interval:
            continue
        if interval < intervals.get(household_id, interval + 1):
            intervals[household_id] = interval
        if joined and (since.get(household_id) is None or joined < since[household_id]):
            since[household_id] = joined
    last = dict(
        Visit.objects.filter(grid_id__in=grids, household__isnull=False)
        .values("household_id")
        .annotate(last=Max("visited_at"))
        .values_list("household_id", "last")
        .order_by()
    )
    schedule = []
    for household_id, interval in intervals.items():
        visited = clock.localdate(last[household_id]) if household_id in last else None
        due = next_due(last_visit=visited, interval_days=interval, since=since.get(household_id), today=today)
        schedule.append((household_id, due, interval, visited))
    schedule.sort(key=lambda row: (row[1], row[0]))
    return schedule


def visits_due(*, user, today: date | None = None, limit: int = 50) -> tuple[list[DueVisit], int]:
    """Households due today or overdue (the first `limit`, loaded), and how many there are."""
    today = today or clock.today()
    due = [row for row in visit_schedule(user=user, today=today) if row[1] <= today]
    households = Household.objects.select_related("room__entrance__building", "grid").in_bulk(
        [row[0] for row in due[:limit]]
    )
    return [
        DueVisit(households[h], due_on, interval, visited) for h, due_on, interval, visited in due[:limit]
    ], len(due)


@dataclass
class MyDay:
    today: date
    due: list[DueVisit]
    due_total: int
    cases: list[dict]
    unread: int
    visits_today: int
    grids: list[OrgUnit] = field(default_factory=list)


def my_day(*, user, today: date | None = None) -> MyDay:
    now = clock.now()
    today = today or clock.localdate(now)
    due, total = visits_due(user=user, today=today)
    cases = list(my_cases(user=user)[:50])
    for row in cases:
        row["light"] = sla.light(SimpleNamespace(**row), now)
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return MyDay(
        today=today,
        due=due,
        due_total=total,
        cases=cases,
        unread=unread_count(user=user),
        visits_today=Visit.objects.filter(visitor=user, visited_at__gte=start).count(),
    )


def households_for_visit(user) -> QuerySet[Household]:
    return Household.objects.filter(path_q(_paths(user, "fieldwork.visit"), "grid__path"))


def access_household(*, user, household_id) -> Household:
    return _found(households_for_visit(user).select_related("room__entrance__building", "grid"), household_id)


def visits_for(user) -> QuerySet[Visit]:
    """Visits the user may read: in their grids (field roles) or below their leadership units."""
    paths = scope_paths(user)
    return Visit.objects.filter(path_q(paths, "grid__path"))


def household_visits(*, user, household: Household, limit: int = 20) -> QuerySet[Visit]:
    return (
        visits_for(user)
        .filter(household=household)
        .select_related("visitor")
        .prefetch_related("cases")
        .order_by("-visited_at")[:limit]
    )


def my_visits(*, user, days: int = 7) -> QuerySet[Visit]:
    since = clock.now() - timedelta(days=days)
    return (
        Visit.objects.filter(visitor=user, visited_at__gte=since)
        .select_related("household__room__entrance__building", "organisation")
        .order_by("-visited_at")
    )


# ---------------------------------------------------------------- programmes


def programmes_for(user) -> QuerySet[VisitProgramme]:
    """Programmes started by a unit above or below the user's places."""
    paths = _paths(user, "fieldwork.programmes")
    above = Q()
    for path in paths:
        above |= Q(unit__path__in=[path[:i] for i in range(OrgUnit.steplen, len(path) + 1, OrgUnit.steplen)])
    return VisitProgramme.objects.filter(above | path_q(paths, "unit__path")).select_related("unit")


def programme_units(user) -> list[OrgUnit]:
    """Streets and communities where the user may start a visit programme."""
    units = _field_units(user, "fieldwork.programmes_manage")
    found = OrgUnit.objects.filter(
        path_q([u.path for u in units]), kind__in=[UnitKind.STREET, UnitKind.COMMUNITY], is_active=True
    )
    return list(found.order_by("depth", "code")[:200])


def access_programme(*, user, programme_id) -> VisitProgramme:
    return _found(programmes_for(user), programme_id)


@dataclass
class ProgressRow:
    name: str
    targets: int
    done: int
    visits: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.targets) if self.targets else 0


def programme_progress(*, user, programme: VisitProgramme) -> tuple[list[ProgressRow], list[ProgressRow]]:
    """Per grid (targets, households done, visits) and per worker (households done, visits), within
    the programme's unit and the user's scope."""
    paths = _paths(user, "fieldwork.programmes")
    unit_path = programme.unit.path
    # The narrower of the programme's unit and each of the user's places.
    scope = [
        p if p.startswith(unit_path) else unit_path
        for p in paths
        if p.startswith(unit_path) or unit_path.startswith(p)
    ]
    households = Household.objects.filter(path_q(scope, "grid__path"))
    group_ids = list(programme.groups.values_list("pk", flat=True))
    if group_ids:
        households = households.filter(
            members__status=PersonStatus.LIVING,
            members__group_memberships__group_id__in=group_ids,
            members__group_memberships__is_active=True,
        ).distinct()
    targets = dict(
        households.values("grid_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("grid_id", "n")
        .order_by()
    )
    tz_start = clock.make_aware_date(programme.starts_on)
    tz_end = clock.make_aware_date(programme.ends_on + timedelta(days=1))
    visits = Visit.objects.filter(
        household__in=households.values("pk"), visited_at__gte=tz_start, visited_at__lt=tz_end
    )
    per_household = (
        visits.values("grid_id", "household_id")
        .annotate(n=Count("pk"))
        .values_list("grid_id", "household_id", "n")
        .order_by()
    )
    done: dict[int, int] = {}
    count: dict[int, int] = {}
    for grid_id, _household, n in per_household:
        count[grid_id] = count.get(grid_id, 0) + n
        if n >= programme.visits_per_target:
            done[grid_id] = done.get(grid_id, 0) + 1
    names = dict(OrgUnit.objects.filter(pk__in=targets).values_list("pk", "name"))
    grids = [
        ProgressRow(names[g], targets[g], done.get(g, 0), count.get(g, 0))
        for g in sorted(targets, key=lambda g: names[g])
    ]
    workers = [
        ProgressRow(row["visitor__full_name"] or row["visitor__username"], 0, row["households"], row["n"])
        for row in visits.values("visitor__full_name", "visitor__username")
        .annotate(n=Count("pk"), households=Count("household_id", distinct=True))
        .order_by("-n")
    ]
    return grids, workers


# ---------------------------------------------------------------- policy library


def lines() -> QuerySet[ServiceLine]:
    return ServiceLine.objects.annotate(item_count=Count("items", filter=Q(items__is_active=True)))


def items_search(*, user, query: str = "", line: str = "", limit: int = 20) -> list[ServiceItem]:
    if not user_can(user, "fieldwork.policy"):
        raise Forbidden()
    items = ServiceItem.objects.filter(is_active=True).select_related("line")
    if line:
        items = items.filter(line__code=line)
    query = (query or "").strip()[:100]
    if not query:
        return list(items.order_by("line__sort", "code")[:200])
    line_id = ServiceLine.objects.filter(code=line).values_list("id", flat=True).first() if line else None
    if line and line_id is None:
        return []
    ids = search.search_ids(query, limit=limit, line_id=line_id)
    found = items.in_bulk(ids)
    return [found[pk] for pk in ids if pk in found][:limit]


def access_item(*, user, item_id) -> ServiceItem:
    if not user_can(user, "fieldwork.policy"):
        raise Forbidden()
    return _found(
        ServiceItem.objects.filter(is_active=True).select_related("line").prefetch_related("documents"),
        item_id,
    )


def consultation_grids(user) -> QuerySet[OrgUnit]:
    paths = scope_paths(user, roles=PERMISSIONS["fieldwork.consult"])
    return OrgUnit.objects.filter(path_q(paths), kind=UnitKind.GRID, is_active=True).order_by("code")


# ---------------------------------------------------------------- case studies


def _field_units(user, action: str) -> list[OrgUnit]:
    if not user_can(user, action):
        raise Forbidden()
    wanted = PERMISSIONS[action]
    return [m.unit for m in memberships_of(user) if m.role in wanted]


def studies_for(user, *, query: str = "", tag: str = "") -> QuerySet[CaseStudy]:
    """Case studies of the street(s) the user works in: colleagues learn across communities."""
    streets = [
        (ancestor_of_kind(u, UnitKind.STREET) or u).path for u in _field_units(user, "fieldwork.studies")
    ]
    studies = CaseStudy.objects.filter(path_q(streets, "community__path")).select_related(
        "author", "community"
    )
    query = (query or "").strip()[:100]
    if query:
        studies = studies.filter(
            Q(title__icontains=query) | Q(body__icontains=query) | Q(tags_text__icontains=query)
        )
    if tag:
        studies = studies.filter(tags_text__contains=f"|{tag}|")
    return studies.annotate(comment_count=Count("comments")).order_by("-is_pinned", "-created_at")


def access_study(*, user, study_id) -> CaseStudy:
    return _found(
        studies_for(user).prefetch_related(
            Prefetch("comments", queryset=CaseStudyComment.objects.select_related("author"))
        ),
        study_id,
    )


def study_communities(user) -> list[OrgUnit]:
    """Communities the user works in, above or below (where they may write a case study)."""
    units = _field_units(user, "fieldwork.studies") if user_can(user, "fieldwork.studies") else []
    above = [ancestor_of_kind(u, UnitKind.COMMUNITY) for u in units]
    below = OrgUnit.objects.filter(path_q([u.path for u in units]), kind=UnitKind.COMMUNITY, is_active=True)
    found = {u.pk: u for u in [*filter(None, above), *below]}
    return sorted(found.values(), key=lambda u: u.code)


def pin_units(user) -> list[OrgUnit]:
    """Where the user may pin case studies (a community head's community; an admin's area)."""
    return _field_units(user, "fieldwork.studies_pin") if user_can(user, "fieldwork.studies_pin") else []


# ---------------------------------------------------------------- work log


def worklog_units(user) -> list[OrgUnit]:
    """The units the user writes their log for (their field memberships)."""
    wanted = PERMISSIONS["fieldwork.worklog"]
    return [m.unit for m in memberships_of(user) if m.role in wanted]


def worklog_for(user, *, author_id: int | None = None, days: int = 31) -> QuerySet[WorkLogEntry]:
    """The user's own entries; readers (community heads …) also see the entries written in their units."""
    since = clock.today() - timedelta(days=days)
    entries = WorkLogEntry.objects.filter(day__gte=since).select_related("author", "unit")
    if user_can(user, "fieldwork.worklog_read"):
        paths = scope_paths(user, roles=PERMISSIONS["fieldwork.worklog_read"])
        entries = entries.filter(path_q(paths, "unit__path") | Q(author=user))
    else:
        entries = entries.filter(author=user)
    if author_id:
        entries = entries.filter(author_id=author_id)
    return entries.prefetch_related("cases", "visits__household__room__entrance__building")
