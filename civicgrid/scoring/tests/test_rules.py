"""Each rule kind: what it counts in a period, and whom it scores."""

from decimal import Decimal

import pytest
import time_machine

from civicgrid.cases.choices import CaseStatus, Channel, EventKind, Outcome
from civicgrid.cases.models import CaseEvent
from civicgrid.scoring.choices import RuleKind, TargetKind
from civicgrid.scoring.models import ScoreEntry
from civicgrid.scoring.services import period_close

from .conftest import DEC_1, NOVEMBER, at, make_case, make_scheme, make_visits

pytestmark = pytest.mark.django_db


def close(scheme, day=NOVEMBER, now=DEC_1):
    with time_machine.travel(now, tick=False):
        return period_close(scheme=scheme, day=day)


def ledger(scheme, **filters):
    return sorted(
        ScoreEntry.objects.filter(scheme=scheme, **filters).values_list("unit_id", "case_id", "points"),
        key=lambda row: (row[0], row[1] or 0),
    )


def test_each_rewarded_report_in_the_grid_deducts_once(tree, flow):
    scheme = make_scheme(tree, (RuleKind.REWARDED_REPORT, -2))
    first = make_case(flow, tree.grid_a1, category=flow.rewarded, channel=Channel.REWARDED_REPORT)
    second = make_case(flow, tree.grid_a1, category=flow.rewarded, channel=Channel.REWARDED_REPORT)
    make_case(flow, tree.grid_a1)  # not a rewarded category
    make_case(flow, tree.grid_a1, category=flow.rewarded, reported_at=at(10, 30))  # October
    make_case(flow, tree.grid_a1, category=flow.rewarded, status=CaseStatus.MERGED)
    make_case(flow, tree.grid_a1, category=flow.rewarded, outcome=Outcome.INVALID)
    close(scheme)
    assert ledger(scheme) == [
        (tree.grid_a1.pk, first.pk, Decimal("-2.00")),
        (tree.grid_a1.pk, second.pk, Decimal("-2.00")),
    ]


def test_a_claim_after_its_limit_deducts(tree, flow):
    """The claim limit is the policy's claim hours (24 here) after the case entered the centre; once
    claimed a case keeps no claim deadline (the services clear it), so none is set here either."""
    scheme = make_scheme(tree, (RuleKind.LATE_CLAIM, -1))
    late = make_case(flow, tree.grid_a1, entered_centre_at=at(11, 4), assigned_at=at(11, 6))
    never = make_case(
        flow,
        tree.grid_a2,
        entered_centre_at=at(11, 4),
        claim_due_at=at(11, 5),
        status=CaseStatus.AWAITING_CLAIM,
    )
    make_case(flow, tree.grid_a1, entered_centre_at=at(11, 4), assigned_at=at(11, 4, hour=20))  # in time
    # Due in December (entered on the 1st).
    make_case(flow, tree.grid_a1, entered_centre_at=at(12, 1), status=CaseStatus.AWAITING_CLAIM)
    # Due in October (entered on the 29th): not this period's, however late it was claimed.
    make_case(flow, tree.grid_a1, entered_centre_at=at(10, 29), assigned_at=at(11, 2))
    close(scheme)
    assert ledger(scheme) == [
        (tree.grid_a1.pk, late.pk, Decimal("-1.00")),
        (tree.grid_a2.pk, never.pk, Decimal("-1.00")),
    ]


def test_a_resolution_after_its_limit_deducts(tree, flow):
    scheme = make_scheme(tree, (RuleKind.LATE_RESOLUTION, -3))
    late = make_case(flow, tree.grid_b1, resolve_due_at=at(11, 10), resolved_at=at(11, 12))
    open_case = make_case(flow, tree.grid_b1, resolve_due_at=at(11, 20))
    make_case(flow, tree.grid_b1, resolve_due_at=at(11, 10), resolved_at=at(11, 9))
    close(scheme)
    assert ledger(scheme) == [
        (tree.grid_b1.pk, late.pk, Decimal("-3.00")),
        (tree.grid_b1.pk, open_case.pk, Decimal("-3.00")),
    ]


def test_an_unresolved_case_is_deducted_again_each_period_until_resolved(tree, flow):
    scheme = make_scheme(tree, (RuleKind.UNRESOLVED_REPEAT, -5))
    case = make_case(flow, tree.grid_a1, reported_at=at(10, 1), resolve_due_at=at(10, 20))
    make_case(flow, tree.grid_a1, reported_at=at(10, 1), resolve_due_at=at(10, 20), resolved_at=at(10, 30))
    later = make_case(flow, tree.grid_a1, resolve_due_at=at(11, 20))  # overdue from December on
    close(scheme)  # November: overdue since October, still open
    close(scheme, day=at(12, 1).date(), now=at(1, 1, year=2027))  # December: still open
    case.resolved_at = at(1, 5, year=2027)
    case.status = CaseStatus.RESOLVED
    case.save()
    close(scheme, day=at(1, 1, year=2027).date(), now=at(2, 1, year=2027))  # January: resolved, stops
    close(scheme, day=at(2, 1, year=2027).date(), now=at(3, 1, year=2027))
    periods = list(
        ScoreEntry.objects.filter(scheme=scheme, case=case).values_list("period__starts_on", "points")
    )
    assert [(p.strftime("%Y-%m"), points) for p, points in periods] == [
        ("2026-11", Decimal("-5.00")),
        ("2026-12", Decimal("-5.00")),
    ]
    assert ScoreEntry.objects.filter(scheme=scheme, case=later).count() == 3  # December to February


def test_a_report_upheld_after_dispute_deducts(tree, flow, personas):
    scheme = make_scheme(tree, (RuleKind.REPORT_UPHELD, -4))
    upheld = make_case(flow, tree.grid_a1, category=flow.rewarded, channel=Channel.REWARDED_REPORT)
    CaseEvent.objects.create(case=upheld, kind=EventKind.DISPUTE_REJECTED, at=at(11, 8))
    dropped = make_case(flow, tree.grid_a1, category=flow.rewarded, channel=Channel.REWARDED_REPORT)
    CaseEvent.objects.create(case=dropped, kind=EventKind.DISPUTE_UPHELD, at=at(11, 8))
    close(scheme)
    assert ledger(scheme) == [(tree.grid_a1.pk, upheld.pk, Decimal("-4.00"))]


def test_the_counted_dispute_event_is_a_parameter(tree, flow):
    scheme = make_scheme(tree, (RuleKind.REPORT_UPHELD, -4, {"event": EventKind.DISPUTE_UPHELD}))
    case = make_case(flow, tree.grid_a1, category=flow.rewarded)
    CaseEvent.objects.create(case=case, kind=EventKind.DISPUTE_UPHELD, at=at(11, 8))
    close(scheme)
    assert ledger(scheme) == [(tree.grid_a1.pk, case.pk, Decimal("-4.00"))]


def test_a_case_found_by_the_grids_own_staff_on_a_visit_or_patrol_earns_points(tree, flow, personas):
    scheme = make_scheme(tree, (RuleKind.PROACTIVE_FIND, 2))
    found = make_case(flow, tree.grid_a1, channel=Channel.VISIT, reporter=personas.grid_worker_a)
    patrol = make_case(flow, tree.grid_a1, channel=Channel.PATROL, reporter=personas.assistant_a)
    make_case(flow, tree.grid_a1, channel=Channel.PATROL, reporter=personas.grid_worker_b)  # not A1's
    make_case(flow, tree.grid_a1, channel=Channel.SUGGESTION, reporter=personas.grid_worker_a)
    close(scheme)
    assert ledger(scheme) == [
        (tree.grid_a1.pk, found.pk, Decimal("2.00")),
        (tree.grid_a1.pk, patrol.pk, Decimal("2.00")),
    ]


def test_visits_above_the_target_earn_points_per_extra_visit(tree, flow, personas):
    scheme = make_scheme(tree, (RuleKind.VISITS_ABOVE_TARGET, "0.5", {"target": 3}))
    make_visits(tree.grid_a1, personas.grid_worker_a, 5)
    make_visits(tree.grid_a2, personas.community_head_a, 3)  # at target: nothing
    make_visits(tree.grid_a1, personas.grid_worker_a, 4, when=at(12, 2))  # next month
    close(scheme)
    entry = ScoreEntry.objects.get(scheme=scheme)
    assert (entry.unit_id, entry.points, entry.data) == (tree.grid_a1.pk, Decimal("1.00"), {"count": 2})


def test_a_community_scheme_scores_the_grids_community(tree, flow):
    scheme = make_scheme(tree, (RuleKind.REWARDED_REPORT, -2), target=TargetKind.COMMUNITY)
    make_case(flow, tree.grid_a1, category=flow.rewarded)
    make_case(flow, tree.grid_a2, category=flow.rewarded)
    make_case(flow, tree.grid_b1, category=flow.rewarded)
    close(scheme)
    units = sorted(ScoreEntry.objects.filter(scheme=scheme).values_list("unit_id", flat=True))
    assert units == sorted([tree.community_a.pk, tree.community_a.pk, tree.community_b.pk])


def test_a_worker_scheme_scores_the_grids_workers_or_the_one_who_acted(tree, flow, personas):
    scheme = make_scheme(
        tree, (RuleKind.LATE_CLAIM, -1), (RuleKind.PROACTIVE_FIND, 2), target=TargetKind.WORKER
    )
    make_case(flow, tree.grid_a1, entered_centre_at=at(11, 4), status=CaseStatus.AWAITING_CLAIM)
    make_case(flow, tree.grid_a1, channel=Channel.VISIT, reporter=personas.assistant_a)
    close(scheme)
    rows = set(ScoreEntry.objects.filter(scheme=scheme).values_list("user_id", "points"))
    assert rows == {(personas.grid_worker_a.pk, Decimal("-1.00")), (personas.assistant_a.pk, Decimal("2.00"))}
