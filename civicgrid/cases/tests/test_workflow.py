"""The state machine: every allowed transition works, every other one is refused clearly."""

import pytest

from civicgrid.cases.choices import CaseStatus
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import ACTIONS, TRANSITIONS, InvalidTransition, check


def test_the_table_lists_every_status():
    assert set(TRANSITIONS) == set(CaseStatus.values)


def test_closed_and_merged_cases_go_nowhere():
    assert TRANSITIONS[CaseStatus.CLOSED] == frozenset()
    assert TRANSITIONS[CaseStatus.MERGED] == frozenset()


def test_the_expected_transitions_exist():
    expected = {
        CaseStatus.REPORTED: {CaseStatus.AWAITING_CLAIM, CaseStatus.CLOSED, CaseStatus.MERGED},
        CaseStatus.AWAITING_CLAIM: {
            CaseStatus.CLAIMED,
            CaseStatus.DISPATCHED,
            CaseStatus.DISPATCHER_QUEUE,
            CaseStatus.CLOSED,
            CaseStatus.MERGED,
        },
        CaseStatus.DISPATCHER_QUEUE: {CaseStatus.DISPATCHED, CaseStatus.CLOSED, CaseStatus.MERGED},
        CaseStatus.CLAIMED: {
            CaseStatus.VERIFIED,
            CaseStatus.AWAITING_CLAIM,
            CaseStatus.DISPATCHER_QUEUE,
            CaseStatus.DISPUTED,
            CaseStatus.MERGED,
        },
        CaseStatus.VERIFIED: {
            CaseStatus.RESOLVED,
            CaseStatus.AWAITING_CLAIM,
            CaseStatus.DISPATCHER_QUEUE,
            CaseStatus.DISPUTED,
            CaseStatus.MERGED,
        },
        CaseStatus.RESOLVED: {CaseStatus.CLOSED, CaseStatus.VERIFIED},
        CaseStatus.DISPUTED: {
            CaseStatus.CLOSED,
            CaseStatus.CLAIMED,
            CaseStatus.DISPATCHED,
            CaseStatus.VERIFIED,
        },
    }
    for status, targets in expected.items():
        assert TRANSITIONS[status] == targets, status


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("status", CaseStatus.values)
def test_an_action_from_a_status_it_does_not_leave_is_refused_in_chinese(action, status):
    case = Case(status=status)
    if status in ACTIONS[action].sources:
        assert check(case, action) is ACTIONS[action]
    else:
        with pytest.raises(InvalidTransition) as error:
            check(case, action)
        assert f"问题当前状态为“{CaseStatus(status).label}”" in str(error.value.message)
        assert error.value.status == 409
