from huey.contrib.djhuey import db_task

from .backends import deliver_email, sms_backend
from .models import Notification


@db_task(retries=3, retry_delay=30)
def send_sms(notification_id: int) -> None:
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is not None and notification.user.phone:
        sms_backend().send(notification.user.phone, f"{notification.title} {notification.body}"[:300])


@db_task(retries=3, retry_delay=60)
def send_email(notification_id: int) -> None:
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is not None and notification.user.email:
        deliver_email(address=notification.user.email, subject=notification.title, body=notification.body)
