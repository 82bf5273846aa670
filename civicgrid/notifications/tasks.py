"""Email and SMS delivery (services.deliver). The tasks enqueued on commit are the fast path; the
scan every minute sends whatever they did not (enqueue lost, worker killed, backend down)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from civicgrid.core import clock

from .services import deliver, deliver_owed


@db_task(retries=3, retry_delay=30)
def send_sms(notification_id: int) -> bool:
    """Send the SMS of one message unless it went out already or another worker is sending it."""
    return deliver(notification_id, "sms")


@db_task(retries=3, retry_delay=60)
def send_email(notification_id: int) -> bool:
    """Send the email of one message unless it went out already or another worker is sending it."""
    return deliver(notification_id, "email")


@db_periodic_task(crontab(minute="*"))
@lock_task("notifications-deliver-owed")
def deliver_owed_messages() -> dict:
    """Every minute: send the emails and SMS still owed after the fast path's head start (idempotent)."""
    return deliver_owed(now=clock.now())
