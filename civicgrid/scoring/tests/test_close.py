"""The monthly close: idempotent, run by the periodic task, frozen afterwards; corrections go forward."""

from decimal import Decimal

import pytest
import time_machine

from civicgrid.cases.choices import Channel
from civicgrid.core.errors import DomainError
from civicgrid.scoring.choices import EntryKind, PeriodStatus, RuleKind
from civicgrid.scoring.models import ScoreEntry, ScorePeriod
from civicgrid.scoring.services import (
    PERIOD_CLOSED,
    PERIOD_NOT_OVER,
    REASON_REQUIRED,
    PeriodClosed,
    close_due_periods,
    entry_adjust,
    entry_correct,
    period_close,
)
from civicgrid.scoring.tasks import close_scoring_periods

from .conftest import DEC_1, NOVEMBER, at, make_case, make_scheme, make_visits

pytestmark = pytest.mark.django_db


@pytest.fixture
def scheme(tree, flow, personas):
    scheme = make_scheme(
        tree,
        (RuleKind.REWARDED_REPORT, -2),
        (RuleKind.LATE_CLAIM, -1),
        (RuleKind.PROACTIVE_FIND, 2),
        (RuleKind.VISITS_ABOVE_TARGET, 1, {"target": 1}),
    )
    make_case(flow, tree.grid_a1, category=flow.rewarded, entered_centre_at=at(11, 4))
    make_case(flow, tree.grid_a2, category=flow.rewarded, entered_centre_at=at(11, 4))
    make_case(flow, tree.grid_a1, channel=Channel.VISIT, reporter=personas.grid_worker_a)
    make_visits(tree.grid_a1, personas.grid_worker_a, 3)
    return scheme


def snapshot(scheme):
    return list(
        ScoreEntry.objects.filter(scheme=scheme)
        .order_by("key")
        .values_list("pk", "key", "unit_id", "case_id", "points", "created_at")
    )


def test_closing_a_month_twice_gives_the_same_ledger(scheme):
    with time_machine.travel(DEC_1, tick=False):
        period = period_close(scheme=scheme, day=NOVEMBER)
        first = snapshot(scheme)
    with time_machine.travel(at(12, 3), tick=False):
        period_close(scheme=scheme, day=NOVEMBER)
        close_due_periods()
        close_scoring_periods.call_local()
    assert len(first) == 6
    assert snapshot(scheme) == first
    period.refresh_from_db()
    assert (period.status, period.closed_at) == (PeriodStatus.CLOSED, DEC_1)


def test_a_rerun_of_an_unfinished_close_adds_only_what_is_missing(scheme):
    with time_machine.travel(DEC_1, tick=False):
        period_close(scheme=scheme, day=NOVEMBER)
        first = snapshot(scheme)
        ScorePeriod.objects.update(status=PeriodStatus.OPEN)  # as if the worker died before the last step
        period_close(scheme=scheme, day=NOVEMBER)
    assert snapshot(scheme) == first


def test_a_month_cannot_close_before_it_ends(scheme):
    with time_machine.travel(at(11, 30, hour=23), tick=False), pytest.raises(DomainError) as refused:
        period_close(scheme=scheme, day=NOVEMBER)
    assert refused.value.message == PERIOD_NOT_OVER
    assert not ScoreEntry.objects.exists()


def test_the_periodic_task_closes_every_ended_month_it_missed(scheme):
    with time_machine.travel(at(2, 2, year=2027), tick=False):
        assert close_scoring_periods.call_local() == {"closed": 3}
        assert close_scoring_periods.call_local() == {"closed": 0}
    starts = ScorePeriod.objects.filter(status=PeriodStatus.CLOSED).values_list("starts_on", flat=True)
    assert [d.strftime("%Y-%m") for d in starts] == ["2026-11", "2026-12", "2027-01"]


def test_a_closed_month_is_frozen(scheme, tree, flow, personas):
    with time_machine.travel(DEC_1, tick=False):
        period = period_close(scheme=scheme, day=NOVEMBER)
    before = snapshot(scheme)
    make_case(flow, tree.grid_b1, category=flow.rewarded)  # a November report entered late
    with time_machine.travel(at(12, 5), tick=False):
        period_close(scheme=scheme, day=NOVEMBER)
        with pytest.raises(PeriodClosed) as refused:
            entry_adjust(
                period=period,
                unit=tree.grid_a1,
                points=Decimal(5),
                reason="补记",
                actor=personas.platform_admin,
            )
    assert refused.value.message == PERIOD_CLOSED
    assert snapshot(scheme) == before


def test_a_correction_after_the_close_goes_to_the_next_period_with_its_reason(scheme, personas):
    with time_machine.travel(DEC_1, tick=False):
        period_close(scheme=scheme, day=NOVEMBER)
    original = ScoreEntry.objects.get(scheme=scheme, rule__kind=RuleKind.LATE_CLAIM, unit__name="甲二网格")
    with time_machine.travel(at(12, 5), tick=False):
        correction = entry_correct(
            entry=original,
            points=-original.points,
            reason="领办超时系系统故障",
            actor=personas.platform_admin,
        )
    assert correction.corrects == original
    assert correction.kind == EntryKind.CORRECTION
    assert correction.period.starts_on.strftime("%Y-%m") == "2026-12"
    assert (correction.points, correction.reason) == (Decimal("1.00"), "领办超时系系统故障")
    assert correction.data == {"original_period": "2026-11-01"}
    original.refresh_from_db()
    assert original.points == Decimal("-1.00")  # never changed in place


def test_a_correction_needs_a_reason(scheme, personas):
    with time_machine.travel(DEC_1, tick=False):
        period_close(scheme=scheme, day=NOVEMBER)
    entry = ScoreEntry.objects.filter(scheme=scheme).first()
    with pytest.raises(DomainError) as refused:
        entry_correct(entry=entry, points=Decimal(1), reason="  ", actor=personas.platform_admin)
    assert refused.value.message == REASON_REQUIRED
    assert not ScoreEntry.objects.filter(kind=EntryKind.CORRECTION).exists()
