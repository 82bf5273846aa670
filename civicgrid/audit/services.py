"""Writing the audit trail: every log-in, reveal, export, permission and state change."""

from typing import Any

from django.db import models

from civicgrid.core import clock

from .choices import AuditAction
from .models import AuditEvent


def client_ip(request) -> str | None:
    """Return the client address; behind a proxy, the one the proxy saw (REMOTE_ADDR is rewritten there)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: AuditAction | str,
    actor=None,
    actor_name: str = "",
    obj: models.Model | None = None,
    request=None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event; the actor defaults to the request's user."""
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    if actor is not None and not actor_name:
        actor_name = actor.get_username()
    return AuditEvent.objects.create(
        at=clock.now(),
        actor=actor,
        actor_name=actor_name[:150],
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        ip=client_ip(request),
        details=details or {},
    )
