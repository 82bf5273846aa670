from datetime import date, datetime, time

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from civicgrid.org.decorators import require_action

from .choices import AuditAction
from .models import AuditEvent


def _parse_date(value: str):
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@require_action("audit.view")
def event_list(request):
    """Search the audit trail by actor, action, object and date range."""
    events = AuditEvent.objects.all()
    actor = request.GET.get("actor", "").strip()
    action = request.GET.get("action", "")
    obj = request.GET.get("object", "").strip()
    start, end = _parse_date(request.GET.get("from", "")), _parse_date(request.GET.get("to", ""))
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
    page = Paginator(events.order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    context = {"page": page, "actions": AuditAction.choices, "filters": request.GET}
    template = "audit/partials/rows.html" if request.htmx else "audit/list.html"
    return render(request, template, context)
