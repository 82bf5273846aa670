"""Notifying people: the inbox row is written in the caller's transaction; email/SMS go after commit."""

from django.db import IntegrityError, transaction

from civicgrid.core import clock

from .models import Notification


def notify(
    *, user, kind: str, title: str, key: str, body: str = "", url: str = "", sms: bool = False
) -> bool:
    """Put a message in `user`'s inbox once per `key`; return False when it was already there."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                user=user,
                kind=kind,
                title=title[:200],
                body=body,
                url=url[:300],
                key=key[:200],
                created_at=clock.now(),
            )
    except IntegrityError:
        return False
    from .tasks import send_email, send_sms

    if getattr(user, "email", ""):
        transaction.on_commit(lambda: send_email(notification.pk))
    if sms and getattr(user, "phone", ""):
        transaction.on_commit(lambda: send_sms(notification.pk))
    return True


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's messages read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=clock.now())
