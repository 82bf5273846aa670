"""Reads of cases, scoped to the user through the org tree (org.selectors)."""

import copy
import math
import time
from datetime import datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.db.models.signals import post_delete, post_save

from civicgrid.core.errors import NotFound
from civicgrid.org.choices import Role
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import memberships_of, scope_paths, unit_ids_under

from .choices import OPEN_STATUSES, CaseStatus, Light
from .models import Case, CaseEvent, Category, SlaPolicy

LIST_FIELDS = (
    "id",
    "number",
    "channel",
    "status",
    "category__name",
    "category_id",
    "address",
    "grid__name",
    "grid_id",
    "holder__name",
    "reported_at",
    "stage_due_at",
    "stage_yellow_at",
    "red_at",
    "paused_at",
    "warning_level",
    "closed_at",
    "outcome",
)
EARTH_RADIUS_M = 6_371_000
# Categories and their policies are settings that rarely change: each process keeps them this long,
# and forgets them at once when it saves or deletes one itself.
CATEGORY_CACHE_SECONDS = 30.0
_categories: tuple[float, dict[str, Category]] | None = None


def _active_categories() -> dict[str, Category]:
    global _categories
    if _categories is None or time.monotonic() - _categories[0] > CATEGORY_CACHE_SECONDS:
        loaded = Category.objects.select_related("policy").filter(is_active=True)  # in display order
        _categories = (time.monotonic(), {c.code: c for c in loaded})
    return _categories[1]


def active_category(code: str) -> Category | None:
    """The active category with this code, its policy loaded (the report API's look-up, no query)."""
    category = _active_categories().get(code)
    return copy.copy(category) if category is not None else None


def active_categories() -> list[tuple[int, str]]:
    """Id and name of every active category in display order (the filters' choices, no query)."""
    return [(c.pk, c.name) for c in _active_categories().values()]


def forget_categories(**_kwargs) -> None:
    global _categories
    _categories = None


for _model in (Category, SlaPolicy):  # a cache, not a domain rule
    post_save.connect(forget_categories, sender=_model, dispatch_uid=f"forget_categories_{_model.__name__}")
    post_delete.connect(forget_categories, sender=_model, dispatch_uid=f"forget_categories_{_model.__name__}")


def cases_for(user) -> QuerySet[Case]:
    """Cases the user may see: in their places, held by their units, reported by them, and — for
    departments and agencies — everything waiting in their street's centre."""
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    paths = scope_paths(user)
    q = Q(reporter=user)
    # The places as unit ids (a street has a few hundred units): each condition then goes by its index
    # instead of joining every case to its grid and holder to compare paths.
    if paths:
        units = unit_ids_under(paths)
        q |= Q(grid_id__in=units) | Q(holder_id__in=units)
    streets = [
        m.unit.path[: -OrgUnit.steplen]
        for m in memberships_of(user)
        if m.role in (Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF)
    ]
    if streets:
        q |= Q(
            status__in=[CaseStatus.AWAITING_CLAIM, CaseStatus.DISPUTED], grid_id__in=unit_ids_under(streets)
        )
    return Case.objects.filter(q)


def access_case(*, user, case_id) -> Case:
    """The case if the user may see it; 'not there' and 'not yours' are the same 404."""
    try:
        return (
            cases_for(user).select_related("category", "grid", "holder", "reporter", "policy").get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def light_q(light: str, now: datetime) -> Q:
    """The light as a query (the same rule as sla.light)."""
    red = Q(red_at__isnull=False) | Q(stage_due_at__lte=now, paused_at__isnull=True)
    if light == Light.RED:
        return red
    yellow = Q(stage_yellow_at__lte=now, paused_at__isnull=True) & ~red
    if light == Light.YELLOW:
        return yellow
    return ~red & ~yellow


def centre_list(
    *,
    user,
    now: datetime,
    status: str = CaseStatus.AWAITING_CLAIM,
    category: int | None = None,
    channel: str = "",
    light: str = "",
    community: int | None = None,
) -> QuerySet:
    """The problem-flow centre: cases in a status, filtered, most urgent first."""
    cases = cases_for(user)
    cases = (
        cases.filter(status__in=sorted(OPEN_STATUSES)) if status == "open" else cases.filter(status=status)
    )
    if category:
        cases = cases.filter(category_id=category)
    if channel:
        cases = cases.filter(channel=channel)
    if light in (Light.RED, Light.YELLOW, Light.GREEN):
        cases = cases.filter(light_q(light, now))
    if community:
        unit = OrgUnit.objects.filter(pk=community).only("path").first()
        cases = cases.filter(grid__path__startswith=unit.path) if unit else cases.none()
    return cases.order_by("stage_due_at", "reported_at").values(*LIST_FIELDS)


def recategorise_choices(case: Case) -> QuerySet[Category]:
    """The categories a case may be corrected to: active, of its kind (rewarded or not), not its own."""
    return Category.objects.filter(is_active=True, is_rewarded=case.category.is_rewarded).exclude(
        pk=case.category_id
    )


def my_cases(*, user) -> QuerySet:
    units = [m.unit_id for m in memberships_of(user)]
    return (
        Case.objects.filter(holder_id__in=units, status__in=sorted(OPEN_STATUSES))
        .order_by("stage_due_at")
        .values(*LIST_FIELDS)
    )


def reported_by(*, user) -> QuerySet:
    return Case.objects.filter(reporter=user).order_by("-reported_at").values(*LIST_FIELDS)


def timeline(*, case: Case) -> QuerySet[CaseEvent]:
    return case.events.select_related("actor", "unit").prefetch_related("photos")


def nearby_open_cases(
    *, user, category: Category, lat: float, lng: float, radius_m: float = 50
) -> list[Case]:
    """Open cases of the same category within `radius_m` (offered as possible duplicates)."""
    dlat = radius_m / EARTH_RADIUS_M * 180 / math.pi
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    candidates = cases_for(user).filter(
        category=category,
        status__in=sorted(OPEN_STATUSES - {CaseStatus.RESOLVED}),
        lat__range=(lat - dlat, lat + dlat),
        lng__range=(lng - dlng, lng + dlng),
    )
    return [c for c in candidates if distance_m(lat, lng, c.lat, c.lng) <= radius_m]


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def open_warnings(*, user) -> QuerySet[Case]:
    return (
        cases_for(user)
        .filter(status__in=sorted(OPEN_STATUSES))
        .exclude(warning_level="")
        .select_related("grid", "category", "holder")
        .order_by("warning_level", "stage_due_at")
    )


def dispatcher_queue(*, user) -> QuerySet:
    return (
        cases_for(user)
        .filter(status=CaseStatus.DISPATCHER_QUEUE)
        .order_by("reported_at")
        .values(*LIST_FIELDS)
    )


# ---------------------------------------------------------------- the first claim, after the fact
# A case's claim deadline is cleared once it is claimed or dispatched, so reports (scoring, the
# cockpit) work it out again: the policy's claim hours after the case entered the centre (the claim
# clock counts plain hours, not working days). A case returned and claimed again is judged on its first
# claim.


def claim_limits() -> dict[int, timedelta]:
    """Each policy's claim time."""
    return {
        pk: timedelta(hours=float(hours)) for pk, hours in SlaPolicy.objects.values_list("pk", "claim_hours")
    }


def _per_policy(limits: dict[int, timedelta], condition) -> Q:
    """`condition(limit)` for each policy's cases, or'ed (no policy: nothing)."""
    if not limits:
        return Q(pk__in=[])
    return reduce(or_, (Q(condition(limit), policy_id=pk) for pk, limit in limits.items()))


def claim_limit_between_q(limits: dict[int, timedelta], start: datetime, end: datetime) -> Q:
    """Cases whose first claim limit fell in [start, end)."""
    return _per_policy(
        limits, lambda limit: Q(entered_centre_at__gte=start - limit, entered_centre_at__lt=end - limit)
    )


def claim_limit_passed_q(limits: dict[int, timedelta], at: datetime) -> Q:
    """Cases whose first claim limit had passed by `at`."""
    return _per_policy(limits, lambda limit: Q(entered_centre_at__lte=at - limit))


def claimed_in_time_q(limits: dict[int, timedelta], *, in_time: bool = True) -> Q:
    """Cases first claimed or dispatched within their claim limit (`in_time=False`: after it)."""
    waited = ExpressionWrapper(F("assigned_at") - F("entered_centre_at"), output_field=DurationField())
    compare = LessThanOrEqual if in_time else GreaterThan
    return Q(assigned_at__isnull=False) & _per_policy(limits, lambda limit: compare(waited, limit))
