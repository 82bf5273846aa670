"""Notifying people: inbox rows are written in the caller's transaction, in one insert per batch;
email and SMS go out after commit. A message key is unique, so nothing is ever sent twice."""

from dataclasses import dataclass

from django.db import transaction

from civicgrid.accounts.navigation import forget_panels
from civicgrid.core import clock

from .models import Notification


@dataclass
class Message:
    user: object
    kind: str
    title: str
    key: str
    body: str = ""
    url: str = ""
    sms: bool = False


def bulk_notify(messages: list[Message], *, exact: bool = False) -> int:
    """Write the messages whose key is new (e-mail and SMS only for those); return how many were
    written, or offered when none needs delivery beyond the inbox."""
    if not messages:
        return 0
    now = clock.now()
    unique = {m.key[:200]: m for m in messages}
    Notification.objects.bulk_create(
        [
            Notification(
                user=m.user,
                kind=m.kind,
                title=m.title[:200],
                body=m.body,
                url=m.url[:300],
                key=key,
                created_at=now,
            )
            for key, m in unique.items()
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    forget_panels(m.user.pk for m in unique.values())
    deliverable = [
        key
        for key, m in unique.items()
        if getattr(m.user, "email", "") or (m.sms and getattr(m.user, "phone", ""))
    ]
    if not deliverable and not exact:
        return len(unique)  # nothing goes beyond the inbox: no need to learn which rows were new
    # The rows carrying exactly this moment are the ones this call wrote (the others existed already).
    wanted = list(unique) if exact else deliverable
    new = list(Notification.objects.filter(key__in=wanted, created_at=now).values_list("pk", "key"))
    emails = [pk for pk, key in new if getattr(unique[key].user, "email", "")]
    texts = [pk for pk, key in new if unique[key].sms and getattr(unique[key].user, "phone", "")]
    if emails or texts:
        from .tasks import send_email, send_sms

        def deliver():
            for pk in emails:
                send_email(pk)
            for pk in texts:
                send_sms(pk)

        transaction.on_commit(deliver)
    return len(new)


def notify(
    *, user, kind: str, title: str, key: str, body: str = "", url: str = "", sms: bool = False
) -> bool:
    """Put one message in `user`'s inbox once per `key`; return False when it was already there."""
    return (
        bulk_notify(
            [Message(user=user, kind=kind, title=title, key=key, body=body, url=url, sms=sms)], exact=True
        )
        == 1
    )


def notification_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's messages read; returns how many changed."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    changed = unread.update(read_at=clock.now())
    if changed:
        forget_panels([user.pk])
    return changed
