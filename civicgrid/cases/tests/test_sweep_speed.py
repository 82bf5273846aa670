"""What the batched sweep writes, row by row: the database writes the timeline entries and audit rows
(INSERT … SELECT) and the messages are built per batch from plain rows, so these pin down that every
case still gets exactly its own entry, audit row and messages, addressed to the right people."""

from datetime import timedelta

import pytest

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services
from civicgrid.cases.choices import CaseStatus, EventKind
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.sweep import sweep
from civicgrid.notifications.models import Notification

from .conftest import A1_POINT, MONDAY_9AM

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)
B1_POINT = (30.05, 120.15)


def report(actor, category, point=A1_POINT, channel="visit"):
    return services.case_report(
        actor=actor,
        channel=channel,
        category=category,
        description="井盖缺失",
        lat=point[0],
        lng=point[1],
        now=MONDAY_9AM,
    )


def fresh(case):
    return Case.objects.get(pk=case.pk)


def audit_rows(case, at):
    return list(AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk), at=at))


def recipients(case, kind):
    return set(
        Notification.objects.filter(key__startswith=f"case:{case.pk}:{kind}").values_list("user", flat=True)
    )


def test_each_swept_case_gets_its_own_timeline_entry_and_audit_row(personas, flow, tree):
    rewarded = report(personas.volunteer, flow.rewarded, channel="rewarded_report")  # claim limit 4 h
    suggestion = report(personas.grid_worker_a, flow.suggestion)  # no routing rule: the queue
    held = services.case_claim(
        case=report(personas.grid_worker_a, flow.ordinary), actor=personas.grid_worker_a, now=MONDAY_9AM
    )  # verification due after 24 h
    now = MONDAY_9AM + 25 * H
    # The queued case keeps its overdue claim stage: it turns yellow and red as well.
    assert sweep(now=now) == {"dispatched": 2, "yellow": 2, "red": 2}

    (dispatched,) = fresh(rewarded).events.filter(kind=EventKind.DISPATCHED)
    assert (dispatched.at, dispatched.actor, dispatched.unit, dispatched.note) == (now, None, None, "")
    assert dispatched.data == {"to": tree.community_a.name, "by": "rule"}
    (row,) = audit_rows(rewarded, now)
    assert (row.at, row.actor, row.actor_name, row.action, row.object_repr) == (
        now,
        None,
        "",
        AuditAction.STATE_CHANGE,
        rewarded.number,
    )
    assert row.details == {"event": EventKind.DISPATCHED, "to": tree.community_a.name, "by": "rule"}

    (queued,) = fresh(suggestion).events.filter(kind=EventKind.QUEUED)
    assert (queued.at, queued.data) == (now, {})
    assert queued.note.startswith("无匹配的派单规则")
    assert [(row.object_repr, row.details) for row in audit_rows(suggestion, now)] == [
        (suggestion.number, {"event": EventKind.RED}),  # the latest first
        (suggestion.number, {"event": EventKind.QUEUED}),
    ]

    # Yellow is on the timeline only; red is in the audit trail too.
    yellow, red = fresh(held).events.filter(kind__in=[EventKind.YELLOW, EventKind.RED]).order_by("kind")[::-1]
    assert [(e.kind, e.at, e.note, e.data, e.actor) for e in (yellow, red)] == [
        (EventKind.YELLOW, now, "", {}, None),
        (EventKind.RED, now, "", {}, None),
    ]
    (row,) = audit_rows(held, now)
    assert (row.at, row.object_repr, row.details) == (now, held.number, {"event": EventKind.RED})
    assert CaseEvent.objects.filter(at=now).count() == 6


def test_yellow_goes_to_each_holder_and_red_to_the_heads_of_each_place(personas, flow, tree):
    by_a = services.case_claim(
        case=report(personas.grid_worker_a, flow.ordinary), actor=personas.grid_worker_a, now=MONDAY_9AM
    )
    by_b = services.case_claim(
        case=report(personas.grid_worker_b, flow.ordinary, point=B1_POINT),
        actor=personas.grid_worker_b,
        now=MONDAY_9AM,
    )
    by_unit = services.case_dispatch(
        case=report(personas.grid_worker_a, flow.ordinary),
        target=tree.department,
        actor=personas.dispatcher,
        now=MONDAY_9AM,
    )
    waiting = report(personas.grid_worker_a, flow.ordinary)  # nobody holds it: the grid's workers
    # Verification (and the claim limit) due after 24 h, yellow after 18 h.
    assert sweep(now=MONDAY_9AM + 19 * H) == {"dispatched": 0, "yellow": 4, "red": 0}
    assert recipients(by_a, "yellow") == {personas.grid_worker_a.pk}
    assert recipients(by_b, "yellow") == {personas.grid_worker_b.pk}
    assert recipients(by_unit, "yellow") == {personas.department_staff.pk}
    assert recipients(waiting, "yellow") == {personas.grid_worker_a.pk}
    message = Notification.objects.get(key__startswith=f"case:{by_b.pk}:yellow")
    assert (
        message.key
        == f"case:{by_b.pk}:yellow:{fresh(by_b).stage_due_at.timestamp():.0f}:{by_b.holder_user_id}"
    )
    assert (message.title, message.body, message.url) == (
        f"黄灯提醒：{by_b.number} 即将超时",
        "井盖缺失",
        by_b.get_absolute_url(),
    )

    assert sweep(now=MONDAY_9AM + 25 * H) == {"dispatched": 1, "yellow": 0, "red": 3}
    heads_a = {personas.community_head_a.pk, personas.street_leader.pk}
    assert recipients(by_a, "red") == recipients(by_unit, "red") == heads_a
    assert recipients(by_b, "red") == {personas.community_head_b.pk, personas.street_leader.pk}
    message = Notification.objects.get(key=f"case:{by_b.pk}:red:{personas.community_head_b.pk}")
    assert message.title == f"红灯告警：{by_b.number} 已超时"
    assert (fresh(waiting).status, recipients(waiting, "assigned")) == (
        CaseStatus.DISPATCHED,
        {personas.department_staff.pk},
    )
