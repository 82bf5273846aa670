"""Authentication and admin events into the audit trail.

These are framework signals (log-in, log-out, failures, lock-outs, admin LogEntry), not domain
rules: the audit must see them whichever view or backend caused them.
"""

from axes.signals import user_locked_out
from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from .choices import AuditAction
from .services import audit_record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN, actor=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, actor=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    name = credentials.get("username") or credentials.get("phone") or ""
    audit_record(
        action=AuditAction.LOGIN_FAILED,
        actor_name=str(name)[:150],
        request=request,
        details={"backend": getattr(sender, "__name__", str(sender))[:60]},
    )


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(action=AuditAction.LOCKED_OUT, actor_name=str(username or "")[:150], request=request)


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def _admin_change(sender, instance: LogEntry, created: bool, **kwargs):
    if not created:
        return
    audit_record(
        action=AuditAction.ADMIN_CHANGE,
        actor=instance.user,
        details={
            "flag": {1: "addition", 2: "change", 3: "deletion"}.get(instance.action_flag, "?"),
            "content_type": instance.content_type.model if instance.content_type_id else "",
            "object_id": instance.object_id or "",
            "object_repr": instance.object_repr,
            "change_message": instance.get_change_message(),
        },
    )
