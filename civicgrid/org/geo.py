"""Point → grid lookup over the grid polygons (shapely STRtree), rebuilt when boundaries change.

Each process keeps its index and checks one cheap aggregate (count and last change of the grid
units) before using it, so a boundary edited on another machine is seen on the next lookup.
"""

import threading
from dataclasses import dataclass

from django.db.models import Count, Max
from shapely import STRtree
from shapely.geometry import Point, shape

from .choices import UnitKind
from .models import OrgUnit

_lock = threading.Lock()


@dataclass
class _Index:
    version: tuple
    tree: STRtree
    ids: list[int]


_index: _Index | None = None


def _grids():
    return OrgUnit.objects.filter(kind=UnitKind.GRID, is_active=True).exclude(boundary=None)


def _version() -> tuple:
    row = _grids().aggregate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
    return row["n"], row["last"], row["top"]


def _build(version: tuple) -> _Index:
    ids, geometries = [], []
    for pk, boundary in _grids().values_list("pk", "boundary"):
        ids.append(pk)
        geometries.append(shape(boundary))
    return _Index(version=version, tree=STRtree(geometries), ids=ids)


def grid_for_point(*, lat: float, lng: float) -> OrgUnit | None:
    """Return the active grid whose boundary contains the point, or None when it lies outside all."""
    global _index
    version = _version()
    with _lock:
        if _index is None or _index.version != version:
            _index = _build(version)
        index = _index
    if not index.ids:
        return None
    for i in index.tree.query(Point(lng, lat), predicate="intersects"):
        return OrgUnit.objects.filter(pk=index.ids[int(i)]).first()
    return None
