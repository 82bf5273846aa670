"""The one clock of the platform, so tests can move time with time-machine."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """Return the current aware time."""
    return timezone.now()
