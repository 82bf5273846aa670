"""Who hears about a case, and what they read. Each message has a key, so a sweep that runs twice
(or on two workers) never sends it twice. An Outbox collects the messages of a transition (or of
a whole sweep batch) and writes them in one insert, looking each group of people up once."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from civicgrid.notifications.services import Message, bulk_notify
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.org.selectors import ancestor_of_kind

from .choices import Outcome

HANDLING_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF)


class Outbox:
    def __init__(self):
        self.messages: list[Message] = []
        self._people: dict = {}
        self._streets: dict = {}
        self._case_url = reverse("cases:detail", args=[0]).removesuffix("0/")

    def people(self, *, roles, **where) -> list:
        """Active users holding one of `roles` in units matching `where` (memoised for the batch)."""
        key = (tuple(roles), tuple(sorted(where.items())))
        if key not in self._people:
            ids = Membership.objects.filter(role__in=roles, is_active=True, **where).values("user_id")
            self._people[key] = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
        return self._people[key]

    def street_path(self, case) -> str:
        community = case.grid.path[: -OrgUnit.steplen]
        if community not in self._streets:
            street = ancestor_of_kind(case.grid, UnitKind.STREET)
            self._streets[community] = street.path if street else case.grid.path
        return self._streets[community]

    def add(
        self, users, case, kind: str, title: str, body: str = "", *, sms: bool = False, tag: str = ""
    ) -> None:
        url = f"{self._case_url}{case.pk}/"  # case.get_absolute_url(), without a reverse() per message
        for user in users:
            self.messages.append(
                Message(
                    user=user,
                    kind=f"case.{kind}",
                    title=title,
                    body=body,
                    url=url,
                    key=f"case:{case.pk}:{kind}{tag}:{user.pk}",
                    sms=sms,
                )
            )

    def flush(self) -> int:
        sent, self.messages = bulk_notify(self.messages), []
        return sent


def _send(outbox: Outbox | None, fill) -> None:
    box = outbox or Outbox()
    fill(box)
    if outbox is None:
        box.flush()


def _community_path(case) -> str:
    return case.grid.path[: -OrgUnit.steplen]


def holder_members(case, box: Outbox) -> list:
    if case.holder_id is None:
        return []
    if case.holder_user_id:
        return [case.holder_user]
    return box.people(roles=HANDLING_ROLES, unit_id=case.holder_id)


def grid_workers_to_confirm(case, outbox: Outbox | None = None) -> None:
    _send(
        outbox,
        lambda box: box.add(
            box.people(roles=[Role.GRID_WORKER], unit_id=case.grid_id),
            case,
            "confirm",
            _("协管员上报的问题待您核实：%(number)s") % {"number": case.number},
            case.description[:100],
        ),
    )


def holder_assigned(case, *, reopened: bool = False, outbox: Outbox | None = None) -> None:
    title = _("问题返工：%(number)s") if reopened else _("新派单：%(number)s")
    tag = f":{case.assigned_at.timestamp() if case.assigned_at else 0:.0f}:{case.return_count}:{case.resolved_at or ''}"
    _send(
        outbox,
        lambda box: box.add(
            holder_members(case, box),
            case,
            "reopened" if reopened else "assigned",
            title % {"number": case.number},
            case.description[:100],
            tag=tag,
        ),
    )


def dispatchers(case, outbox: Outbox | None = None) -> None:
    _send(
        outbox,
        lambda box: box.add(
            box.people(roles=[Role.DISPATCHER], unit__path=box.street_path(case)),
            case,
            "queue",
            _("待人工派单：%(number)s") % {"number": case.number},
            case.description[:100],
            tag=f":{case.return_count}",
        ),
    )


def checkers(case, *, extension: bool = False, outbox: Outbox | None = None) -> None:
    kind = "extension" if extension else "check"
    title = _("延期/缓办申请待审批：%(number)s") if extension else _("问题已办结待核查：%(number)s")
    _send(
        outbox,
        lambda box: box.add(
            box.people(roles=[Role.COMMUNITY_HEAD], unit__path=_community_path(case)),
            case,
            kind,
            title % {"number": case.number},
            tag=f":{case.events.count()}",
        ),
    )


def dispute_reviewers(case, outbox: Outbox | None = None) -> None:
    _send(
        outbox,
        lambda box: box.add(
            box.people(roles=[Role.DEPARTMENT_STAFF], unit__path__startswith=box.street_path(case)),
            case,
            "dispute",
            _("有奖发现异议待甄别：%(number)s") % {"number": case.number},
        ),
    )


def leaders_warning(case, outbox: Outbox | None = None) -> None:
    _send(
        outbox,
        lambda box: box.add(
            box.people(roles=[Role.STREET_LEADER], unit__path=box.street_path(case)),
            case,
            f"warning{case.warning_level}",
            _("%(level)s：%(number)s") % {"level": case.get_warning_level_display(), "number": case.number},
            case.description[:100],
            sms=True,
        ),
    )


def yellow(case, outbox: Outbox | None = None) -> None:
    def fill(box):
        people = holder_members(case, box) or box.people(roles=[Role.GRID_WORKER], unit_id=case.grid_id)
        box.add(
            people,
            case,
            "yellow",
            _("黄灯提醒：%(number)s 即将超时") % {"number": case.number},
            case.description[:100],
            tag=f":{case.stage_due_at.timestamp():.0f}",
        )

    _send(outbox, fill)


def red(case, outbox: Outbox | None = None) -> None:
    """Red goes up: the holder's head (the community head of the place) and the leaders in charge."""

    def fill(box):
        heads = box.people(roles=[Role.COMMUNITY_HEAD], unit__path=_community_path(case)) + box.people(
            roles=[Role.STREET_LEADER], unit__path=box.street_path(case)
        )
        box.add(
            heads,
            case,
            "red",
            _("红灯告警：%(number)s 已超时") % {"number": case.number},
            case.description[:100],
            sms=True,
        )

    _send(outbox, fill)


def reporter_outcome(case, outbox: Outbox | None = None) -> None:
    """Tell the reporter (and the reporters of merged duplicates) how the case ended."""
    outcome = Outcome(case.outcome).label if case.outcome else ""
    reporters = [c.reporter for c in [case, *case.duplicates.select_related("reporter")] if c.reporter_id]
    _send(
        outbox,
        lambda box: box.add(
            {u.pk: u for u in reporters}.values(),
            case,
            "outcome",
            _("您反映的问题已处理：%(outcome)s") % {"outcome": outcome},
            case.outcome_note[:200],
        ),
    )
