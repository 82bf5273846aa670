"""What the GeoReport v2 interface reads: the services (active case categories) and the requests
(cases) a key's service account may see — always through cases.selectors.cases_for, so a key is scoped
exactly like a person of its role and unit."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, QuerySet, Subquery

from civicgrid.cases.choices import CaseStatus, EventKind
from civicgrid.cases.models import Case, CaseEvent, Category
from civicgrid.cases.selectors import cases_for
from civicgrid.core.errors import NotFound
from civicgrid.core.models import Submission
from civicgrid.portal.models import SuggestionRule

MAX_REQUESTS = 1000  # the spec's response volume: at most 1000 requests per answer
CLOSED_STATUSES = (CaseStatus.CLOSED, CaseStatus.MERGED)
# The timeline entries whose note is an answer about the request (how it was handled or ended), not
# the staff's internal working notes (dispatch, work log, returns, inspections, extensions).
PUBLIC_NOTE_KINDS = (
    EventKind.RESOLVED,
    EventKind.CLOSED,
    EventKind.REJECTED,
    EventKind.REOPENED,
    EventKind.DISPUTE_UPHELD,
    EventKind.MERGED,
)
# The idempotency kind of a reported case: the same as the report API's, so one key finds one case.
SUBMISSION_KIND = "case"


def services() -> list[Category]:
    """The active categories in display order, each with its policy and `keywords` (the resident
    portal's suggestion keywords that lead to it)."""
    categories = list(Category.objects.filter(is_active=True).select_related("policy"))
    words: dict[int, list[str]] = {}
    for category_id, keyword in SuggestionRule.objects.values_list("category_id", "keyword"):
        if keyword and keyword not in words.setdefault(category_id, []):
            words[category_id].append(keyword)
    for category in categories:
        category.keywords = words.get(category.pk, [])
    return categories


def service(code: str) -> Category:
    """The active category with this code, or NotFound."""
    category = Category.objects.filter(code=code, is_active=True).select_related("policy").first()
    if category is None:
        raise NotFound()
    return category


def _requests(user) -> QuerySet[Case]:
    """The user's cases with what a request shows: its last change and its latest public note."""
    events = CaseEvent.objects.filter(case=OuterRef("pk")).order_by("-at", "-id")
    return (
        cases_for(user)
        .select_related("category", "holder", "policy")
        .annotate(
            last_event_at=Subquery(events.values("at")[:1]),
            public_note=Subquery(
                events.filter(kind__in=PUBLIC_NOTE_KINDS).exclude(note="").values("note")[:1]
            ),
        )
    )


@dataclass(frozen=True)
class RequestFilter:
    numbers: tuple[str, ...] = ()  # service_request_id: overrides every other filter
    codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()  # "open", "closed"


def requests_for(user, query: RequestFilter) -> list[Case]:
    """The user's requests matching the query, newest first, at most MAX_REQUESTS."""
    cases = _requests(user)
    if query.numbers:
        cases = cases.filter(number__in=query.numbers)
    else:
        if query.codes:
            cases = cases.filter(category__code__in=query.codes)
        if query.start is not None:
            cases = cases.filter(reported_at__gte=query.start)
        if query.end is not None:
            cases = cases.filter(reported_at__lte=query.end)
        wanted = set(query.statuses)
        if wanted == {"closed"}:
            cases = cases.filter(status__in=CLOSED_STATUSES)
        elif wanted == {"open"}:
            cases = cases.exclude(status__in=CLOSED_STATUSES)
    return list(cases.order_by("-reported_at", "-id")[:MAX_REQUESTS])


def request_for(user, number: str) -> Case:
    """The user's request with this id (the case number); 'not there' and 'not yours' are one 404."""
    case = _requests(user).filter(number=number).first()
    if case is None:
        raise NotFound()
    return case


def request_for_token(user, token: str) -> Case:
    """The request the user's own POST with this Idempotency-Key made, or NotFound."""
    try:
        key = uuid.UUID(token)
    except ValueError:
        raise NotFound() from None
    found = Submission.objects.filter(user=user, key=key, kind=SUBMISSION_KIND).values("object_id").first()
    if found is None or found["object_id"] is None:
        raise NotFound()
    case = _requests(user).filter(pk=found["object_id"]).first()
    if case is None:
        raise NotFound()
    return case
