"""The cockpit's panels of an area and month: computed by the selectors, and for an area whose panels
take long to compute, kept as a snapshot served for a short while (docs/decisions/0010)."""

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import translation

from civicgrid.org.models import OrgUnit

from . import selectors
from .models import Snapshot
from .selectors import Month

# A snapshot's reading time is written at most this often (a page view is not a write each time).
READ_MARK_S = 60
# The periodic refresh keeps the snapshots read this recently, once they are this old.
WATCHED = timedelta(minutes=10)
REFRESH_AFTER = timedelta(seconds=60)


def compute_panels(area: OrgUnit | None, month: Month, now: datetime) -> dict:
    """Every panel of the area's cockpit that is the same for all its readers (scores are not: they
    are added per reader), in plain JSON values, labels in the active language."""
    open_cases = selectors.open_tally(area, now)
    return {
        "counts": selectors.figures(area=area, month=month, now=now, open_cases=open_cases),
        "open_by": {
            field: selectors.open_by(area=area, field=field, open_cases=open_cases)
            for field in selectors.BREAKDOWNS
        },
        "times": selectors.times(area=area, month=month),
        "trends": selectors.trends(area=area, month=month),
        "returns": selectors.returns_by_holder(area=area, month=month),
        "disputes": selectors.disputes(area=area, month=month, open_cases=open_cases),
        "warnings": selectors.warnings(area=area, open_cases=open_cases),
        "grids": selectors.grid_map(area=area, now=now, open_cases=open_cases),
    }


def _store(
    area: OrgUnit, month: Month, language: str, now: datetime, panels: dict, took_ms: int, read_at: datetime
) -> None:
    """Write the snapshot in one statement (two requests computing it at once both succeed)."""
    Snapshot.objects.bulk_create(
        [
            Snapshot(
                area=area,
                month=month.start.date(),
                language=language,
                computed_at=now,
                took_ms=took_ms,
                read_at=read_at,
                panels=panels,
            )
        ],
        update_conflicts=True,
        unique_fields=["area", "month", "language"],
        update_fields=["computed_at", "took_ms", "read_at", "panels"],
    )


def _timed(area: OrgUnit | None, month: Month, now: datetime) -> tuple[dict, int]:
    started = time.perf_counter()
    panels = compute_panels(area, month, now)
    return panels, round((time.perf_counter() - started) * 1000)


def area_panels(area: OrgUnit | None, month: Month, now: datetime) -> tuple[dict, datetime | None]:
    """The panels, and the moment they were computed when they are (or now become) a snapshot (None:
    computed live, as always for this area). A snapshot is served while it is younger than
    COCKPIT_SNAPSHOT_MAX_AGE; otherwise the panels are computed, and kept when that took at least
    COCKPIT_SNAPSHOT_MIN_MS."""
    if area is None:
        return compute_panels(area, month, now), None
    language = translation.get_language() or settings.LANGUAGE_CODE
    found = Snapshot.objects.filter(area=area, month=month.start.date(), language=language).first()
    if (
        found is not None
        and now - timedelta(seconds=settings.COCKPIT_SNAPSHOT_MAX_AGE) < found.computed_at <= now
    ):
        if (now - found.read_at).total_seconds() >= READ_MARK_S:
            Snapshot.objects.filter(pk=found.pk).update(read_at=now)
        return found.panels, found.computed_at
    panels, took_ms = _timed(area, month, now)
    if took_ms >= settings.COCKPIT_SNAPSHOT_MIN_MS:
        _store(area, month, language, now, panels, took_ms, read_at=now)
        return panels, now
    if found is not None:
        found.delete()  # cheap again: computed live from now on
    return panels, None


def refresh_snapshots(now: datetime) -> int:
    """Compute again the snapshots someone read in the last ten minutes that are a minute old or
    more, so that a screen left open never waits for them. Returns how many were refreshed."""
    due = Snapshot.objects.filter(read_at__gte=now - WATCHED, computed_at__lte=now - REFRESH_AFTER)
    refreshed = 0
    for snapshot in due.select_related("area").order_by("pk"):
        month = Month(snapshot.month.year, snapshot.month.month)
        with translation.override(snapshot.language):
            panels, took_ms = _timed(snapshot.area, month, now)
        _store(snapshot.area, month, snapshot.language, now, panels, took_ms, read_at=snapshot.read_at)
        refreshed += 1
    return refreshed
