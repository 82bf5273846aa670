"""Scoping: the one place that decides which units, and so which records, a user reaches.

Every later selector starts from `scope_paths(user)` or `units_visible_to(user)`. A membership
reaches its unit's whole subtree (treebeard materialised path), so a grid worker reaches their
grids, a community head their community with its grids, a street leader the whole street.
"""

import hashlib
import uuid
from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet

from civicgrid.core.errors import Forbidden, NotFound

from .choices import STAFF_ROLES, UnitKind
from .models import Membership, OrgUnit
from .permissions import PERMISSIONS

_CACHE_ATTR = "_civicgrid_memberships"


def memberships_of(user) -> list[Membership]:
    """Return the user's active memberships with their units, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, is_active=True, unit__is_active=True)
            .select_related("unit")
            .defer("unit__boundary")  # a polygon, read on every request otherwise
            .order_by("unit__path", "role")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user) -> None:
    """Drop the cached memberships after they changed, on this object and in the shared cache."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    if user.pk is not None:
        forget_signed_in(user.pk)


# The signed-in account with its memberships, kept in the shared cache between requests when
# settings.SHARED_CACHE is on (accounts.selectors.signed_in_user). An entry is dropped when the
# account or one of its memberships changes, and every entry is stale once any unit changes.
SIGNED_IN_KEY = "signed-in:{}"
UNITS_VERSION_KEY = "signed-in:units"


def forget_signed_in(user_id: int) -> None:
    """Drop the account's cached entry now and again when the transaction commits.

    The second drop covers a request that read the old rows and cached them before the commit.
    """
    key = SIGNED_IN_KEY.format(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def units_changed() -> None:
    """Make every cached account stale: a unit's path, name or activity is part of it."""

    def bump():
        cache.set(UNITS_VERSION_KEY, uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def roles_of(user) -> set[str]:
    return {m.role for m in memberships_of(user)}


def roles_at(user, unit: OrgUnit) -> set[str]:
    """Roles the user holds over `unit` (in it or in a unit above it)."""
    return {m.role for m in memberships_of(user) if unit.path.startswith(m.unit.path)}


def is_staff_member(user) -> bool:
    return bool(roles_of(user) & STAFF_ROLES) or getattr(user, "is_superuser", False)


def user_can(user, action: str) -> bool:
    """Whether any of the user's roles allows `action` (see permissions.PERMISSIONS)."""
    if getattr(user, "is_superuser", False):
        return True
    return bool(roles_of(user) & PERMISSIONS[action])


def require(user, action: str) -> None:
    if not user_can(user, action):
        raise Forbidden()


def _minimal_prefixes(paths: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(p) for p in kept):
            kept.append(path)
    return kept


def scope_paths(user, *, roles: Iterable[str] | None = None) -> list[str]:
    """Return the tree paths the user reaches through staff roles (optionally only `roles`)."""
    wanted = set(roles) if roles is not None else STAFF_ROLES
    return _minimal_prefixes(m.unit.path for m in memberships_of(user) if m.role in wanted)


def path_q(paths: list[str], field: str = "path") -> Q:
    """A filter matching any row whose `field` lies under one of `paths`; matches nothing if none."""
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{f"{field}__startswith": p}) for p in paths))


# Reads about the units under some paths, shared by every user with the same places, kept until any
# unit changes (the version of UNITS_VERSION_KEY) or this long at most.
UNITS_KEPT_S = 300


def _under(name: str, paths: list[str], read):
    if not paths:
        return []
    if not settings.SHARED_CACHE:  # a process-local cache would not hear of other processes' changes
        return read()
    key = f"units:{name}:" + hashlib.blake2b("|".join(sorted(paths)).encode(), digest_size=16).hexdigest()
    found = cache.get_many([key, UNITS_VERSION_KEY])
    version, entry = found.get(UNITS_VERSION_KEY), found.get(key)
    if entry is not None and entry[0] == version:
        return entry[1]
    value = read()
    cache.set(key, (version, value), UNITS_KEPT_S)
    return value


def unit_ids_under(paths: list[str]) -> list[int]:
    """Ids of every unit under `paths`, inactive ones included (their records stay in scope)."""
    return _under(
        "ids", paths, lambda: list(OrgUnit.objects.filter(path_q(paths)).values_list("pk", flat=True))
    )


def units_under(paths: list[str], *, kind: str) -> list[tuple[int, str]]:
    """Id and name of the active units of one kind under `paths`, by code (a filter's choices)."""
    return _under(
        f"kind-{kind}",
        paths,
        lambda: list(
            OrgUnit.objects.filter(path_q(paths), kind=kind, is_active=True)
            .order_by("code")
            .values_list("pk", "name")
        ),
    )


def units_visible_to(user) -> QuerySet[OrgUnit]:
    """Units the user may see: the subtrees of their staff memberships (superusers included)."""
    return OrgUnit.objects.filter(path_q(scope_paths(user)), is_active=True)


def access_unit(*, user, unit_id: int) -> OrgUnit:
    """Return the unit if the user may see it; 'not there' and 'not yours' give the same error."""
    try:
        return units_visible_to(user).get(pk=unit_id)
    except (OrgUnit.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def users_visible_to(user) -> QuerySet:
    """Accounts holding an active role in a unit the user sees, and the user themself."""
    User = get_user_model()
    paths = scope_paths(user)
    if not paths:
        return User.objects.filter(pk=user.pk)
    member_ids = Membership.objects.filter(path_q(paths, "unit__path"), is_active=True).values("user_id")
    return User.objects.filter(Q(pk__in=member_ids) | Q(pk=user.pk), is_active=True)


def unit_ancestry(unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors from the root down to the unit itself, in one query."""
    step = OrgUnit.steplen
    prefixes = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
    return list(OrgUnit.objects.filter(path__in=prefixes).order_by("depth"))


def children_of(*, user, unit: OrgUnit) -> QuerySet[OrgUnit]:
    return units_visible_to(user).filter(path__startswith=unit.path, depth=unit.depth + 1).order_by("code")


def unit_counts(*, user) -> dict[str, int]:
    """How many units of each kind the user reaches."""
    from django.db.models import Count

    rows = units_visible_to(user).order_by().values("kind").annotate(n=Count("id"))
    counts = dict.fromkeys(UnitKind.values, 0)
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def members_of(*, user, unit: OrgUnit) -> QuerySet[Membership]:
    """Active memberships held directly in `unit`, if the user may see it."""
    if not units_visible_to(user).filter(pk=unit.pk).exists():
        raise NotFound()
    return (
        Membership.objects.filter(unit=unit, is_active=True, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


def ancestor_of_kind(unit: OrgUnit, kind: str) -> OrgUnit | None:
    """The nearest unit of `kind` above (or at) `unit`, whatever the depth of the tree."""
    step = OrgUnit.steplen
    prefixes = [unit.path[:i] for i in range(step, len(unit.path) + 1, step)]
    return OrgUnit.objects.filter(path__in=prefixes, kind=kind).order_by("-depth").first()
