"""Each rule kind as one set-based query: the things it counts in a period, per grid.

A hit is (grid_id, user_id, case_id, visit_id, count): `user_id` names the worker responsible when the
rule knows one (who reported, who visited); `count` multiplies the points (visits above target).
"""

from collections.abc import Callable
from datetime import datetime

from django.db.models import Count, Exists, F, OuterRef, Q

from civicgrid.cases.choices import CaseStatus, Channel, EventKind, Outcome
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.selectors import claim_limit_between_q, claim_limits, claimed_in_time_q
from civicgrid.fieldwork.models import Visit
from civicgrid.org.models import Membership

from .choices import RuleKind

Hit = tuple[int, int | None, int | None, int | None, int]
# Cases that never count against anyone: merged into another, or found untrue or duplicate.
NOT_COUNTED = Q(status=CaseStatus.MERGED) | Q(outcome__in=[Outcome.INVALID, Outcome.DUPLICATE])
PROACTIVE_CHANNELS = (Channel.VISIT, Channel.PATROL)


def _cases(grid_ids: list[int]):
    return Case.objects.filter(grid_id__in=grid_ids).exclude(NOT_COUNTED)


def _per_case(queryset) -> list[Hit]:
    return [(grid, None, case, None, 1) for case, grid in queryset.values_list("pk", "grid_id")]


def rewarded_report(*, grid_ids, start, end, params, by_worker) -> list[Hit]:
    return _per_case(
        _cases(grid_ids).filter(category__is_rewarded=True, reported_at__gte=start, reported_at__lt=end)
    )


def late_claim(*, grid_ids, start, end, params, by_worker) -> list[Hit]:
    """Cases whose first claim limit fell in the period and that were claimed after it, or not yet
    (the case keeps no claim deadline once claimed: cases.selectors works it out again)."""
    limits = claim_limits()
    late = Q(assigned_at__isnull=True) | claimed_in_time_q(limits, in_time=False)
    return _per_case(_cases(grid_ids).filter(claim_limit_between_q(limits, start, end), late))


def late_resolution(*, grid_ids, start, end, params, by_worker) -> list[Hit]:
    late = Q(resolved_at__isnull=True) | Q(resolved_at__gt=F("resolve_due_at"))
    return _per_case(_cases(grid_ids).filter(late, resolve_due_at__gte=start, resolve_due_at__lt=end))


def unresolved_repeat(*, grid_ids, start, end, params, by_worker) -> list[Hit]:
    """Overdue before the period began and still not resolved when it ended: once per such period."""
    return _per_case(
        _cases(grid_ids).filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__gte=end),
            Q(closed_at__isnull=True) | Q(closed_at__gte=end),
            resolve_due_at__lt=start,
            reported_at__lt=start,
        )
    )


def report_upheld(*, grid_ids, start, end, params, by_worker) -> list[Hit]:
    """A rewarded report the community disputed and lost (by default 异议不成立; `event` may say otherwise)."""
    kind = params.get("event", EventKind.DISPUTE_REJECTED)
    rows = (
        CaseEvent.objects.filter(kind=kind, at__gte=start, at__lt=end, case__grid_id__in=grid_ids)
        .values_list("case_id", "case__grid_id")
        .distinct()
    )
    return [(grid, None, case, None, 1) for case, grid in rows]


def proactive_find(*, grid_ids, start, end, params, by_worker) -> list[Hit]:
    """Found on a visit or patrol by a member of the case's own grid."""
    member = Membership.objects.filter(
        user_id=OuterRef("reporter_id"), unit_id=OuterRef("grid_id"), is_active=True
    )
    rows = (
        _cases(grid_ids)
        .filter(channel__in=PROACTIVE_CHANNELS, reported_at__gte=start, reported_at__lt=end)
        .filter(Exists(member))
        .values_list("pk", "grid_id", "reporter_id")
    )
    return [(grid, reporter, case, None, 1) for case, grid, reporter in rows]


def visits_above_target(*, grid_ids, start, end, params, by_worker) -> list[Hit]:
    """Visits beyond `target` in the period, per grid (per worker when workers are scored)."""
    target = int(params.get("target", 0))
    fields = ("grid_id", "visitor_id") if by_worker else ("grid_id",)
    rows = (
        Visit.objects.filter(grid_id__in=grid_ids, visited_at__gte=start, visited_at__lt=end)
        .values(*fields)
        .annotate(n=Count("id"))
        .filter(n__gt=target)
        .order_by()
    )
    return [(row["grid_id"], row.get("visitor_id"), None, None, row["n"] - target) for row in rows]


COMPUTE: dict[str, Callable[..., list[Hit]]] = {
    RuleKind.REWARDED_REPORT: rewarded_report,
    RuleKind.LATE_CLAIM: late_claim,
    RuleKind.LATE_RESOLUTION: late_resolution,
    RuleKind.UNRESOLVED_REPEAT: unresolved_repeat,
    RuleKind.REPORT_UPHELD: report_upheld,
    RuleKind.PROACTIVE_FIND: proactive_find,
    RuleKind.VISITS_ABOVE_TARGET: visits_above_target,
}


def hits(*, kind: str, grid_ids: list[int], start: datetime, end: datetime, params: dict, by_worker: bool):
    return COMPUTE[kind](grid_ids=grid_ids, start=start, end=end, params=params, by_worker=by_worker)
