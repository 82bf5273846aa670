import socket

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import clock
from .models import WorkerHeartbeat


@db_periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    """Record that a task worker is alive (idempotent: one row per host)."""
    WorkerHeartbeat.objects.update_or_create(name=socket.gethostname(), defaults={"seen_at": clock.now()})
