from datetime import timedelta

from . import clock
from .models import WorkerHeartbeat

HEARTBEAT_STALE_AFTER = timedelta(minutes=3)


def worker_status() -> dict:
    """The newest worker heartbeat and whether it is recent enough to call the worker alive."""
    beat = WorkerHeartbeat.objects.order_by("-seen_at").first()
    if beat is None:
        return {"alive": False, "seen_at": None}
    return {"alive": clock.now() - beat.seen_at < HEARTBEAT_STALE_AFTER, "seen_at": beat.seen_at}
