"""事件订阅 (webhooks): a departmental system receives the case events it subscribed to, of the cases in
its scope, signed, retried with growing delays, logged, and replayable from the admin with the same
delivery id. A real HTTP receiver listens on 127.0.0.1; the clock is moved with time-machine and
Huey runs tasks inline."""

import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services as cases
from civicgrid.cases.choices import EventKind
from civicgrid.cases.models import CaseEvent
from civicgrid.cases.sweep import sweep
from civicgrid.cases.tests.conftest import A1_POINT, MONDAY_9AM
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.integrations.models import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
    WebhookSubscription,
)
from civicgrid.integrations.tasks import deliver_due_webhooks, fan_out_webhooks
from civicgrid.integrations.webhooks import services
from civicgrid.integrations.webhooks.signing import verify_signature

pytestmark = pytest.mark.django_db
B1_POINT = (30.05, 120.15)
DESCRIPTION = "幸福小区3号楼路灯不亮，报告人张三电话13812345678"


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A departmental system: records every POST; answers the statuses in `answers` first, then
    `default`."""

    url: str = ""
    requests: list = field(default_factory=list)
    answers: list = field(default_factory=list)
    default: int = 200

    def delivery_ids(self) -> list[str]:
        return [r.headers["x-civicgrid-delivery"] for r in self.requests]


@pytest.fixture
def receiver():
    received = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            received.requests.append(Received(self.path, headers, body))
            self.send_response(received.answers.pop(0) if received.answers else received.default)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_port}/hooks/civicgrid?token=abc"
    yield received
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def now(time_machine):
    time_machine.move_to(MONDAY_9AM, tick=False)
    return time_machine


def subscribe(personas, unit, url, events, name="城管执法系统"):
    return services.subscription_create(
        actor=personas.platform_admin, name=name, target_url=url, events=events, scope_unit=unit
    )


def report(personas, flow, *, actor=None, point=A1_POINT):
    return cases.case_report(
        actor=actor or personas.grid_worker_a,
        channel="visit",
        category=flow.ordinary,
        description=DESCRIPTION,
        address="幸福小区3号楼",
        lat=point[0],
        lng=point[1],
    )


def run_fan_out() -> int:
    return fan_out_webhooks.call_local()


def run_scan() -> dict:
    return deliver_due_webhooks.call_local()


def test_a_subscription_receives_exactly_its_events_of_cases_in_its_scope(
    now, receiver, personas, flow, tree, django_capture_on_commit_callbacks
):
    community, _ = subscribe(personas, tree.community_a, receiver.url, ["reported", "claimed", "closed"])
    street, _ = subscribe(personas, tree.street, receiver.url, ["reported"], name="区数据中心")
    mine = report(personas, flow)
    other = report(personas, flow, actor=personas.grid_worker_b, point=B1_POINT)
    mine = cases.case_claim(case=mine, actor=personas.grid_worker_a)
    cases.case_claim(case=other, actor=personas.grid_worker_b)
    mine = cases.case_verify(case=mine, actor=personas.grid_worker_a)
    mine = cases.case_resolve(case=mine, actor=personas.grid_worker_a, note="已修好")
    cases.case_close(case=mine, actor=personas.community_head_a)

    with django_capture_on_commit_callbacks(execute=True):  # the fast path: sent as the fan-out commits
        assert run_fan_out() == 5

    assert len(receiver.requests) == 5
    by_subscription = {
        sub.pk: sorted(
            (d.payload["event"], d.payload["case"]["number"])
            for d in WebhookDelivery.objects.filter(subscription=sub)
        )
        for sub in (community, street)
    }
    assert by_subscription[community.pk] == sorted(
        [("case.reported", mine.number), ("case.claimed", mine.number), ("case.closed", mine.number)]
    )
    assert by_subscription[street.pk] == sorted(
        [("case.reported", mine.number), ("case.reported", other.number)]
    )
    assert {(r.json["event"], r.json["case"]["number"]) for r in receiver.requests} == {
        (e, n) for pairs in by_subscription.values() for e, n in pairs
    }
    for request in receiver.requests:
        assert request.path == "/hooks/civicgrid?token=abc"
        assert request.headers["content-type"] == "application/json; charset=utf-8"
        assert request.headers["x-civicgrid-event"] == request.json["event"]
        assert request.headers["x-civicgrid-delivery"] == request.json["delivery_id"]
    # One delivery id per delivery, each sent once: no duplicate anywhere in the run.
    assert len(set(receiver.delivery_ids())) == 5
    assert sorted(receiver.delivery_ids()) == sorted(
        str(i) for i in WebhookDelivery.objects.values_list("delivery_id", flat=True)
    )
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert run_fan_out() == 0 and run_scan() == {}  # nothing new, nothing due
    assert len(receiver.requests) == 5


def test_the_signature_verifies_with_the_secret_only_over_the_same_body_and_a_fresh_timestamp(
    now, receiver, personas, flow, tree
):
    _, secret = subscribe(personas, tree.grid_a1, receiver.url, ["reported"])
    report(personas, flow)
    run_fan_out()
    run_scan()
    [request] = receiver.requests
    timestamp = request.headers["x-civicgrid-timestamp"]
    signature = request.headers["x-civicgrid-signature"]
    assert int(timestamp) == int(MONDAY_9AM.timestamp()) and signature.startswith("sha256=")
    assert verify_signature(secret, timestamp, request.body, signature)
    assert verify_signature(secret, timestamp, request.body, signature, now=int(timestamp) + 299)
    assert not verify_signature("whsec_another-secret", timestamp, request.body, signature)
    changed = request.body.replace(b'"status":"awaiting_claim"', b'"status":"closed"')
    assert changed != request.body
    assert not verify_signature(secret, timestamp, changed, signature)
    assert not verify_signature(secret, timestamp, request.body, signature, now=int(timestamp) + 301)
    assert not verify_signature(secret, int(timestamp) - 1, request.body, signature)
    assert not verify_signature(secret, "not-a-time", request.body, signature)


def test_a_failing_receiver_gets_retries_with_growing_delays_and_the_same_delivery_id(
    now, receiver, personas, flow, tree
):
    subscribe(personas, tree.community_a, receiver.url, ["reported"])
    receiver.answers = [500, 500, 500]
    case = report(personas, flow)
    run_fan_out()
    delivery = WebhookDelivery.objects.get()
    delays = []
    for expected in (DeliveryStatus.FAILED, DeliveryStatus.FAILED, DeliveryStatus.FAILED):
        tried_at = clock.now()
        assert run_scan() == {expected: 1}
        delivery.refresh_from_db()
        assert delivery.status == expected and delivery.last_status_code == 500
        delays.append((delivery.next_attempt_at - tried_at).total_seconds())
        now.move_to(delivery.next_attempt_at - timedelta(seconds=1))
        assert run_scan() == {}  # not due yet
        now.move_to(delivery.next_attempt_at)
    assert run_scan() == {DeliveryStatus.DELIVERED: 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at == clock.now()
    assert delivery.attempts == 4 and delivery.next_attempt_at is None
    # 30 s, 60 s, 120 s, each with up to 20 % jitter.
    assert 30 <= delays[0] <= 36 and 60 <= delays[1] <= 72 and 120 <= delays[2] <= 144
    assert delays == sorted(delays)
    log = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("number", "status_code", "error"))
    assert log == [(1, 500, "HTTP 500"), (2, 500, "HTTP 500"), (3, 500, "HTTP 500"), (4, 200, "")]
    assert receiver.delivery_ids() == [str(delivery.delivery_id)] * 4
    assert len({r.body for r in receiver.requests}) == 1  # the same bytes every time…
    assert len({r.headers["x-civicgrid-timestamp"] for r in receiver.requests}) == 4  # …signed afresh
    assert receiver.requests[0].json["case"]["number"] == case.number
    assert WebhookDelivery.objects.count() == 1


def test_a_receiver_that_never_answers_2xx_is_given_up_after_eight_attempts(
    now, receiver, personas, flow, tree
):
    subscribe(personas, tree.community_a, receiver.url, ["reported"])
    receiver.default = 503
    report(personas, flow)
    run_fan_out()
    delivery = WebhookDelivery.objects.get()
    for _attempt in range(services.MAX_ATTEMPTS):
        run_scan()
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            now.move_to(delivery.next_attempt_at)
    assert delivery.status == DeliveryStatus.GIVEN_UP and delivery.next_attempt_at is None
    assert delivery.attempts == services.MAX_ATTEMPTS == 8
    assert len(receiver.requests) == 8
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [503] * 8
    # The whole schedule: 30 s × (1 + 2 + … + 64) ≈ 64 minutes, plus jitter.
    assert timedelta(minutes=63) < clock.now() - MONDAY_9AM < timedelta(minutes=77)
    now.shift(timedelta(days=1))
    assert run_scan() == {} and len(receiver.requests) == 8


def test_a_network_error_is_retried_and_logged_without_the_url(now, personas, flow, tree):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscribe(personas, tree.community_a, f"http://127.0.0.1:{port}/hook?token=s3cr3t", ["reported"])
    report(personas, flow)
    run_fan_out()
    assert run_scan() == {DeliveryStatus.FAILED: 1}
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status_code is None and delivery.last_error == "ConnectionRefusedError"
    assert "s3cr3t" not in delivery.last_error and delivery.attempt_log.get().status_code is None


def test_a_red_light_and_a_dispatch_written_in_bulk_by_the_sweep_are_delivered(
    now, receiver, personas, flow, tree
):
    subscribe(personas, tree.street, receiver.url, ["dispatched", "red"])
    case = report(personas, flow)
    overdue = case.claim_due_at + timedelta(minutes=1)
    now.move_to(overdue)
    assert sweep(now=overdue)["dispatched"] == 1  # by the routing rule, to the department
    case.refresh_from_db()
    late = case.stage_due_at + timedelta(minutes=1)
    now.move_to(late)
    assert sweep(now=late)["red"] == 1
    assert run_fan_out() == 2
    run_scan()
    events = [
        (r.json["event"], r.json["case"]["number"], r.json["case"]["holder"]) for r in receiver.requests
    ]
    assert sorted(events) == [
        ("case.dispatched", case.number, tree.department.code),
        ("case.red", case.number, tree.department.code),
    ]
    red = next(r.json for r in receiver.requests if r.json["event"] == "case.red")
    assert red["occurred_at"] == late.astimezone(MONDAY_9AM.tzinfo).isoformat(timespec="seconds")
    assert red["occurred_at"].endswith("+08:00")


def test_the_fan_out_run_twice_or_by_a_stale_worker_makes_nothing_twice(
    now, receiver, personas, flow, tree, monkeypatch
):
    subscribe(personas, tree.community_a, receiver.url, ["reported", "claimed"])
    case = report(personas, flow)
    cases.case_claim(case=case, actor=personas.grid_worker_a)
    assert services.fan_out() == 2
    assert services.fan_out() == 0
    # A run killed after its inserts but before the cursor moved: the next one re-reads the same rows.
    WebhookCursor.objects.update(position=0, holes=[])
    assert services.fan_out() == 0 and WebhookDelivery.objects.count() == 2
    # A second worker that read the cursor before the first moved it loses the compare-and-set.
    stale = WebhookCursor.objects.get()
    report(personas, flow)
    assert services.fan_out() == 1
    monkeypatch.setattr(services, "_cursor", lambda: stale)
    assert services.fan_out() == 0
    monkeypatch.undo()
    assert services.fan_out() == 0 and WebhookDelivery.objects.count() == 3
    assert WebhookDelivery.objects.values("delivery_id").distinct().count() == 3


def gaps_above(pk: int) -> list:
    """The cursor's gaps above `pk` (on PostgreSQL, ids of rolled-back tests leave one below it)."""
    return [hole for hole in WebhookCursor.objects.get().holes if hole[0] > pk]


def test_a_timeline_row_that_appears_below_the_cursor_later_is_still_fanned_out(
    now, receiver, personas, flow, tree
):
    """PostgreSQL shows a row when its transaction commits, not in id order: a gap is looked for again."""
    subscribe(personas, tree.community_a, receiver.url, ["reported", "claimed"])
    case = report(personas, flow)
    first = CaseEvent.objects.get(case=case).pk
    # A later transaction committed first (id first + 5); ids first + 1 … first + 4 are still in flight.
    CaseEvent.objects.create(pk=first + 5, case=case, kind=EventKind.CLAIMED, at=clock.now())
    assert services.fan_out() == 2
    assert gaps_above(first) == [[first + 1, first + 4, clock.now().isoformat()]]
    CaseEvent.objects.create(pk=first + 3, case=case, kind=EventKind.REPORTED, at=clock.now())
    assert services.fan_out() == 1
    assert [h[:2] for h in gaps_above(first)] == [
        [first + 1, first + 2],
        [first + 4, first + 4],
    ]
    now.shift(services.HOLE_TTL + timedelta(minutes=1))  # rolled back: the gaps are forgotten
    assert services.fan_out() == 0 and WebhookCursor.objects.get().holes == []
    assert sorted(WebhookDelivery.objects.values_list("event_id", flat=True)) == [first, first + 3, first + 5]


def test_a_worker_killed_mid_delivery_loses_nothing(now, receiver, personas, flow, tree):
    subscribe(personas, tree.community_a, receiver.url, ["reported"])
    report(personas, flow)
    run_fan_out()
    delivery = WebhookDelivery.objects.get()
    assert services._claim(delivery.pk, clock.now())  # the worker took the lease, then died
    assert run_scan() == {} and receiver.requests == []  # the lease is live: nobody else sends
    now.shift(services.LEASE)
    assert run_scan() == {DeliveryStatus.DELIVERED: 1}
    assert receiver.delivery_ids() == [str(delivery.delivery_id)]


def test_a_platform_admin_replays_deliveries_from_the_admin_with_the_same_delivery_id(
    now, receiver, client, personas, flow, tree, django_capture_on_commit_callbacks
):
    subscribe(personas, tree.community_a, receiver.url, ["reported"])
    report(personas, flow)
    run_fan_out()
    run_scan()
    delivery = WebhookDelivery.objects.get(status=DeliveryStatus.DELIVERED)
    admin = personas.platform_admin
    admin.is_superuser = True
    admin.save(update_fields=["is_superuser"])
    log_in(client, admin)
    listing = client.get("/admin/integrations/webhookdelivery/", {"status__exact": "delivered"})
    assert listing.status_code == 200 and str(delivery.delivery_id) in listing.content.decode()
    now.shift(timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            "/admin/integrations/webhookdelivery/",
            {"action": "replay", "_selected_action": [delivery.pk]},
            follow=True,
        )
    assert answer.status_code == 200 and "已重新排队 1 条投递" in answer.content.decode()
    assert receiver.delivery_ids() == [str(delivery.delivery_id)] * 2
    assert receiver.requests[0].body == receiver.requests[1].body
    delivery.refresh_from_db()
    assert (delivery.status, delivery.replays, delivery.attempts) == (DeliveryStatus.DELIVERED, 1, 1)
    assert list(delivery.attempt_log.values_list("round", "number", "status_code")) == [
        (0, 1, 200),
        (1, 1, 200),
    ]
    audit = AuditEvent.objects.get(object_type="integrations.webhookdelivery", object_id=str(delivery.pk))
    assert audit.action == "state_change" and audit.actor == admin
    assert audit.details == {"event": "replay", "delivery_id": str(delivery.delivery_id), "from": "delivered"}
    detail = client.get(f"/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    assert detail.status_code == 200 and "投递记录" in detail.content.decode()


def test_the_payload_carries_no_personal_data(now, receiver, personas, flow, tree):
    subscribe(personas, tree.community_a, receiver.url, ["reported"])
    case = report(personas, flow, actor=personas.volunteer)
    run_fan_out()
    run_scan()
    [request] = receiver.requests
    payload = request.json
    assert set(payload) == {"event", "delivery_id", "occurred_at", "case"}
    assert payload["case"] == {
        "number": case.number,
        "category": "municipal",
        "status": "awaiting_claim",
        "grid": tree.grid_a1.code,
        "holder": None,
    }
    text = request.body.decode()
    for personal in (
        "13812345678",
        personas.volunteer.phone,
        "张三",
        "幸福小区",
        personas.volunteer.username,
        str(A1_POINT[0]),
        str(A1_POINT[1]),
    ):
        assert personal not in text


def test_admins_make_a_subscription_whose_secret_is_shown_once_and_deactivate_it(
    now, receiver, client, personas, flow, tree
):
    log_in(client, personas.platform_admin)  # a platform admin (is_staff), not a superuser
    made = client.post(
        "/admin/integrations/webhooksubscription/add/",
        {
            "name": "城管执法系统",
            "target_url": receiver.url,
            "events": ["reported", "red"],
            "scope_unit": tree.community_a.pk,
        },
        follow=True,
    )
    assert made.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.events == ["reported", "red"] and subscription.created_by == personas.platform_admin
    assert subscription.secret.startswith("whsec_") and subscription.secret in made.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM integrations_webhooksubscription")
        assert subscription.secret not in cursor.fetchone()[0]  # encrypted at rest
    page = client.get(f"/admin/integrations/webhooksubscription/{subscription.pk}/change/").content.decode()
    assert subscription.secret not in page and subscription.secret[:10] in page
    assert subscription.secret not in client.get("/admin/integrations/webhooksubscription/").content.decode()
    assert AuditEvent.objects.filter(action="create", object_type="integrations.webhooksubscription").exists()
    changed = client.post(
        f"/admin/integrations/webhooksubscription/{subscription.pk}/change/",
        {
            "name": "城管执法系统",
            "target_url": receiver.url,
            "events": ["reported"],
            "scope_unit": tree.community_a.pk,
        },
    )
    assert changed.status_code == 302
    subscription.refresh_from_db()
    assert subscription.events == ["reported"] and subscription.secret.startswith("whsec_")
    assert AuditEvent.objects.get(
        action="update", object_type="integrations.webhooksubscription"
    ).details == {"fields": ["events"]}

    receiver.default = 500
    report(personas, flow)
    run_fan_out()
    run_scan()
    client.post(
        "/admin/integrations/webhooksubscription/",
        {"action": "deactivate", "_selected_action": [subscription.pk]},
    )
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.deactivated_at == clock.now()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.GIVEN_UP  # owed: given up
    assert AuditEvent.objects.filter(
        action="state_change", object_type="integrations.webhooksubscription", details__status="inactive"
    ).exists()
    report(personas, flow)
    now.shift(timedelta(hours=1))
    assert run_fan_out() == 0 and run_scan() == {} and len(receiver.requests) == 1
    with pytest.raises(Conflict):
        services.subscription_deactivate(actor=personas.platform_admin, subscription=subscription)


def test_only_platform_admins_reach_the_webhooks_and_only_http_targets_are_taken(client, personas, tree):
    head = personas.community_head_a
    head.is_staff = True
    head.save(update_fields=["is_staff"])
    log_in(client, head)
    for path in ("/admin/integrations/webhooksubscription/", "/admin/integrations/webhookdelivery/"):
        assert client.get(path).status_code == 403
    with pytest.raises(Forbidden):
        services.subscription_create(
            actor=head,
            name="x",
            target_url="https://x.example/",
            events=["reported"],
            scope_unit=tree.community_a,
        )
    for url in ("ftp://files.example/hook", "javascript:alert(1)", "file:///etc/passwd", "example.org/hook"):
        with pytest.raises(ValidationError) as error:
            subscribe(personas, tree.community_a, url, ["reported"])
        assert "target_url" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        subscribe(personas, tree.community_a, "https://x.example/", ["reported", "work_log"])
    assert "events" in error.value.message_dict
    outside = tree.city  # above the admin's street
    with pytest.raises(ValidationError) as error:
        subscribe(personas, outside, "https://x.example/", ["reported"])
    assert "scope_unit" in error.value.message_dict
    assert not WebhookSubscription.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between threads")
def test_two_workers_fanning_out_and_sending_while_cases_are_reported_deliver_each_event_once(
    receiver, personas, flow, tree
):
    subscribe(personas, tree.street, receiver.url, ["reported"])
    writing = threading.Event()
    writing.set()
    errors: list = []

    def writer():
        try:
            for i in range(25):
                report(
                    personas,
                    flow,
                    point=A1_POINT if i % 2 else B1_POINT,
                    actor=None if i % 2 else personas.grid_worker_b,
                )
        except Exception as error:  # pragma: no cover - shown by the assertion below
            errors.append(error)
        finally:
            writing.clear()
            connections.close_all()

    def worker():
        try:
            while writing.is_set():
                services.fan_out()  # new deliveries are sent on commit (tasks run inline)
                services.deliver_due()
        except Exception as error:  # pragma: no cover
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=writer),
        threading.Thread(target=worker),
        threading.Thread(target=worker),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    services.fan_out()
    services.deliver_due()
    reported = CaseEvent.objects.filter(kind=EventKind.REPORTED).count()
    assert reported == 25
    assert WebhookDelivery.objects.count() == 25
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert sorted(receiver.delivery_ids()) == sorted(
        str(i) for i in WebhookDelivery.objects.values_list("delivery_id", flat=True)
    )  # each sent exactly once
