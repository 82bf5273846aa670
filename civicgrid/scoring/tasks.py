from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from civicgrid.core import clock

from .services import close_due_periods


@db_periodic_task(crontab(minute="17"))
@lock_task("scoring-close")
def close_scoring_periods() -> dict:
    """Every hour: close each scheme's ended periods (idempotent; catches up on missed runs)."""
    return close_due_periods(now=clock.now())
