"""The one state machine of a case: which action moves it from which states to which, and who may.

Anything not in this table is refused. Services call `check(case, action)` before they write.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError
from civicgrid.org.choices import Role

from .choices import CaseStatus as S

COMMUNITY_ROLES = frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD})
CHECKERS = frozenset({Role.COMMUNITY_HEAD, Role.DISPATCHER})


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    sources: frozenset[str]
    targets: frozenset[str]
    roles: frozenset[str]


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "confirm",
            _("核实确认"),
            frozenset({S.REPORTED}),
            frozenset({S.AWAITING_CLAIM}),
            frozenset({Role.GRID_WORKER}),
        ),
        Action(
            "reject_report",
            _("核实不属实"),
            frozenset({S.REPORTED}),
            frozenset({S.CLOSED}),
            frozenset({Role.GRID_WORKER}),
        ),
        Action(
            "claim",
            _("领办"),
            frozenset({S.AWAITING_CLAIM}),
            frozenset({S.CLAIMED}),
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF}),
        ),
        Action(
            "dispatch",
            _("派单"),
            frozenset({S.AWAITING_CLAIM, S.DISPATCHER_QUEUE}),
            frozenset({S.DISPATCHED}),
            frozenset({Role.DISPATCHER}),
        ),
        Action(
            "queue",
            _("转人工派单"),
            frozenset({S.AWAITING_CLAIM}),
            frozenset({S.DISPATCHER_QUEUE}),
            frozenset(),
        ),
        Action(
            "verify",
            _("现场核实"),
            frozenset({S.CLAIMED, S.DISPATCHED}),
            frozenset({S.VERIFIED}),
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF}),
        ),
        Action(
            "work_log",
            _("填写处置记录"),
            frozenset({S.CLAIMED, S.DISPATCHED, S.VERIFIED}),
            frozenset(),
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF}),
        ),
        Action(
            "resolve",
            _("办结"),
            frozenset({S.VERIFIED}),
            frozenset({S.RESOLVED}),
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF}),
        ),
        Action("close", _("核查结案"), frozenset({S.RESOLVED}), frozenset({S.CLOSED}), CHECKERS),
        Action("reopen", _("返工"), frozenset({S.RESOLVED}), frozenset({S.VERIFIED}), CHECKERS),
        Action(
            "close_unhandled",
            _("不予受理并结案"),
            frozenset({S.AWAITING_CLAIM, S.DISPATCHER_QUEUE}),
            frozenset({S.CLOSED}),
            frozenset({Role.DISPATCHER}),
        ),
        Action(
            "return",
            _("退回"),
            frozenset({S.CLAIMED, S.DISPATCHED, S.VERIFIED}),
            frozenset({S.AWAITING_CLAIM, S.DISPATCHER_QUEUE}),
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF}),
        ),
        Action(
            "dispute",
            _("提出异议"),
            frozenset({S.CLAIMED, S.DISPATCHED, S.VERIFIED}),
            frozenset({S.DISPUTED}),
            COMMUNITY_ROLES,
        ),
        Action(
            "review_dispute",
            _("异议甄别"),
            frozenset({S.DISPUTED}),
            frozenset({S.CLOSED, S.CLAIMED, S.DISPATCHED, S.VERIFIED}),
            frozenset({Role.DEPARTMENT_STAFF}),
        ),
        Action(
            "merge",
            _("合并为重复问题"),
            frozenset(
                {S.REPORTED, S.AWAITING_CLAIM, S.DISPATCHER_QUEUE, S.CLAIMED, S.DISPATCHED, S.VERIFIED}
            ),
            frozenset({S.MERGED}),
            frozenset({Role.DISPATCHER, Role.COMMUNITY_HEAD}),
        ),
        Action(
            "recategorise",
            _("更正类别"),
            frozenset(
                {S.REPORTED, S.AWAITING_CLAIM, S.DISPATCHER_QUEUE, S.CLAIMED, S.DISPATCHED, S.VERIFIED}
            ),
            frozenset(),
            frozenset({Role.DISPATCHER, Role.COMMUNITY_HEAD}),
        ),
        Action(
            "set_warning",
            _("设定预警等级"),
            frozenset({S.AWAITING_CLAIM, S.DISPATCHER_QUEUE, S.CLAIMED, S.DISPATCHED, S.VERIFIED}),
            frozenset(),
            frozenset({Role.DEPARTMENT_STAFF}),
        ),
        Action(
            "request_extension",
            _("申请延期/缓办"),
            frozenset({S.CLAIMED, S.DISPATCHED, S.VERIFIED}),
            frozenset(),
            frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF}),
        ),
        Action(
            "inspect",
            _("督查"),
            frozenset({S.CLAIMED, S.DISPATCHED, S.VERIFIED, S.RESOLVED, S.CLOSED, S.DISPUTED}),
            frozenset(),
            frozenset({Role.SUPERVISOR}),
        ),
    ]
}

# status → the statuses it may move to (the state machine at a glance; tests check it).
TRANSITIONS: dict[str, frozenset[str]] = {
    status: frozenset(t for a in ACTIONS.values() if status in a.sources for t in a.targets)
    for status in S.values
}


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


def check(case, action: str) -> Action:
    """Return the action if the case's status allows it; otherwise refuse with a clear message."""
    spec = ACTIONS[action]
    if case.status not in spec.sources:
        raise InvalidTransition(
            _("问题当前状态为“%(status)s”，不能%(action)s。")
            % {"status": S(case.status).label, "action": spec.label}
        )
    return spec
