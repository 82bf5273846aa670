"""Who hears about a case, and what they read. Each message has a key, so a sweep that runs twice
(or on two workers) never sends it twice. An Outbox collects the messages of a transition (or of
a whole sweep batch) and writes them in one insert, looking each group of people up once.

The sweep sends for a whole batch at once (`holders_assigned`, `dispatchers_queued`, `yellow`,
`red`): each title is translated once per batch, and the yellow and red marks read plain rows
(`Case.objects.values(*MARKED)`), not model instances."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from civicgrid.notifications.services import Message, bulk_notify
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.org.selectors import ancestor_of_kind

from .choices import Outcome

HANDLING_ROLES = (Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF)
# What the messages of a yellow or red mark read of a case (see `yellow` and `red`).
MARKED = ("id", "number", "description", "stage_due_at", "grid_id", "holder_id", "holder_user_id")


class Outbox:
    def __init__(self):
        self.messages: list[Message] = []
        self._people: dict = {}
        self._streets: dict = {}
        self._users: dict = {}  # user id → user, for cases held by one person
        self._grids: dict = {}  # grid id → grid, for rows that name their grid by id
        self._case_url = reverse("cases:detail", args=[0]).removesuffix("0/")

    def people(self, *, roles, **where) -> list:
        """Active users holding one of `roles` in units matching `where` (memoised for the batch)."""
        key = (tuple(roles), tuple(sorted(where.items())))
        if key not in self._people:
            ids = Membership.objects.filter(role__in=roles, is_active=True, **where).values("user_id")
            self._people[key] = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
        return self._people[key]

    def users(self, ids: Iterable[int]) -> dict:
        """The users with these ids, those not seen before read in one query (memoised)."""
        wanted = set(ids) - self._users.keys()
        if wanted:
            self._users |= get_user_model().objects.in_bulk(wanted)
        return self._users

    def grids(self, ids: Iterable[int]) -> dict:
        """The grids with these ids, those not seen before read in one query (memoised)."""
        wanted = set(ids) - self._grids.keys()
        if wanted:
            self._grids |= OrgUnit.objects.defer("boundary").in_bulk(wanted)
        return self._grids

    def street_path(self, grid) -> str:
        """The path of the street the grid lies in (memoised per community)."""
        community = grid.path[: -OrgUnit.steplen]
        if community not in self._streets:
            street = ancestor_of_kind(grid, UnitKind.STREET)
            self._streets[community] = street.path if street else grid.path
        return self._streets[community]

    def add(
        self, users, case_id: int, kind: str, title: str, body: str = "", *, sms: bool = False, tag: str = ""
    ) -> None:
        url = f"{self._case_url}{case_id}/"  # case.get_absolute_url(), without a reverse() per message
        for user in users:
            self.messages.append(
                Message(
                    user=user,
                    kind=f"case.{kind}",
                    title=title,
                    body=body,
                    url=url,
                    key=f"case:{case_id}:{kind}{tag}:{user.pk}",
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


def _community_path(grid) -> str:
    return grid.path[: -OrgUnit.steplen]


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
            case.pk,
            "confirm",
            _("协管员上报的问题待您核实：%(number)s") % {"number": case.number},
            case.description[:100],
        ),
    )


def holder_assigned(case, *, reopened: bool = False, outbox: Outbox | None = None) -> None:
    _send(outbox, lambda box: holders_assigned([case], box, reopened=reopened))


def holders_assigned(cases: Iterable, box: Outbox, *, reopened: bool = False) -> None:
    """Tell the holder of each case (just assigned, or reopened) that it is theirs now."""
    kind = "reopened" if reopened else "assigned"
    title = _("问题返工：%(number)s") if reopened else _("新派单：%(number)s")
    for case in cases:
        assigned = f"{case.assigned_at.timestamp() if case.assigned_at else 0:.0f}"
        box.add(
            holder_members(case, box),
            case.pk,
            kind,
            title % {"number": case.number},
            case.description[:100],
            tag=f":{assigned}:{case.return_count}:{case.resolved_at or ''}",
        )


def dispatchers(case, outbox: Outbox | None = None) -> None:
    _send(outbox, lambda box: dispatchers_queued([case], box))


def dispatchers_queued(cases: Iterable, box: Outbox) -> None:
    """Tell the dispatchers of the street that each case waits for them to dispatch it by hand."""
    title = _("待人工派单：%(number)s")
    for case in cases:
        box.add(
            box.people(roles=[Role.DISPATCHER], unit__path=box.street_path(case.grid)),
            case.pk,
            "queue",
            title % {"number": case.number},
            case.description[:100],
            tag=f":{case.return_count}",
        )


def checkers(case, *, extension: bool = False, outbox: Outbox | None = None) -> None:
    kind = "extension" if extension else "check"
    title = _("延期/缓办申请待审批：%(number)s") if extension else _("问题已办结待核查：%(number)s")
    _send(
        outbox,
        lambda box: box.add(
            box.people(roles=[Role.COMMUNITY_HEAD], unit__path=_community_path(case.grid)),
            case.pk,
            kind,
            title % {"number": case.number},
            tag=f":{case.events.count()}",
        ),
    )


def dispute_reviewers(case, outbox: Outbox | None = None) -> None:
    _send(
        outbox,
        lambda box: box.add(
            box.people(roles=[Role.DEPARTMENT_STAFF], unit__path__startswith=box.street_path(case.grid)),
            case.pk,
            "dispute",
            _("有奖发现异议待甄别：%(number)s") % {"number": case.number},
        ),
    )


def leaders_warning(case, outbox: Outbox | None = None) -> None:
    _send(
        outbox,
        lambda box: box.add(
            box.people(roles=[Role.STREET_LEADER], unit__path=box.street_path(case.grid)),
            case.pk,
            f"warning{case.warning_level}",
            _("%(level)s：%(number)s") % {"level": case.get_warning_level_display(), "number": case.number},
            case.description[:100],
            sms=True,
        ),
    )


def yellow(cases: list[dict], box: Outbox) -> None:
    """Yellow goes to the holder: the person who claimed the case, or the people of the unit that
    holds it (the grid's workers while nobody does). `cases` are rows of `MARKED`."""
    users = box.users(c["holder_user_id"] for c in cases if c["holder_user_id"])
    title = _("黄灯提醒：%(number)s 即将超时")
    for case in cases:
        if case["holder_id"] is None:  # as holder_members, for a row
            people = []
        elif case["holder_user_id"]:
            people = [users[case["holder_user_id"]]]
        else:
            people = box.people(roles=HANDLING_ROLES, unit_id=case["holder_id"])
        box.add(
            people or box.people(roles=[Role.GRID_WORKER], unit_id=case["grid_id"]),
            case["id"],
            "yellow",
            title % {"number": case["number"]},
            case["description"][:100],
            tag=f":{case['stage_due_at'].timestamp():.0f}",
        )


def red(cases: list[dict], box: Outbox) -> None:
    """Red goes up: the holder's head (the community head of the place) and the leaders in charge.
    `cases` are rows of `MARKED`; the people are looked up once per grid."""
    grids = box.grids(c["grid_id"] for c in cases)
    heads_of: dict[int, list] = {}  # grid id → the community heads and the street leaders
    title = _("红灯告警：%(number)s 已超时")
    for case in cases:
        heads = heads_of.get(case["grid_id"])
        if heads is None:
            grid = grids[case["grid_id"]]
            heads = heads_of[case["grid_id"]] = box.people(
                roles=[Role.COMMUNITY_HEAD], unit__path=_community_path(grid)
            ) + box.people(roles=[Role.STREET_LEADER], unit__path=box.street_path(grid))
        box.add(
            heads,
            case["id"],
            "red",
            title % {"number": case["number"]},
            case["description"][:100],
            sms=True,
        )


def reporter_outcome(case, outbox: Outbox | None = None) -> None:
    """Tell the reporter (and the reporters of merged duplicates) how the case ended."""
    outcome = Outcome(case.outcome).label if case.outcome else ""
    reporters = [c.reporter for c in [case, *case.duplicates.select_related("reporter")] if c.reporter_id]
    _send(
        outbox,
        lambda box: box.add(
            {u.pk: u for u in reporters}.values(),
            case.pk,
            "outcome",
            _("您反映的问题已处理：%(outcome)s") % {"outcome": outcome},
            case.outcome_note[:200],
        ),
    )
