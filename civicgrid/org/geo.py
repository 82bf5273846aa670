"""Point → grid lookup over the grid polygons (shapely STRtree), rebuilt when boundaries change.

Each process keeps its index — the tree and the grid units themselves — and checks a version before
using it: the units' version in the shared cache, or without one a cheap aggregate (count and last
change of the grid units), so a boundary edited on another machine is seen on the next lookup. A hit
costs that one look-up and no re-read of the grid.
"""

import copy
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections, router
from django.db.models import Count, Max, Value
from shapely import STRtree
from shapely.geometry import Point, shape

from .choices import UnitKind
from .models import OrgUnit
from .selectors import UNITS_VERSION_KEY

_lock = threading.Lock()


@dataclass
class _Index:
    version: tuple
    tree: STRtree
    grids: list[OrgUnit]


_index: _Index | None = None
_version_sql: dict[str, tuple[str, tuple]] = {}


def _grids():
    return OrgUnit.objects.filter(kind=UnitKind.GRID, is_active=True).exclude(boundary=None)


def grids_version() -> tuple:
    """The units' version in the shared cache, which every change of a unit renews
    (org.selectors.units_changed); without a shared cache, count, last change and highest id of the
    grid units. That SQL is built once per database: the ORM takes several times longer to build
    this aggregate than the database to answer it."""
    if settings.SHARED_CACHE:
        return ("units", cache.get(UNITS_VERSION_KEY))
    alias = router.db_for_read(OrgUnit)
    if alias not in _version_sql:
        query = (
            _grids()
            .order_by()
            .values(all=Value(1))  # one group: the whole table
            .annotate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
            .values_list("n", "last", "top")
            .query
        )
        _version_sql[alias] = query.get_compiler(alias).as_sql()
    sql, params = _version_sql[alias]
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())


def _build(version: tuple) -> _Index:
    grids = list(_grids())
    return _Index(version=version, tree=STRtree([shape(g.boundary) for g in grids]), grids=grids)


def grid_for_point(*, lat: float, lng: float) -> OrgUnit | None:
    """Return the active grid whose boundary contains the point, or None when it lies outside all."""
    global _index
    version = grids_version()
    with _lock:
        if _index is None or _index.version != version:
            _index = _build(version)
        index = _index
    for i in index.tree.query(Point(lng, lat), predicate="intersects"):
        # A copy: the caller may change its grid without changing the index.
        return copy.copy(index.grids[int(i)])
    return None
