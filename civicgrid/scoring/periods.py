"""Period arithmetic: a period is [starts_on, ends_on) in local dates."""

from datetime import date, datetime

from civicgrid.core import clock

from .choices import PeriodKind

MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_bounds(kind: str, day: date) -> tuple[date, date]:
    """Return the first day of the period holding `day` and the first day of the next one."""
    step = MONTHS[PeriodKind(kind)]
    first_month = (day.month - 1) // step * step + 1
    start = date(day.year, first_month, 1)
    return start, _add_months(start, step)


def instants(start: date, end: date) -> tuple[datetime, datetime]:
    """The period as aware moments in the platform's time zone."""
    return clock.make_aware_date(start), clock.make_aware_date(end)
