"""Signal receivers of the integrations (module level: signals hold weak references)."""

from django.dispatch import receiver
from oauth2_provider.signals import app_authorized

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record


@receiver(app_authorized)
def audit_application_sign_in(sender, request, token, **kwargs) -> None:
    """A departmental system signed someone in with their platform account (its code redeemed)."""
    audit_record(
        action=AuditAction.LOGIN,
        actor=token.user,
        obj=token.application,
        request=request,
        details={"sso_application": token.application.name, "scope": token.scope},
    )
