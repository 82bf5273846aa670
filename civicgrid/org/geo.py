"""Point → grid lookup over the grid polygons (shapely STRtree), rebuilt when boundaries change."""

import threading
from dataclasses import dataclass

from django.core.cache import cache
from shapely import STRtree
from shapely.geometry import Point, shape

from .choices import UnitKind
from .models import OrgUnit

_VERSION_KEY = "org:grid-geometry-version"
_lock = threading.Lock()


@dataclass
class _Index:
    version: int
    tree: STRtree
    ids: list[int]
    geometries: list


_index: _Index | None = None


def geometry_changed() -> None:
    """Tell every process that grid boundaries changed; each rebuilds its index on next use."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 1, timeout=None)


def _current_version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        cache.add(_VERSION_KEY, 1, timeout=None)
        version = cache.get(_VERSION_KEY, 1)
    return int(version)


def _build(version: int) -> _Index:
    ids, geometries = [], []
    for pk, boundary in (
        OrgUnit.objects.filter(kind=UnitKind.GRID, is_active=True)
        .exclude(boundary=None)
        .values_list("pk", "boundary")
    ):
        ids.append(pk)
        geometries.append(shape(boundary))
    return _Index(version=version, tree=STRtree(geometries), ids=ids, geometries=geometries)


def grid_for_point(*, lat: float, lng: float) -> OrgUnit | None:
    """Return the active grid whose boundary contains the point, or None when it lies outside all."""
    global _index
    version = _current_version()
    with _lock:
        if _index is None or _index.version != version:
            _index = _build(version)
        index = _index
    if not index.ids:
        return None
    point = Point(lng, lat)
    for i in index.tree.query(point, predicate="intersects"):
        return OrgUnit.objects.get(pk=index.ids[int(i)])
    return None
