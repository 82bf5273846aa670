from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, lock_task

from civicgrid.core import clock

from .sweep import sweep


@db_periodic_task(crontab(minute="*"))
@lock_task("cases-sweep")
def sweep_cases() -> dict:
    """Every minute: dispatch overdue claims, send yellow and red lights (idempotent)."""
    return sweep(now=clock.now())


__all__ = ["HUEY", "sweep_cases"]
