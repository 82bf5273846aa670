"""The one clock of the platform, so tests can move time with time-machine."""

from datetime import date, datetime, time

from django.utils import timezone


def now() -> datetime:
    """Return the current aware time."""
    return timezone.now()


def today() -> date:
    """Today's date in the platform's time zone (Asia/Shanghai)."""
    return timezone.localdate(now())


def localdate(moment: datetime) -> date:
    return timezone.localdate(moment)


def make_aware_date(day: date) -> datetime:
    """The first moment of `day` in the platform's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))
