from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from civicgrid.core import clock

from .services import expire_undecided


@db_periodic_task(crontab(minute="*/5"))
@lock_task("bookings-expire")
def expire_undecided_bookings() -> int:
    """Every five minutes: pending bookings whose time has begun are refused as expired (idempotent)."""
    return expire_undecided(now=clock.now())
