"""Webhook tasks. The deliveries enqueued on commit are the fast path; the two scans every minute
make what the fan-out owes and send whatever is due (retries, lost enqueues, killed workers)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from civicgrid.core import clock

from .services import deliver, deliver_due, fan_out


@db_task()
def deliver_webhook(delivery_id: int) -> str | None:
    """One attempt at one delivery, unless it is not due or another worker is at it (retries are
    scheduled on the row, not by Huey: the scan picks them up)."""
    return deliver(delivery_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("webhooks-fan-out")
def fan_out_webhooks() -> int:
    """Every minute: make the deliveries of the case events written since the last run (idempotent)."""
    return fan_out(now=clock.now())


@db_periodic_task(crontab(minute="*"))
@lock_task("webhooks-deliver-due")
def deliver_due_webhooks() -> dict:
    """Every minute: send the deliveries due and not under a live lease (idempotent)."""
    return deliver_due(now=clock.now())
