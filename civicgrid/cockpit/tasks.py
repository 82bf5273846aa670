from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from civicgrid.core import clock

from . import services


@db_periodic_task(crontab(minute="*"))
@lock_task("cockpit-snapshots")
def refresh_snapshots() -> int:
    """Every minute: compute again the cockpit snapshots someone is looking at (docs/decisions/0010)."""
    return services.refresh_snapshots(clock.now())
