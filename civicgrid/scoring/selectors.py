"""Scoring reads, scoped to the user: the schemes they reach and the rankings rows their role shows."""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Q, Sum

from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.org.selectors import scope_paths, user_can

from .choices import PeriodStatus, TargetKind
from .models import ScoreEntry, ScorePeriod, ScoreScheme

# Roles that see every target under their places; grid staff see their own grid and themselves only.
WIDE_ROLES = frozenset({Role.COMMUNITY_HEAD, Role.SUPERVISOR, Role.STREET_LEADER, Role.PLATFORM_ADMIN})
OWN_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_ASSISTANT})


@dataclass
class Row:
    rank: int
    name: str
    unit_id: int
    unit_name: str
    user_id: int | None
    score: Decimal
    bonus: Decimal = Decimal(0)
    deduction: Decimal = Decimal(0)
    path: str = field(default="", repr=False)


@dataclass
class Ranking:
    scheme: ScoreScheme | None
    year: int
    month: int | None
    closed: bool
    rows: list[Row]
    total: int  # targets ranked, of which `rows` are the ones the user may see


def schemes_visible_to(user):
    """Active schemes over an area the user reaches (or inside it)."""
    if not user_can(user, "scoring.view"):
        raise Forbidden()
    schemes = ScoreScheme.objects.filter(is_active=True).select_related("area")
    if getattr(user, "is_superuser", False):
        return schemes
    paths = scope_paths(user, roles=WIDE_ROLES | OWN_ROLES)
    if not paths:
        return schemes.none()
    near = Q()
    for p in paths:
        # The area lies under one of the user's places, or one of the places lies in the area.
        near |= Q(area__path__startswith=p)
        near |= Q(area__path__in=[p[:n] for n in range(OrgUnit.steplen, len(p) + 1, OrgUnit.steplen)])
    return schemes.filter(near)


def access_scheme(*, user, scheme_id: int) -> ScoreScheme:
    scheme = schemes_visible_to(user).filter(pk=scheme_id).first()
    if scheme is None:
        raise NotFound()
    return scheme


def _population(scheme: ScoreScheme) -> list[Row]:
    area = scheme.area.path
    if scheme.target_kind == TargetKind.WORKER:
        users = get_user_model().objects
        members = (
            Membership.objects.filter(
                unit__path__startswith=area, unit__kind=UnitKind.GRID, role=Role.GRID_WORKER, is_active=True
            )
            .select_related("unit")
            .only("user_id", "unit__name", "unit__path")
        )
        names = dict(users.filter(pk__in=[m.user_id for m in members]).values_list("pk", "full_name"))
        return [
            Row(
                0,
                names.get(m.user_id, ""),
                m.unit_id,
                m.unit.name,
                m.user_id,
                scheme.base_score,
                path=m.unit.path,
            )
            for m in members
        ]
    kind = UnitKind.GRID if scheme.target_kind == TargetKind.GRID else UnitKind.COMMUNITY
    units = OrgUnit.objects.filter(path__startswith=area, kind=kind, is_active=True).values_list(
        "pk", "name", "path"
    )
    return [Row(0, name, pk, name, None, scheme.base_score, path=path) for pk, name, path in units]


def _visible(user, rows: list[Row]) -> list[Row]:
    if getattr(user, "is_superuser", False):
        return rows
    wide = scope_paths(user, roles=WIDE_ROLES)
    own = scope_paths(user, roles=OWN_ROLES)
    return [
        r
        for r in rows
        if any(r.path.startswith(p) for p in wide)
        or (r.user_id is None and any(r.path.startswith(p) for p in own))
        or (r.user_id is not None and r.user_id == user.pk)
    ]


CLOSED_SUMS_KEPT_S = 24 * 3600


def _sums(scheme: ScoreScheme, periods, closed: list | None) -> dict[tuple[int, int | None], Any]:
    """Bonus and deduction of each target over the periods. Closed periods are frozen (entries are
    never changed, and corrections go to an open period), so their sums are kept, keyed by the
    periods and the moments they were closed."""
    key = None
    if closed is not None:
        key = (
            "scoring:sums:" + hashlib.blake2b(repr((scheme.pk, closed)).encode(), digest_size=16).hexdigest()
        )
        kept = cache.get(key)
        if kept is not None:
            return kept
    sums = (
        ScoreEntry.objects.filter(scheme=scheme, period__in=periods)
        .values("unit_id", "user_id")
        .annotate(
            bonus=Sum("points", filter=Q(points__gt=0), default=Decimal(0)),
            deduction=Sum("points", filter=Q(points__lt=0), default=Decimal(0)),
        )
        .order_by()
    )
    by_target = {(s["unit_id"], s["user_id"]): s for s in sums}
    if key is not None:
        cache.set(key, by_target, CLOSED_SUMS_KEPT_S)
    return by_target


def ranking(*, user, scheme: ScoreScheme | None, year: int, month: int | None = None) -> Ranking:
    """Base score plus the entries of the periods starting in the month (or year), ranked highest first."""
    if scheme is None:
        return Ranking(None, year, month, False, [], 0)
    start = date(year, month or 1, 1)
    end = date(year + (month or 12) // 12, (month or 12) % 12 + 1, 1)
    periods = ScorePeriod.objects.filter(scheme=scheme, starts_on__gte=start, starts_on__lt=end)
    closing = list(periods.order_by("pk").values_list("pk", "status", "closed_at"))
    closed = bool(closing) and all(status != PeriodStatus.OPEN for _pk, status, _at in closing)
    by_target = _sums(scheme, periods, closing if closed else None)
    rows = _population(scheme)
    for row in rows:
        s = by_target.get((row.unit_id, row.user_id))
        if s:
            row.bonus, row.deduction = s["bonus"], s["deduction"]
            row.score = scheme.base_score + row.bonus + row.deduction
    rows.sort(key=lambda r: (-r.score, r.path, r.user_id or 0))
    for i, row in enumerate(rows):
        row.rank = rows[i - 1].rank if i and rows[i - 1].score == row.score else i + 1
    return Ranking(scheme, year, month, closed, _visible(user, rows), len(rows))


ENTRY_LIMIT = 500


def entries_visible(*, user, ranking: Ranking, unit_id: int | None = None, user_id: int | None = None):
    """The ledger lines behind the ranking's visible rows (optionally one row), newest first."""
    if ranking.scheme is None:
        return ScoreEntry.objects.none()
    year, month = ranking.year, ranking.month
    start = date(year, month or 1, 1)
    end = date(year + (month or 12) // 12, (month or 12) % 12 + 1, 1)
    targets = [
        (r.unit_id, r.user_id)
        for r in ranking.rows
        if (unit_id is None or r.unit_id == unit_id) and (user_id is None or r.user_id == user_id)
    ]
    if not targets:
        return ScoreEntry.objects.none()
    match = Q()
    for unit, person in targets:
        match |= Q(unit_id=unit, user_id=person) if person else Q(unit_id=unit, user__isnull=True)
    return (
        ScoreEntry.objects.filter(
            match, scheme=ranking.scheme, period__starts_on__gte=start, period__starts_on__lt=end
        )
        .select_related("rule", "period", "case", "unit")
        .order_by("-period__starts_on", "-id")[:ENTRY_LIMIT]
    )
