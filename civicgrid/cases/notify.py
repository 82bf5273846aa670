"""Who hears about a case, and what they read. Each message has a key, so a sweep that runs twice
(or on two workers) never sends it twice."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from civicgrid.notifications.services import notify
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.org.selectors import ancestor_of_kind

from .choices import Outcome


def _members(q: Q):
    ids = Membership.objects.filter(q, is_active=True).values("user_id")
    return get_user_model().objects.filter(pk__in=ids, is_active=True)


def _send(users, case, kind: str, title: str, body: str = "", *, sms: bool = False, tag: str = "") -> None:
    for user in users:
        notify(
            user=user,
            kind=f"case.{kind}",
            title=title,
            body=body,
            url=case.get_absolute_url(),
            key=f"case:{case.pk}:{kind}{tag}:{user.pk}",
            sms=sms,
        )


def _street_path(case) -> str:
    street = ancestor_of_kind(case.grid, UnitKind.STREET)
    return street.path if street else case.grid.path


def _community_path(case) -> str:
    return case.grid.path[: -OrgUnit.steplen]


def holder_members(case):
    if case.holder_id is None:
        return []
    if case.holder_user_id:
        return [case.holder_user]
    return _members(
        Q(
            unit_id=case.holder_id,
            role__in=[Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF],
        )
    )


def grid_workers_to_confirm(case) -> None:
    _send(
        _members(Q(unit_id=case.grid_id, role=Role.GRID_WORKER)),
        case,
        "confirm",
        _("协管员上报的问题待您核实：%(number)s") % {"number": case.number},
        case.description[:100],
    )


def holder_assigned(case, *, reopened: bool = False) -> None:
    title = _("问题返工：%(number)s") if reopened else _("新派单：%(number)s")
    _send(
        holder_members(case),
        case,
        "reopened" if reopened else "assigned",
        title % {"number": case.number},
        case.description[:100],
        tag=f":{case.events.count()}",
    )


def dispatchers(case) -> None:
    _send(
        _members(Q(role=Role.DISPATCHER, unit__path__in=[_street_path(case)])),
        case,
        "queue",
        _("待人工派单：%(number)s") % {"number": case.number},
        case.description[:100],
        tag=f":{case.return_count}",
    )


def checkers(case, *, extension: bool = False) -> None:
    kind = "extension" if extension else "check"
    title = _("延期/缓办申请待审批：%(number)s") if extension else _("问题已办结待核查：%(number)s")
    _send(
        _members(Q(role=Role.COMMUNITY_HEAD, unit__path=_community_path(case))),
        case,
        kind,
        title % {"number": case.number},
        tag=f":{case.events.count()}",
    )


def dispute_reviewers(case) -> None:
    _send(
        _members(Q(role=Role.DEPARTMENT_STAFF, unit__path__startswith=_street_path(case))),
        case,
        "dispute",
        _("有奖发现异议待甄别：%(number)s") % {"number": case.number},
    )


def leaders_warning(case) -> None:
    _send(
        _members(Q(role=Role.STREET_LEADER, unit__path=_street_path(case))),
        case,
        f"warning{case.warning_level}",
        _("%(level)s：%(number)s") % {"level": case.get_warning_level_display(), "number": case.number},
        case.description[:100],
        sms=True,
    )


def yellow(case) -> None:
    _send(
        holder_members(case) or _members(Q(role=Role.GRID_WORKER, unit_id=case.grid_id)),
        case,
        "yellow",
        _("黄灯提醒：%(number)s 即将超时") % {"number": case.number},
        case.description[:100],
    )


def red(case) -> None:
    """Red goes up: the holder's head (the community head of the place) and the leaders in charge."""
    heads = _members(
        Q(role=Role.COMMUNITY_HEAD, unit__path=_community_path(case))
        | Q(role=Role.STREET_LEADER, unit__path=_street_path(case))
    )
    _send(
        heads,
        case,
        "red",
        _("红灯告警：%(number)s 已超时") % {"number": case.number},
        case.description[:100],
        sms=True,
    )


def reporter_outcome(case) -> None:
    """Tell the reporter (and the reporters of merged duplicates) how the case ended."""
    outcome = Outcome(case.outcome).label if case.outcome else ""
    reporters = [c.reporter for c in [case, *case.duplicates.select_related("reporter")] if c.reporter_id]
    _send(
        {u.pk: u for u in reporters}.values(),
        case,
        "outcome",
        _("您反映的问题已处理：%(outcome)s") % {"outcome": outcome},
        case.outcome_note[:200],
    )
