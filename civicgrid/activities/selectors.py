"""Reads of 社区活动, scoped to the reader; and the demand menus with their sources.

Who sees what: a portal member sees the published activities of their community and of the street
above it; staff see those of the units they work in; the organiser sees their own in any state; the
community (community heads, platform admins) sees every activity of its units, drafts included.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.choices import Channel
from civicgrid.cases.models import Case
from civicgrid.core import clock
from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.org.permissions import PERMISSIONS, PORTAL_MEMBERS
from civicgrid.org.selectors import (
    is_staff_member,
    memberships_of,
    path_q,
    roles_at,
    scope_paths,
    user_can,
)
from civicgrid.registry.choices import PersonStatus
from civicgrid.registry.models import GroupMembership, Person

from .choices import ActivityStatus, Audience, PhotoStatus, SignupStatus
from .ideas import KEYWORDS, Idea, ideas_for
from .models import Activity, ActivityPhoto, ActivitySignup

# The community's staff who approve, hide and manage every activity of their units.
MODERATOR_ROLES = frozenset({Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN})
# Staff whose activities are published at once (no approval needed).
STAFF_ORGANISER_ROLES = frozenset({Role.COMMUNITY_HEAD, Role.GRID_WORKER, Role.PLATFORM_ADMIN})


def _ancestor_prefixes(paths) -> set[str]:
    step = OrgUnit.steplen
    return {p[:i] for p in paths for i in range(step, len(p) + 1, step)}


def moderator_paths(user) -> list[str]:
    if getattr(user, "is_superuser", False):
        return [""]
    return scope_paths(user, roles=MODERATOR_ROLES)


def can_moderate(user, activity: Activity) -> bool:
    return getattr(user, "is_superuser", False) or bool(roles_at(user, activity.unit) & MODERATOR_ROLES)


def can_manage(user, activity: Activity) -> bool:
    """The organiser, or the community that the activity belongs to."""
    return activity.organiser_id == user.pk or can_moderate(user, activity)


def _reach_q(user) -> Q:
    """Activities of the units the user belongs to or above them (a resident of a community sees the
    street's too), and of every unit under a staff role."""
    if getattr(user, "is_superuser", False):
        return Q()
    memberships = memberships_of(user)
    q = Q(unit__path__in=sorted(_ancestor_prefixes(m.unit.path for m in memberships)))
    staff = scope_paths(user)
    if staff:
        q |= path_q(staff, "unit__path")
    return q


# Public: published, or cancelled after it was published (its people must learn of it).
PUBLIC_Q = Q(is_hidden=False) & (
    Q(status=ActivityStatus.PUBLISHED) | Q(status=ActivityStatus.CANCELLED, published_at__isnull=False)
)


def in_reach(user, activity: Activity) -> bool:
    """Whether the activity belongs to the user's places (where they may take part)."""
    return Activity.objects.filter(_reach_q(user), pk=activity.pk).exists()


def activities_for(user) -> QuerySet[Activity]:
    if not getattr(user, "is_authenticated", False):
        return Activity.objects.none()
    mine = ActivitySignup.objects.filter(user=user).values("activity_id")
    q = (_reach_q(user) & PUBLIC_Q) | Q(organiser=user) | Q(pk__in=mine, is_hidden=False)
    moderated = moderator_paths(user)
    if moderated:
        q |= path_q(moderated, "unit__path")
    return Activity.objects.filter(q)


def access_activity(*, user, activity_id) -> Activity:
    """The activity if the user may see it; 'not there' and 'not yours' are the same 404."""
    try:
        return activities_for(user).select_related("unit", "organiser").get(pk=activity_id)
    except (Activity.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def access_managed_activity(*, user, activity_id) -> Activity:
    """An activity the user organises or moderates (403 for one they may only look at)."""
    activity = access_activity(user=user, activity_id=activity_id)
    if not can_manage(user, activity):
        raise Forbidden(_("只有活动发起人或社区工作人员可以管理该活动。"))
    return activity


def upcoming(user, *, audience: str = "", now: datetime | None = None) -> QuerySet[Activity]:
    """Published activities not yet over, within the user's reach, soonest first."""
    now = now or clock.now()
    if not getattr(user, "is_authenticated", False):
        return Activity.objects.none()
    rows = Activity.objects.filter(
        _reach_q(user), status=ActivityStatus.PUBLISHED, is_hidden=False, ends_at__gt=now
    )
    if audience in Audience.values:
        rows = rows.filter(audience=audience)
    return rows.select_related("unit").order_by("starts_at", "pk")


def my_signup(*, user, activity: Activity) -> ActivitySignup | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        ActivitySignup.objects.filter(activity=activity, user=user)
        .exclude(status=SignupStatus.CANCELLED)
        .first()
    )


def my_signups(user) -> QuerySet[ActivitySignup]:
    return (
        ActivitySignup.objects.filter(user=user, activity__is_hidden=False)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("activity__unit")
        .order_by("-activity__starts_at")
    )


def signup_statuses(*, user, activities) -> dict[int, ActivitySignup]:
    """The user's live sign-up per activity, for a list (one query)."""
    ids = [a.pk for a in activities]
    if not ids or not getattr(user, "is_authenticated", False):
        return {}
    rows = ActivitySignup.objects.filter(user=user, activity_id__in=ids).exclude(
        status=SignupStatus.CANCELLED
    )
    return {row.activity_id: row for row in rows}


def organised_by(user) -> QuerySet[Activity]:
    return Activity.objects.filter(organiser=user).select_related("unit").order_by("-starts_at")


def participants(activity: Activity) -> QuerySet[ActivitySignup]:
    """Confirmed people first (by name), then the waiting list in order."""
    return (
        ActivitySignup.objects.filter(activity=activity)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("user")
        .order_by("-status", "position", "user__full_name", "pk")
    )


def confirmed(activity: Activity) -> QuerySet[ActivitySignup]:
    return (
        ActivitySignup.objects.filter(activity=activity, status=SignupStatus.CONFIRMED)
        .select_related("user")
        .order_by("user__full_name", "pk")
    )


def photos_of(*, user, activity: Activity) -> QuerySet[ActivityPhoto]:
    """Visible photos; the organiser and the community also see those waiting for approval."""
    rows = ActivityPhoto.objects.filter(activity=activity)
    if can_manage(user, activity):
        return rows.exclude(status=PhotoStatus.HIDDEN)
    return rows.filter(status=PhotoStatus.VISIBLE)


# ---------------------------------------------------------------- the community's queues


def _moderated(user) -> list[str]:
    paths = moderator_paths(user)
    if not paths:
        raise Forbidden(_("只有社区负责人可以审核活动。"))
    return paths


def moderation_queue(user) -> QuerySet[Activity]:
    """Proposals by residents waiting for approval, oldest first."""
    return (
        Activity.objects.filter(path_q(_moderated(user), "unit__path"), status=ActivityStatus.DRAFT)
        .select_related("unit", "organiser")
        .order_by("created_at", "pk")
    )


def photo_queue(user) -> QuerySet[ActivityPhoto]:
    return (
        ActivityPhoto.objects.filter(
            path_q(_moderated(user), "activity__unit__path"), status=PhotoStatus.PENDING
        )
        .select_related("activity", "uploaded_by")
        .order_by("uploaded_at", "pk")
    )


def access_photo(*, user, photo_id) -> ActivityPhoto:
    """A photo of an activity the user manages (the organiser or the community)."""
    try:
        photo = ActivityPhoto.objects.select_related("activity__unit").get(pk=photo_id)
    except (ActivityPhoto.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
    if not can_manage(user, photo.activity) or not activities_for(user).filter(pk=photo.activity_id).exists():
        raise NotFound()
    return photo


def managed_activities(user, *, now: datetime | None = None) -> QuerySet[Activity]:
    """What a member of staff looks after: every activity of the units they moderate and their own."""
    q = Q(organiser=user)
    moderated = moderator_paths(user)
    if moderated:
        q |= path_q(moderated, "unit__path")
    return Activity.objects.filter(q).select_related("unit", "organiser").order_by("-starts_at", "-pk")


def organise_units(user) -> list[tuple[OrgUnit, bool]]:
    """The street and communities where the user may organise, each with whether an activity there is
    published at once (staff) or waits for the community's approval (residents)."""
    step = OrgUnit.steplen
    direct: dict[str, bool] = {}
    subtrees: list[str] = [""] if getattr(user, "is_superuser", False) else []
    for m in memberships_of(user):
        unit = m.unit
        own = unit.path[:-step] if unit.kind == UnitKind.GRID else unit.path
        if m.role in STAFF_ORGANISER_ROLES:
            if unit.kind in (UnitKind.GRID, UnitKind.COMMUNITY):
                direct[own] = True
            else:
                subtrees.append(unit.path)
        elif m.role in PORTAL_MEMBERS:
            direct.setdefault(own, False)
    q = Q(path__in=list(direct))
    for path in subtrees:
        q |= Q(path__startswith=path)
    units = OrgUnit.objects.filter(q, kind__in=[UnitKind.STREET, UnitKind.COMMUNITY], is_active=True)
    return [
        (unit, direct.get(unit.path, False) or any(unit.path.startswith(p) for p in subtrees))
        for unit in units.defer("boundary").order_by("path")[:200]
    ]


def community_heads(unit: OrgUnit) -> QuerySet:
    from django.contrib.auth import get_user_model

    ids = Membership.objects.filter(unit=unit, role=Role.COMMUNITY_HEAD, is_active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True)


# ---------------------------------------------------------------- activity sharing (活动剪影)


def _street_paths(user) -> list[str]:
    """The streets of the user's places (a community's parent, a grid's grandparent)."""
    if getattr(user, "is_superuser", False):
        return [""]
    levels_below_street = {
        UnitKind.COMMUNITY: 1,
        UnitKind.DEPARTMENT: 1,
        UnitKind.AGENCY: 1,
        UnitKind.GRID: 2,
    }
    paths = set()
    for m in memberships_of(user):
        levels = levels_below_street.get(m.unit.kind, 0)
        paths.add(m.unit.path[: len(m.unit.path) - OrgUnit.steplen * levels])
    return sorted(paths)


def sharing_stream(user, *, now: datetime | None = None) -> QuerySet[Activity]:
    """Past activities of the user's street that have photos to show, newest first."""
    now = now or clock.now()
    if not (user_can(user, "activities.join") or is_staff_member(user)):
        raise Forbidden()
    visible = ActivityPhoto.objects.filter(status=PhotoStatus.VISIBLE)
    return (
        Activity.objects.filter(
            path_q(_street_paths(user), "unit__path"),
            status=ActivityStatus.PUBLISHED,
            is_hidden=False,
            ends_at__lte=now,
            pk__in=visible.values("activity_id"),
        )
        .select_related("unit")
        .prefetch_related(Prefetch("photos", queryset=visible, to_attr="visible_photos"))
        .order_by("-starts_at", "-pk")
    )


def can_read_photo(user, name: str) -> bool:
    """Who may load a photo file: portal members and staff of the street for a shared photo; the
    organiser and the community for one waiting for approval."""
    if not getattr(user, "is_authenticated", False):
        return False
    photo = ActivityPhoto.objects.filter(image=name).select_related("activity__unit").first()
    if photo is None or photo.status == PhotoStatus.HIDDEN:
        return False
    activity = photo.activity
    shared = photo.status == PhotoStatus.VISIBLE and not activity.is_hidden
    if (
        shared
        and (user_can(user, "activities.join") or is_staff_member(user))
        and any(activity.unit.path.startswith(p) for p in _street_paths(user))
    ):
        return True
    return can_manage(user, activity)


# ---------------------------------------------------------------- demand menus


@dataclass(frozen=True)
class DemandScope:
    """What a demand source is asked about: the units looked at (their subtrees), the communities among
    them (for a source that counts per community) and the period."""

    paths: list[str]
    communities: list[OrgUnit]
    since: datetime
    now: datetime


@dataclass(frozen=True)
class DemandSource:
    """One column of the demand menu: `count(scope)` returns a figure per audience code."""

    key: str
    label: str | Promise
    count: Callable[[DemandScope], dict[str, int]]
    hint: str | Promise = ""


# The extension point of the demand menus: other apps (e.g. polls and surveys) append their own
# DemandSource from their AppConfig.ready() with `register_demand_source`; each becomes a column.
DEMAND_SOURCES: list[DemandSource] = []
DEMAND_WINDOW = timedelta(days=365)


def register_demand_source(source: DemandSource) -> None:
    if all(existing.key != source.key for existing in DEMAND_SOURCES):
        DEMAND_SOURCES.append(source)


def _signups_by_audience(scope: DemandScope) -> dict[str, int]:
    rows = (
        ActivitySignup.objects.filter(
            path_q(scope.paths, "activity__unit__path"),
            activity__status=ActivityStatus.PUBLISHED,
            activity__ends_at__lte=scope.now,
            activity__ends_at__gte=scope.since,
        )
        .exclude(status=SignupStatus.CANCELLED)
        .values("activity__audience")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["activity__audience"]: row["n"] for row in rows}


def _suggestions_by_audience(scope: DemandScope) -> dict[str, int]:
    counts = {
        audience: Count("pk", filter=reduce(or_, (Q(description__contains=word) for word in words)))
        for audience, words in KEYWORDS.items()
    }
    return Case.objects.filter(
        path_q(scope.paths, "grid__path"), channel=Channel.SUGGESTION, reported_at__gte=scope.since
    ).aggregate(**counts)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# Service groups (registry) counted for an audience; sensitive groups are never counted.
AUDIENCE_GROUPS = {Audience.DISABLED: ("disabled",)}


def _population_by_audience(scope: DemandScope) -> dict[str, int]:
    today = clock.localdate(scope.now)
    elderly = Q(birth_date__lte=_years_before(today, 60))
    children = Q(birth_date__gt=_years_before(today, 14))
    youth = Q(birth_date__lte=_years_before(today, 14), birth_date__gt=_years_before(today, 36))
    people = Person.objects.filter(path_q(scope.paths, "grid__path"), status=PersonStatus.LIVING)
    counts = people.aggregate(
        all=Count("pk"),
        elderly=Count("pk", filter=elderly),
        youth=Count("pk", filter=youth),
        children=Count("pk", filter=children),
        families=Count("household", filter=children & Q(household__isnull=False), distinct=True),
    )
    for audience, codes in AUDIENCE_GROUPS.items():
        counts[audience] = (
            GroupMembership.objects.filter(
                path_q(scope.paths, "person__grid__path"),
                is_active=True,
                group__code__in=codes,
                group__is_sensitive=False,
                person__status=PersonStatus.LIVING,
            )
            .values("person_id")
            .distinct()
            .count()
        )
    counts[Audience.VOLUNTEERS] = (
        Membership.objects.filter(path_q(scope.paths, "unit__path"), role=Role.VOLUNTEER, is_active=True)
        .values("user_id")
        .distinct()
        .count()
    )
    return counts


register_demand_source(
    DemandSource(
        "signups", _("近一年报名人次"), _signups_by_audience, _("已结束活动的报名人次，按活动面向的人群")
    )
)
register_demand_source(
    DemandSource(
        "suggestions",
        _("意见建议提及"),
        _suggestions_by_audience,
        _("近一年居民意见建议中提到该人群关键词的条数"),
    )
)
register_demand_source(
    DemandSource(
        "population",
        _("辖区人数"),
        _population_by_audience,
        _("登记在住人口：60 岁以上、14–35 岁、14 岁以下、有 14 岁以下孩子的家庭、残疾人群体，及志愿者账号"),
    )
)


def demand_communities(user) -> list[OrgUnit]:
    if not user_can(user, "activities.demand"):
        raise Forbidden()
    paths = [""] if user.is_superuser else scope_paths(user, roles=PERMISSIONS["activities.demand"])
    if not paths:
        raise Forbidden()
    return list(
        OrgUnit.objects.filter(path_q(paths), kind=UnitKind.COMMUNITY, is_active=True)
        .defer("boundary")
        .order_by("code")[:500]
    )


@dataclass
class DemandRow:
    audience: str
    label: str | Promise
    figures: list[int]
    held: int
    ideas: list[Idea] = field(default_factory=list)


@dataclass
class DemandMenu:
    communities: list[OrgUnit]
    community: OrgUnit | None
    sources: list[DemandSource]
    rows: list[DemandRow]
    since: datetime


def demand_menu(*, user, community_id=None, now: datetime | None = None) -> DemandMenu:
    """Per audience: what each source says about it, how many activities it had, and ideas for it."""
    now = now or clock.now()
    communities = demand_communities(user)
    community = None
    if community_id not in (None, ""):
        community = next((c for c in communities if str(c.pk) == str(community_id)), None)
        if community is None:
            raise NotFound()
    elif len(communities) == 1:
        community = communities[0]
    if community is not None:
        paths = [community.path]
    else:
        paths = [""] if user.is_superuser else scope_paths(user, roles=PERMISSIONS["activities.demand"])
    scope = DemandScope(
        paths=paths,
        communities=[community] if community is not None else communities,
        since=now - DEMAND_WINDOW,
        now=now,
    )
    sources = list(DEMAND_SOURCES)
    figures = [source.count(scope) for source in sources]
    held = dict(
        Activity.objects.filter(
            path_q(paths, "unit__path"),
            status=ActivityStatus.PUBLISHED,
            ends_at__lte=now,
            ends_at__gte=scope.since,
        )
        .values_list("audience")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = [
        DemandRow(
            audience=value,
            label=label,
            figures=[int(found.get(value) or 0) for found in figures],
            held=held.get(value, 0),
            ideas=ideas_for(value),
        )
        for value, label in Audience.choices
    ]
    return DemandMenu(
        communities=communities, community=community, sources=sources, rows=rows, since=scope.since
    )
