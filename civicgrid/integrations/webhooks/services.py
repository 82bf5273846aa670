"""Webhooks: subscriptions, the fan-out of case events to deliveries, delivery with retries, replay.

Fan-out. Timeline rows (`CaseEvent`) are read by id from a cursor (`WebhookCursor`, one row), never
from signals: the deadline sweep writes its rows in bulk with INSERT … SELECT. Each run takes the
cursor with one compare-and-set UPDATE (on PostgreSQL that UPDATE also locks the row until commit,
so a second worker waits and then finds the version moved: it does nothing), reads the next ids,
makes the deliveries in one bulk insert that ignores conflicts (unique subscription + event) and moves
the cursor, all in one transaction: killed half way, nothing moved and the next run does it all.
PostgreSQL takes an id when a row is inserted but shows the row only when its transaction commits,
so an id below one already read may still appear: such gaps are kept as `holes` and looked for again
on every run until they appear or `HOLE_TTL` passes (rolled back, or the case was deleted).

Delivery. An outbox: each row is due at `next_attempt_at`; whoever sends takes a lease with one
conditional UPDATE (`_claim`, which also counts the attempt), so two workers never send the same row
at once. The fast path enqueues `deliver_webhook` on commit; the scan every minute (`deliver_due`)
sends whatever is due and not leased: retries, and rows whose task was lost or whose worker was
killed (their lease runs out). Any 2xx is delivered; anything else, a redirect or a network error is
retried after 30 s × 2^(n−1) (+ up to 20 % jitter) — 30 s, 1, 2, 4, 8, 16, 32 min — and given up after
`MAX_ATTEMPTS`. At least once: a send that outlives its lease may, rarely, go out twice, with the same
delivery id, which receivers de-duplicate on.

Payload (no personal data: no reporter, no people, no description, note, address or coordinates —
a department learns which case, of what kind, where by grid, and who holds it; the rest it reads
through the API with its own key, scoped and masked):
    {"event": "case.claimed", "delivery_id": "<uuid>", "occurred_at": "2026-11-02T09:00:00+08:00",
     "case": {"number": "202611020000042", "category": "municipal", "status": "claimed",
              "grid": "339901001001001", "holder": "339901001D01" | null}}
`status` is the case's status when the delivery was made (the fan-out, within a minute of the event).
The body is fixed when the delivery is made: every retry and replay sends the same bytes, with a fresh
timestamp and signature (see signing.py).
"""

import http.client
import json
import logging
import random
import secrets
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from datetime import datetime, timedelta
from functools import reduce
from operator import or_
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.cases.models import CaseEvent
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import user_can

from ..models import WEBHOOK_EVENTS, DeliveryStatus, WebhookAttempt, WebhookCursor, WebhookDelivery
from ..models import WebhookSubscription as Subscription
from ..models.webhooks import OWED, validate_events
from .selectors import deliveries_visible_to, units_for_subscriptions
from .signing import sign

logger = logging.getLogger("civicgrid.integrations.webhooks")

TIMEOUT = 10  # seconds per POST
# A sender that has not finished by then is presumed dead: well above TIMEOUT.
LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
BACKOFF_BASE = 30  # seconds; the n-th failure waits BACKOFF_BASE × 2^(n−1) × (1 + up to JITTER)
JITTER = 0.2
SCAN_BATCH = 500  # deliveries per scan run (the rest wait a minute)
SCAN_BUDGET = 45.0  # seconds of sending per scan run, so one run ends before the next is due
FAN_OUT_BATCH = 2000  # timeline ids per fan-out transaction
FAN_OUT_BATCHES = 50  # transactions per fan-out run at most (the rest wait a minute)
HOLE_TTL = timedelta(hours=1)  # far above any transaction that writes timeline rows
MAX_HOLES = 500  # hole ranges kept (the oldest are dropped, with a warning)
CURSOR_PK = 1
KINDS = frozenset(kind.value for kind in WEBHOOK_EVENTS)
SECRET_PREFIX = "whsec_"  # nosec B105


def event_name(kind: str) -> str:
    """The wire name of a timeline kind: the X-CivicGrid-Event header and the payload's "event"."""
    return f"case.{kind}"


# Subscriptions -------------------------------------------------------------------------------------


def _require_manager(actor) -> None:
    if not user_can(actor, "integrations.manage"):
        raise Forbidden()


def _clean_events(events) -> list[str]:
    events = list(events or [])
    try:
        validate_events(events)
    except ValidationError as error:
        raise ValidationError({"events": error.messages}) from None
    chosen = set(events)
    return [kind.value for kind in WEBHOOK_EVENTS if kind.value in chosen]


def _check_scope(actor, unit: OrgUnit) -> None:
    if not units_for_subscriptions(actor).filter(pk=unit.pk).exists():
        raise ValidationError({"scope_unit": [_("只能订阅您管理范围内的单元。")]})


@transaction.atomic
def subscription_create(
    *, actor, name: str, target_url: str, events, scope_unit: OrgUnit
) -> tuple[Subscription, str]:
    """Make a subscription with a new secret; return it and the secret, shown to its maker once."""
    _require_manager(actor)
    _check_scope(actor, scope_unit)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = Subscription(
        name=(name or "").strip()[:100],
        target_url=(target_url or "").strip(),
        secret=secret,
        events=_clean_events(events),
        scope_unit=scope_unit,
        created_by=actor,
        created_at=clock.now(),
    )
    subscription.full_clean()
    # Hold the cursor (made here for a first subscription) while the subscription is written: a
    # fan-out run either ended before (and every row from `created_at` on lies past its position) or
    # waits for this commit and sees the subscription.
    _cursor()
    WebhookCursor.objects.filter(pk=CURSOR_PK).update(version=F("version") + 1)
    subscription.created_at = clock.now()
    subscription.save()
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=subscription,
        details={
            "events": subscription.events,
            "scope": scope_unit.code,
            "host": urlsplit(subscription.target_url).hostname or "",
        },
    )
    return subscription, secret


@transaction.atomic
def subscription_update(*, actor, subscription: Subscription, **fields) -> Subscription:
    """Change a subscription's name, target URL, events or scope (never its secret); audited."""
    _require_manager(actor)
    allowed = {"name", "target_url", "events", "scope_unit"}
    if set(fields) - allowed:
        raise ValueError(f"cannot change {sorted(set(fields) - allowed)}")
    current = Subscription.objects.get(pk=subscription.pk)
    if "events" in fields:
        fields["events"] = _clean_events(fields["events"])
    if "scope_unit" in fields and fields["scope_unit"].pk != current.scope_unit_id:
        _check_scope(actor, fields["scope_unit"])
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    for name in changed:
        setattr(current, name, fields[name])
    if changed:
        current.full_clean()
        current.save(update_fields=changed)
        audit_record(action=AuditAction.UPDATE, actor=actor, obj=current, details={"fields": changed})
    return current


@transaction.atomic
def subscription_deactivate(*, actor, subscription: Subscription) -> Subscription:
    """Stop a subscription at once: nothing more is made for it, and what it is still owed is given
    up (a send under way finishes). Audited."""
    _require_manager(actor)
    now = clock.now()
    if not Subscription.objects.filter(pk=subscription.pk, is_active=True).update(
        is_active=False, deactivated_at=now
    ):
        raise Conflict(_("该订阅已停用。"), code="already_inactive")
    given_up = WebhookDelivery.objects.filter(OWED, subscription=subscription).update(
        status=DeliveryStatus.GIVEN_UP, next_attempt_at=None, last_error=_("订阅已停用")
    )
    audit_record(
        action=AuditAction.STATE_CHANGE,
        actor=actor,
        obj=subscription,
        details={"status": "inactive", "given_up": given_up},
    )
    subscription.refresh_from_db()
    return subscription


# Fan-out ---------------------------------------------------------------------------------------------


def _cursor() -> WebhookCursor:
    """The cursor; made on first use at the newest timeline row (older rows predate any subscription)."""
    cursor = WebhookCursor.objects.filter(pk=CURSOR_PK).first()
    if cursor is None:
        start = CaseEvent.objects.aggregate(last=Max("pk"))["last"] or 0
        WebhookCursor.objects.bulk_create(
            [WebhookCursor(pk=CURSOR_PK, position=start, updated_at=clock.now())], ignore_conflicts=True
        )
        cursor = WebhookCursor.objects.get(pk=CURSOR_PK)
    return cursor


def _punch(holes: list[list], found: set[int]) -> list[list]:
    """The hole ranges [low, high, first seen] without the ids `found`."""
    left = []
    for low, high, seen in holes:
        start = low
        for pk in sorted(pk for pk in found if low <= pk <= high):
            if start < pk:
                left.append([start, pk - 1, seen])
            start = pk + 1
        if start <= high:
            left.append([start, high, seen])
    return left


def _payload(row: dict, delivery_id: uuid.UUID) -> dict:
    return {
        "event": event_name(row["kind"]),
        "delivery_id": str(delivery_id),
        "occurred_at": timezone.localtime(row["at"]).isoformat(timespec="seconds"),
        "case": {
            "number": row["case__number"],
            "category": row["case__category__code"],
            "status": row["case__status"],
            "grid": row["case__grid__code"],
            "holder": row["case__holder__code"],
        },
    }


EVENT_READS = (
    "pk",
    "kind",
    "at",
    "case__number",
    "case__category__code",
    "case__status",
    "case__grid__code",
    "case__grid__path",
    "case__holder__code",
)


def _deliveries_for(event_ids: list[int], subscriptions: list[tuple], now: datetime) -> list[WebhookDelivery]:
    """The deliveries owed for these timeline rows: each subscription gets the kinds it asked for, of
    cases whose grid lies under its unit, from the moment it was made."""
    made = []
    for start in range(0, len(event_ids), 1000):
        for row in CaseEvent.objects.filter(pk__in=event_ids[start : start + 1000]).values(*EVENT_READS):
            for subscription_id, events, path, created_at in subscriptions:
                if (
                    row["kind"] in events
                    and row["case__grid__path"].startswith(path)
                    and row["at"] >= created_at
                ):
                    delivery_id = uuid.uuid4()
                    made.append(
                        WebhookDelivery(
                            subscription_id=subscription_id,
                            event_id=row["pk"],
                            delivery_id=delivery_id,
                            payload=_payload(row, delivery_id),
                            status=DeliveryStatus.PENDING,
                            next_attempt_at=now,
                            created_at=now,
                        )
                    )
    return made


def _fan_out_batch(now: datetime, size: int) -> tuple[list[int], bool]:
    """One transaction of the fan-out: returns the deliveries made and whether more ids may wait."""
    with transaction.atomic():
        cursor = _cursor()
        taken = WebhookCursor.objects.filter(pk=CURSOR_PK, version=cursor.version).update(
            version=F("version") + 1, updated_at=now
        )
        if not taken:
            return [], False  # another worker is at it (and has just done this batch)
        subscriptions = [
            (pk, frozenset(events) & KINDS, path, created_at)
            for pk, events, path, created_at in Subscription.objects.filter(is_active=True).values_list(
                "pk", "events", "scope_unit__path", "created_at"
            )
        ]
        if not subscriptions:  # nobody listens: skip to the newest row (older ones predate any new one)
            last = CaseEvent.objects.aggregate(last=Max("pk"))["last"] or 0
            WebhookCursor.objects.filter(pk=CURSOR_PK).update(position=max(last, cursor.position), holes=[])
            return [], False
        ids = list(
            CaseEvent.objects.filter(pk__gt=cursor.position).order_by("pk").values_list("pk", "kind")[:size]
        )
        holes = cursor.holes
        wanted: list[int] = []
        if holes:
            ranges = reduce(or_, (Q(pk__range=(low, high)) for low, high, _seen in holes))
            found = dict(CaseEvent.objects.filter(ranges).values_list("pk", "kind"))
            holes = _punch(holes, set(found))
            wanted += [pk for pk, kind in found.items() if kind in KINDS]
        position, stamp = cursor.position, now.isoformat()
        for pk, kind in ids:
            if pk > position + 1:
                holes.append([position + 1, pk - 1, stamp])
            position = pk
            if kind in KINDS:
                wanted.append(pk)
        holes = [hole for hole in holes if now - datetime.fromisoformat(hole[2]) <= HOLE_TTL]
        if len(holes) > MAX_HOLES:
            logger.warning("webhook fan-out: %d gaps in the timeline ids, oldest dropped", len(holes))
            holes = holes[-MAX_HOLES:]
        made = _deliveries_for(wanted, subscriptions, now) if wanted else []
        new: list[int] = []
        if made:
            WebhookDelivery.objects.bulk_create(made, ignore_conflicts=True, batch_size=1000)
            # The rows carrying the ids just drawn are the ones this run wrote (the others existed).
            drawn = [d.delivery_id for d in made]
            for start in range(0, len(drawn), 1000):
                new += WebhookDelivery.objects.filter(
                    delivery_id__in=drawn[start : start + 1000]
                ).values_list("pk", flat=True)
        WebhookCursor.objects.filter(pk=CURSOR_PK).update(position=position, holes=holes)
        if new:
            transaction.on_commit(lambda: _enqueue(new))
    return new, len(ids) == size


def fan_out(*, now: datetime | None = None, size: int = FAN_OUT_BATCH, batches: int = FAN_OUT_BATCHES) -> int:
    """Make the deliveries owed for the timeline rows written since the last run (idempotent, safe on
    two workers); return how many were made. They are sent on commit (and by the scan)."""
    now = now or clock.now()
    made = 0
    for _batch in range(batches):
        new, more = _fan_out_batch(now, size)
        made += len(new)
        if not more:
            break
    return made


def _enqueue(delivery_ids: list[int]) -> None:
    from .tasks import deliver_webhook

    for pk in delivery_ids:
        deliver_webhook(pk)


# Delivery ------------------------------------------------------------------------------------------


def backoff(failures: int) -> timedelta:
    """How long to wait after the `failures`-th failed attempt: 30 s × 2^(n−1), plus up to 20 %."""
    return timedelta(seconds=BACKOFF_BASE * 2 ** (failures - 1) * (1 + JITTER * random.random()))  # nosec B311 (jitter)


def _unclaimed(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)


def _claim(delivery_id: int, now: datetime) -> datetime | None:
    """Take the lease on one delivery if it is owed, due and nobody holds a live lease, counting the
    attempt: one conditional UPDATE, so of two workers exactly one wins. Returns the lease's end."""
    until = now + LEASE
    won = WebhookDelivery.objects.filter(
        OWED, _unclaimed(now), pk=delivery_id, next_attempt_at__lte=now
    ).update(claimed_until=until, attempts=F("attempts") + 1)
    return until if won else None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other non-2xx (a POST is never re-sent elsewhere)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def body_of(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted, UTF-8."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def _post(subscription: Subscription, delivery: WebhookDelivery) -> tuple[int | None, str, int]:
    """POST the delivery; return the status code (None: no answer), a short error and the duration.
    The error names a class or a code, never the URL (it may hold a token) nor the answer's text."""
    body = body_of(delivery.payload)
    timestamp = int(clock.now().timestamp())
    request = urllib.request.Request(
        subscription.target_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "CivicGrid-Webhooks/1",
            "X-CivicGrid-Event": delivery.payload.get("event", ""),
            "X-CivicGrid-Delivery": str(delivery.delivery_id),
            "X-CivicGrid-Timestamp": str(timestamp),
            "X-CivicGrid-Signature": sign(subscription.secret, timestamp, body),
        },
    )
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            code, error = response.status, ""
    except urllib.error.HTTPError as exc:
        code, error = exc.code, f"HTTP {exc.code}"
        exc.close()
    except (OSError, ValueError, http.client.HTTPException) as exc:  # URLError is an OSError
        reason = getattr(exc, "reason", None)
        code, error = None, type(reason if isinstance(reason, BaseException) else exc).__name__
    return code, error[:200], int((time.monotonic() - started) * 1000)


def deliver(delivery_id: int) -> str | None:
    """Make one attempt at one delivery if it is due and nobody else is at it; return its new status,
    or None when it was not this call's to try. Must run outside a transaction (the lease must be
    seen by other workers while the request is under way)."""
    return _deliver(delivery_id)[0]


def _deliver(delivery_id: int) -> tuple[str | None, bool]:
    """deliver(), and whether the receiver answered at all."""
    now = clock.now()
    until = _claim(delivery_id, now)
    if until is None:
        return None, True
    delivery = WebhookDelivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None:
        return None, True
    mine = WebhookDelivery.objects.filter(pk=delivery_id, claimed_until=until)
    stop = {"status": DeliveryStatus.GIVEN_UP, "next_attempt_at": None, "claimed_until": None}
    if not delivery.subscription.is_active:
        mine.update(**stop, last_error=_("订阅已停用"))
        return DeliveryStatus.GIVEN_UP, True
    if delivery.attempts > MAX_ATTEMPTS:  # the worker of the last attempt died before it was logged
        mine.update(**stop)
        return DeliveryStatus.GIVEN_UP, True
    code, error, duration = _post(delivery.subscription, delivery)
    finished = clock.now()
    WebhookAttempt.objects.create(
        delivery=delivery,
        round=delivery.replays,
        number=delivery.attempts,
        at=now,
        status_code=code,
        error=error,
        duration_ms=duration,
    )
    last = {"last_status_code": code, "last_error": error, "last_duration_ms": duration}
    if code is not None and 200 <= code < 300:
        # Delivered is true whoever holds the lease now (a send that outlived its lease).
        WebhookDelivery.objects.filter(pk=delivery_id).exclude(status=DeliveryStatus.DELIVERED).update(
            status=DeliveryStatus.DELIVERED,
            delivered_at=finished,
            next_attempt_at=None,
            claimed_until=None,
            **last,
        )
        return DeliveryStatus.DELIVERED, True
    if delivery.attempts >= MAX_ATTEMPTS:
        mine.update(**stop, **last)
        logger.warning(
            "webhook delivery %s given up after %d attempts (%s)",
            delivery.delivery_id,
            delivery.attempts,
            error,
        )
        return DeliveryStatus.GIVEN_UP, code is not None
    mine.update(
        status=DeliveryStatus.FAILED,
        next_attempt_at=finished + backoff(delivery.attempts),
        claimed_until=None,
        **last,
    )
    return DeliveryStatus.FAILED, code is not None


def deliver_due(*, now: datetime | None = None, budget: float = SCAN_BUDGET) -> dict:
    """The outbox scan (every minute, idempotent): one attempt at each delivery due and not leased,
    soonest first, for at most `budget` seconds. A subscription whose receiver did not answer is left
    alone for the rest of the run, so that one receiver down does not hold up the others."""
    now = now or clock.now()
    due = list(
        WebhookDelivery.objects.filter(OWED, _unclaimed(now), next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", "subscription_id")[:SCAN_BATCH]
    )
    deadline = time.monotonic() + budget
    done: Counter = Counter()
    silent: set[int] = set()
    for pk, subscription_id in due:
        if time.monotonic() > deadline:
            break
        if subscription_id in silent:
            continue
        status, answered = _deliver(pk)
        if status is not None:
            done[status] += 1
        if not answered:
            silent.add(subscription_id)
    return dict(done)


@transaction.atomic
def deliveries_replay(*, actor, deliveries, request=None) -> tuple[int, int]:
    """Send the chosen deliveries again, with the same delivery id and body: each goes back to pending
    with a fresh round of attempts. One being sent right now, or of an inactive subscription, is
    skipped. Each replay is audited. Returns (replayed, skipped)."""
    _require_manager(actor)
    now = clock.now()
    chosen = list(
        deliveries_visible_to(actor)
        .filter(pk__in=[d.pk for d in deliveries])
        .select_related("subscription")
        .only("pk", "delivery_id", "status", "subscription__is_active")
    )
    replayed = []
    for delivery in chosen:
        if not delivery.subscription.is_active:
            continue
        if WebhookDelivery.objects.filter(_unclaimed(now), pk=delivery.pk).update(
            status=DeliveryStatus.PENDING,
            attempts=0,
            replays=F("replays") + 1,
            next_attempt_at=now,
            claimed_until=None,
            delivered_at=None,
        ):
            audit_record(
                action=AuditAction.STATE_CHANGE,
                actor=actor,
                obj=delivery,
                request=request,
                details={
                    "event": "replay",
                    "delivery_id": str(delivery.delivery_id),
                    "from": delivery.status,
                },
            )
            replayed.append(delivery.pk)
    if replayed:
        transaction.on_commit(lambda: _enqueue(replayed))
    return len(replayed), len(deliveries) - len(replayed)
