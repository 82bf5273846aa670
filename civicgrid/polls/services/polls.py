"""Writes of 网络投票: staff draft, publish and close polls; verified residents vote once."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden, NotFound
from civicgrid.org.models import OrgUnit
from civicgrid.portal.services import is_verified, points_award

from ..choices import Phase, PollKind, ResultsVisibility, Status
from ..models import Poll, PollOption, Vote, VoteChoice
from ..selectors import voter_community
from .common import (
    ALREADY_PUBLISHED,
    EDIT_ONLY_DRAFT,
    NOT_PUBLISHED,
    NOT_VERIFIED,
    OPTIONS_TOO_FEW,
    WINDOW_PAST,
    clean_options,
    header_errors,
    raise_if,
    require_manager,
)
from .notices import announce

KIND_INVALID = gettext_lazy("请选择投票方式。")
VISIBILITY_INVALID = gettext_lazy("请选择结果公开方式。")
MAX_CHOICES_RANGE = gettext_lazy("多选时，最多可选项数应不少于 2、不超过选项数（%(n)d 个）。")
CHOOSE_ONE = gettext_lazy("请选择一个选项。")
CHOOSE_AT_LEAST_ONE = gettext_lazy("请至少选择一个选项。")
CHOOSE_AT_MOST = gettext_lazy("最多只能选择 %(n)d 项。")
UNKNOWN_OPTION = gettext_lazy("所选选项不属于本次投票，请刷新页面后重试。")
ALREADY_VOTED = gettext_lazy("您已经投过票了，每人只能投一次。")
NOT_YET_OPEN = gettext_lazy("投票尚未开始。")
ALREADY_CLOSED = gettext_lazy("投票已截止。")


def _clean(
    *,
    unit: OrgUnit | None,
    title: str,
    description: str,
    kind: str,
    max_choices: int | None,
    opens_at: datetime | None,
    closes_at: datetime | None,
    results_visibility: str,
    options,
) -> tuple[dict, list[str]]:
    errors = header_errors(unit=unit, title=title, opens_at=opens_at, closes_at=closes_at)
    if kind not in PollKind.values:
        errors["kind"] = [KIND_INVALID]
    if results_visibility not in ResultsVisibility.values:
        errors["results_visibility"] = [VISIBILITY_INVALID]
    texts: list[str] = []
    try:
        texts = clean_options(options)
    except ValidationError as error:
        errors.update(error.message_dict)
    if kind == PollKind.MULTIPLE and texts and not (2 <= (max_choices or 0) <= len(texts)):
        errors["max_choices"] = [MAX_CHOICES_RANGE % {"n": len(texts)}]
    raise_if(errors)
    fields = {
        "unit": unit,
        "title": title.strip()[:80],
        "description": (description or "").strip()[:4000],
        "kind": kind,
        "max_choices": max_choices if kind == PollKind.MULTIPLE else 1,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "results_visibility": results_visibility,
    }
    return fields, texts


def _set_options(poll: Poll, texts: list[str]) -> None:
    poll.options.all().delete()  # a draft has no votes yet
    PollOption.objects.bulk_create(
        [PollOption(poll=poll, text=text[:100], position=i) for i, text in enumerate(texts, start=1)]
    )


@transaction.atomic
def poll_create(
    *,
    actor,
    unit: OrgUnit,
    title: str,
    options,
    opens_at: datetime,
    closes_at: datetime,
    description: str = "",
    kind: str = PollKind.SINGLE,
    max_choices: int | None = 1,
    results_visibility: str = ResultsVisibility.AFTER_VOTING,
    now: datetime | None = None,
) -> Poll:
    """Draft a poll for a community or the street, with its options."""
    if unit is not None:
        require_manager(actor, unit)
    fields, texts = _clean(
        unit=unit,
        title=title,
        description=description,
        kind=kind,
        max_choices=max_choices,
        opens_at=opens_at,
        closes_at=closes_at,
        results_visibility=results_visibility,
        options=options,
    )
    poll = Poll.objects.create(**fields, created_by=actor, created_at=now or clock.now())
    _set_options(poll, texts)
    audit_record(action=AuditAction.CREATE, actor=actor, obj=poll, details={"options": len(texts)})
    return poll


@transaction.atomic
def poll_update(
    *,
    actor,
    poll: Poll,
    unit: OrgUnit,
    title: str,
    options,
    opens_at: datetime,
    closes_at: datetime,
    description: str = "",
    kind: str = PollKind.SINGLE,
    max_choices: int | None = 1,
    results_visibility: str = ResultsVisibility.AFTER_VOTING,
) -> Poll:
    """Change a draft (its options included); a published poll keeps what its voters saw."""
    require_manager(actor, poll.unit)
    if unit is not None:
        require_manager(actor, unit)
    fields, texts = _clean(
        unit=unit,
        title=title,
        description=description,
        kind=kind,
        max_choices=max_choices,
        opens_at=opens_at,
        closes_at=closes_at,
        results_visibility=results_visibility,
        options=options,
    )
    # The row lock (PostgreSQL) or the immediate transaction (SQLite) keeps a publish from slipping in.
    if not Poll.objects.select_for_update().filter(pk=poll.pk, status=Status.DRAFT).exists():
        raise Conflict(EDIT_ONLY_DRAFT, code="not_draft")
    Poll.objects.filter(pk=poll.pk).update(**fields)
    _set_options(poll, texts)
    poll.refresh_from_db()
    audit_record(action=AuditAction.UPDATE, actor=actor, obj=poll, details={"options": len(texts)})
    return poll


@transaction.atomic
def poll_publish(*, actor, poll: Poll, now: datetime | None = None) -> Poll:
    """Open the draft to its audience (from its start time) and tell the residents in their inbox."""
    require_manager(actor, poll.unit)
    now = now or clock.now()
    poll.refresh_from_db()
    if poll.closes_at <= now:
        raise ValidationError({"closes_at": [WINDOW_PAST]})
    if poll.options.count() < 2:
        raise ValidationError({"options": [OPTIONS_TOO_FEW]})
    changed = Poll.objects.filter(pk=poll.pk, status=Status.DRAFT).update(
        status=Status.PUBLISHED, published_at=now
    )
    if not changed:
        raise Conflict(ALREADY_PUBLISHED, code="already_published")
    poll.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=poll, details={"status": Status.PUBLISHED})
    announce(
        unit=poll.unit,
        kind="polls.poll",
        key=f"poll:{poll.pk}",
        title=_("新的网络投票：%(title)s") % {"title": poll.title},
        url=poll.get_absolute_url(),
    )
    return poll


@transaction.atomic
def poll_close(*, actor, poll: Poll, now: datetime | None = None) -> Poll:
    """End voting now (a poll also stops taking votes by itself at its closing time)."""
    require_manager(actor, poll.unit)
    changed = Poll.objects.filter(pk=poll.pk, status=Status.PUBLISHED).update(
        status=Status.CLOSED, closed_at=now or clock.now()
    )
    if not changed:
        raise Conflict(NOT_PUBLISHED, code="not_published")
    poll.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=poll, details={"status": Status.CLOSED})
    return poll


def _option_ids(raw) -> list[int]:
    if raw is None or isinstance(raw, str | int):
        raw = [raw] if raw not in (None, "") else []
    try:
        ids = list(dict.fromkeys(int(value) for value in raw))
    except (TypeError, ValueError):
        raise ValidationError({"options": [UNKNOWN_OPTION]}) from None
    if any(not 0 < i < 2**63 for i in ids):  # no key is out of the database's range
        raise ValidationError({"options": [UNKNOWN_OPTION]})
    return ids


def open_or_refuse(item, now: datetime, *, not_yet=NOT_YET_OPEN, closed=ALREADY_CLOSED) -> None:
    """Refuse outside the window, with the reason the resident can act on."""
    phase = item.phase(now)
    if phase == Phase.DRAFT:
        raise NotFound()
    if phase == Phase.UPCOMING:
        raise Conflict(not_yet, code="not_open_yet")
    if phase == Phase.CLOSED:
        raise Conflict(closed, code="closed")


@transaction.atomic
def vote_cast(*, actor, poll: Poll, option_ids, now: datetime | None = None) -> Vote:
    """One verified resident of the audience votes once, inside the window. The unique constraint on
    (poll, user) decides between two simultaneous ballots of the same resident; the other is told."""
    now = now or clock.now()
    community = voter_community(actor, poll.unit)
    if community is None:
        raise NotFound()
    open_or_refuse(poll, now)
    if not is_verified(actor):
        raise Forbidden(NOT_VERIFIED, code="not_verified")
    if Vote.objects.filter(poll=poll, user=actor).exists():
        raise Conflict(ALREADY_VOTED, code="already_voted")
    chosen = _option_ids(option_ids)
    limit = poll.choice_limit
    if not chosen:
        raise ValidationError({"options": [CHOOSE_ONE if limit == 1 else CHOOSE_AT_LEAST_ONE]})
    if len(chosen) > limit:
        raise ValidationError({"options": [CHOOSE_ONE if limit == 1 else CHOOSE_AT_MOST % {"n": limit}]})
    options = list(PollOption.objects.filter(poll=poll, pk__in=chosen))
    if len(options) != len(chosen):
        raise ValidationError({"options": [UNKNOWN_OPTION]})
    try:
        with transaction.atomic():
            vote = Vote.objects.create(poll=poll, user=actor, community=community, created_at=now)
    except IntegrityError:
        raise Conflict(ALREADY_VOTED, code="already_voted") from None
    VoteChoice.objects.bulk_create([VoteChoice(vote=vote, option=option) for option in options])
    # Who voted is audited; what they chose is not written anywhere but the ballot itself.
    audit_record(action=AuditAction.CREATE, actor=actor, obj=vote, details={"poll": poll.pk})
    points_award(
        user=actor,
        rule_code="vote",
        once_key=f"poll:{poll.pk}",
        note=_("投票：%(title)s") % {"title": poll.title},
        now=now,
    )
    return vote
