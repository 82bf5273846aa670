"""Notifying people: inbox rows are written in the caller's transaction, in one insert per batch;
email and SMS go out after commit. A message key is unique, so nothing is ever written twice.

Delivery is an outbox (at least once): the insert itself records what each row owes (`email_due`,
`sms_due`), and a channel counts as done only once `*_sent_at` is stamped, after the backend returned.
The fast path enqueues `send_email` / `send_sms` on commit; should that enqueue be lost (the process
died after the commit) or the worker be killed mid-send, the periodic `deliver_owed` sends what is
still owed. Whoever sends first takes a lease with one conditional UPDATE (`_claim`), so two workers
never send the same message at once; a send that outlives the lease may, rarely, go out twice."""

import itertools
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from civicgrid.accounts.navigation import forget_panels
from civicgrid.core import clock

from .backends import deliver_email, sms_backend
from .models import Notification

logger = logging.getLogger("civicgrid.notifications")

CHANNELS = ("email", "sms")
# A sender that has not stamped its message by then is presumed dead: well above a gateway's timeout.
LEASE = timedelta(minutes=5)
# The fast path's head start: the scan leaves younger messages to the tasks enqueued on commit.
GRACE = timedelta(minutes=2)
# Older than this and still unsent: stale news, and a sign the address or gateway is broken: give up.
GIVE_UP = timedelta(hours=24)
SCAN_BATCH = 500  # messages per channel per scan run (the rest wait a minute)
SCAN_BUDGET = 45.0  # seconds of sending per scan run, so one run ends before the next is due


class DeliveryFailed(Exception):
    """The backend raised. The message names the notification and the error's class only: the
    backend's own text may carry the address, so it never reaches the log or the task's result."""


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
                email_due=bool(getattr(m.user, "email", "")),
                sms_due=bool(m.sms and getattr(m.user, "phone", "")),
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


def owed(channel: str) -> Q:
    """The messages that still owe `channel` (the condition of the index notification_<channel>_owed)."""
    return Q(
        **{f"{channel}_due": True, f"{channel}_sent_at__isnull": True}, delivery_given_up_at__isnull=True
    )


def _unclaimed(channel: str, now: datetime) -> Q:
    return Q(**{f"{channel}_claimed_until__isnull": True}) | Q(**{f"{channel}_claimed_until__lte": now})


def _claim(notification_id: int, channel: str) -> datetime | None:
    """Take the lease on one message's `channel` if it is still owed and nobody holds a live lease:
    one conditional UPDATE, so of two workers exactly one wins. Returns the lease's end, or None."""
    now = clock.now()
    until = now + LEASE
    won = Notification.objects.filter(owed(channel), _unclaimed(channel, now), pk=notification_id).update(
        **{f"{channel}_claimed_until": until}
    )
    return until if won else None


def deliver(notification_id: int, channel: str, *, retry_in: timedelta = timedelta(0)) -> bool:
    """Send one message's email or SMS if it is still owed and not being sent; return whether this
    call sent it. When the backend raises, the lease is cut to end `retry_in` from now (0: Huey's
    retry may claim at once; the scan backs off) and DeliveryFailed is raised."""
    until = _claim(notification_id, channel)
    if until is None:
        return False
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None:  # deleted since (the user was)
        return False
    mine = Notification.objects.filter(pk=notification_id, **{f"{channel}_claimed_until": until})
    user = notification.user
    address = user.email if channel == "email" else user.phone
    if not address:  # the person removed the address since: nothing is owed any more
        mine.update(**{f"{channel}_due": False})
        return False
    try:
        if channel == "email":
            deliver_email(address=address, subject=notification.title, body=notification.body)
        else:
            sms_backend().send(address, f"{notification.title} {notification.body}"[:300])
    except Exception as exc:
        mine.update(**{f"{channel}_claimed_until": clock.now() + retry_in})
        logger.warning("%s of notification %s failed: %s", channel, notification_id, type(exc).__name__)
        raise DeliveryFailed(f"{channel} of notification {notification_id}: {type(exc).__name__}") from None
    Notification.objects.filter(pk=notification_id, **{f"{channel}_sent_at__isnull": True}).update(
        **{f"{channel}_sent_at": clock.now()}
    )
    return True


def _give_up(now: datetime) -> int:
    """Mark the messages still owed after GIVE_UP as given up, logging each once (ids, never addresses)."""
    stale = {
        channel: list(
            Notification.objects.filter(owed(channel), created_at__lte=now - GIVE_UP)
            .order_by("created_at")
            .values_list("pk", flat=True)[:SCAN_BATCH]
        )
        for channel in CHANNELS
    }
    ids = {pk for pks in stale.values() for pk in pks}
    if not ids:
        return 0
    marked = Notification.objects.filter(pk__in=ids, delivery_given_up_at__isnull=True).update(
        delivery_given_up_at=now
    )
    logger.warning(
        "Gave up delivering %d message(s) unsent after %s: email %s, sms %s",
        marked,
        GIVE_UP,
        stale["email"],
        stale["sms"],
    )
    return marked


def deliver_owed(*, now: datetime | None = None, budget: float = SCAN_BUDGET) -> dict:
    """The outbox scan (every minute, idempotent): send what is owed, older than GRACE, younger than
    GIVE_UP and not under a live lease, oldest first, the channels taking turns, for at most `budget`
    seconds; give up on what is older. A failure backs the message off for a LEASE."""
    now = now or clock.now()
    done = {"email": 0, "sms": 0, "failed": 0, "given_up": _give_up(now)}
    due = {
        channel: list(
            Notification.objects.filter(
                owed(channel),
                _unclaimed(channel, now),
                created_at__gt=now - GIVE_UP,
                created_at__lte=now - GRACE,
            )
            .order_by("created_at")
            .values_list("pk", flat=True)[:SCAN_BATCH]
        )
        for channel in CHANNELS
    }
    deadline = time.monotonic() + budget
    turns = itertools.zip_longest(*([(pk, channel) for pk in due[channel]] for channel in CHANNELS))
    for notification_id, channel in filter(None, itertools.chain.from_iterable(turns)):
        if time.monotonic() > deadline:
            break
        try:
            done[channel] += deliver(notification_id, channel, retry_in=LEASE)
        except DeliveryFailed:
            done["failed"] += 1
    return done
