"""Time limits: adding hours (or working hours) to a moment, and the light of a case now.

Working-day mode counts whole working days: a day counts when it is a weekday, unless the
calendar marks it a holiday, or when the calendar marks it a make-up workday (调休). The calendar
is data (CalendarDay), seeded from chinesecalendar where that package knows the year, because
each year's schedule is published only late in the year before.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from .choices import HELD_STATUSES, CaseStatus, Light
from .models import CalendarDay, SlaPolicy

DAY = timedelta(days=1)


_preloaded: ContextVar[dict | None] = ContextVar("civicgrid_calendar", default=None)


@contextmanager
def preloaded_calendar():
    """Read the calendar once for a whole batch (the sweep) instead of once per deadline."""
    token = _preloaded.set(dict(CalendarDay.objects.values_list("date", "is_workday")))
    try:
        yield
    finally:
        _preloaded.reset(token)


class WorkCalendar:
    """Which days are workdays, read once per use from CalendarDay overrides."""

    def __init__(self, start: date, end: date):
        preloaded = _preloaded.get()
        if preloaded is not None:
            self.overrides = preloaded
            return
        self.overrides = dict(
            CalendarDay.objects.filter(
                date__gte=start - timedelta(days=7), date__lte=end + timedelta(days=60)
            ).values_list("date", "is_workday")
        )

    def is_workday(self, day: date) -> bool:
        return self.overrides.get(day, day.weekday() < 5)


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def add_hours(start: datetime, hours: Decimal | float, *, working_days: bool) -> datetime:
    """The moment `hours` after `start`, skipping non-working days in working-day mode."""
    remaining = timedelta(hours=float(hours))
    if not working_days:
        return start + remaining
    current = _local(start)
    calendar = WorkCalendar(current.date(), current.date() + timedelta(days=int(remaining / DAY) * 3 + 30))
    while True:
        day_end = datetime.combine(current.date() + DAY, time.min, tzinfo=current.tzinfo)
        if calendar.is_workday(current.date()):
            available = day_end - current
            if remaining <= available:
                return current + remaining
            remaining -= available
        current = day_end


def working_between(start: datetime, end: datetime, *, working_days: bool) -> timedelta:
    """How much (working) time passes from `start` to `end`."""
    if end <= start:
        return timedelta(0)
    if not working_days:
        return end - start
    current, end = _local(start), _local(end)
    calendar = WorkCalendar(current.date(), end.date())
    total = timedelta(0)
    while current < end:
        day_end = min(datetime.combine(current.date() + DAY, time.min, tzinfo=current.tzinfo), end)
        if calendar.is_workday(current.date()):
            total += day_end - current
        current = day_end
    return total


def yellow_moment(start: datetime, due: datetime, policy: SlaPolicy, *, working: bool = False) -> datetime:
    """When `yellow_ratio` of the time from start to due is used up."""
    span = working_between(start, due, working_days=working)
    hours = span.total_seconds() / 3600 * float(policy.yellow_ratio)
    return add_hours(start, hours, working_days=working)


def stage(start: datetime, due: datetime | None, policy: SlaPolicy, *, working: bool = False) -> dict:
    """The columns of the running deadline (`working`: it is counted in working days). A new
    deadline gets its own yellow warning."""
    if due is None:
        return {"stage_started_at": None, "stage_due_at": None, "stage_yellow_at": None}
    yellow = yellow_moment(start, due, policy, working=working)
    return {
        "stage_started_at": start,
        "stage_due_at": due,
        "stage_yellow_at": yellow,
        "yellow_notified_at": None,
    }


def light(case, now: datetime) -> str:
    """Green while on time, yellow when close, red when overdue — and red stays until the case is done."""
    if case.status in (CaseStatus.CLOSED, CaseStatus.MERGED):
        return Light.NONE
    if case.red_at is not None:
        return Light.RED
    if case.paused_at is not None:
        return Light.PAUSED
    if case.stage_due_at is None:
        return Light.GREEN
    if now >= case.stage_due_at:
        return Light.RED
    if case.stage_yellow_at is not None and now >= case.stage_yellow_at:
        return Light.YELLOW
    return Light.GREEN


def time_left(case, now: datetime) -> timedelta | None:
    if (
        case.stage_due_at is None
        or case.paused_at is not None
        or case.status not in {*HELD_STATUSES, CaseStatus.AWAITING_CLAIM}
    ):
        return None
    return case.stage_due_at - now


def seed_calendar(year: int) -> int:
    """Copy a year's holidays and make-up workdays from chinesecalendar; returns how many days differ."""
    import chinese_calendar

    day, end, written = date(year, 1, 1), date(year, 12, 31), 0
    while day <= end:
        try:
            workday = chinese_calendar.is_workday(day)
        except NotImplementedError:
            return written
        if workday != (day.weekday() < 5):
            detail = chinese_calendar.get_holiday_detail(day)[1] or ""
            CalendarDay.objects.update_or_create(
                date=day, defaults={"is_workday": workday, "note": str(detail)[:40]}
            )
            written += 1
        day += DAY
    return written


def calendar_known(year: int) -> bool:
    """Whether the year's official schedule is in the calendar (admins are warned when it is not)."""
    return CalendarDay.objects.filter(date__year=year).exists()
