"""Reads about accounts: which second factor a user needs, where they land."""

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.org.selectors import is_staff_member, roles_of


def requires_second_factor(user) -> bool:
    """Whether the user must pass a TOTP code after the password (OTP_REQUIRED_ROLES)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(roles_of(user) & set(settings.OTP_REQUIRED_ROLES))


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def home_url_name(user) -> str:
    """Staff land on the workbench home; residents, volunteers and organisations on the portal."""
    return "home" if is_staff_member(user) else "portal_home"
