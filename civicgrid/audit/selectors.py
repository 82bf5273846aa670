"""Reads of the audit trail (admins only: the views require `audit.view`)."""

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone

from .choices import AuditAction
from .models import AuditEvent


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def events_matching(params) -> QuerySet[AuditEvent]:
    """The events matching the search form's fields (actor, action, object, from, to), newest first."""
    events = AuditEvent.objects.all()
    actor = params.get("actor", "").strip()
    action = params.get("action", "")
    obj = params.get("object", "").strip()
    start, end = _date(params.get("from", "")), _date(params.get("to", ""))
    if actor:
        events = events.filter(actor_name__icontains=actor[:150])
    if action in AuditAction.values:
        events = events.filter(action=action)
    if obj:
        events = events.filter(object_repr__icontains=obj[:200])
    tz = timezone.get_current_timezone()
    if start:
        events = events.filter(at__gte=datetime.combine(start, time.min, tzinfo=tz))
    if end:
        events = events.filter(at__lte=datetime.combine(end, time.max, tzinfo=tz))
    return events.order_by("-at", "-id")
