"""Reads about accounts: which second factor a user needs, where they land."""

from django.conf import settings
from django.core.cache import cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.org.permissions import FULL_DATA_ROLES
from civicgrid.org.selectors import (
    SIGNED_IN_KEY,
    UNITS_VERSION_KEY,
    is_staff_member,
    memberships_of,
    roles_of,
)

from .models import User

# How long a signed-in account stays in the shared cache at most; changes drop it at once.
SIGNED_IN_KEPT_S = 300


def signed_in_user(user_id) -> User | None:
    """The account behind a session, with its memberships, from the shared cache when it is there.

    One cache round trip instead of two queries on every request. The mobile number is left
    unread: the cache never holds it in clear.
    """
    key = SIGNED_IN_KEY.format(user_id)
    found = cache.get_many([key, UNITS_VERSION_KEY])
    units = found.get(UNITS_VERSION_KEY)
    entry = found.get(key)
    if entry is not None and entry[0] == units:
        return entry[1]
    user = User.objects.defer("phone").filter(pk=user_id).first()
    if user is not None:
        memberships_of(user)
        cache.set(key, (units, user), SIGNED_IN_KEPT_S)
    return user


def second_factor_roles() -> frozenset[str]:
    """The roles that pass a TOTP code after the password: OTP_REQUIRED_ROLES, and always every role
    that may see personal data in full (it cannot be configured away)."""
    return frozenset(settings.OTP_REQUIRED_ROLES) | FULL_DATA_ROLES


def requires_second_factor(user) -> bool:
    """Whether the user must pass a TOTP code after the password."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or bool(roles_of(user) & second_factor_roles())


def confirmed_totp_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def home_url_name(user) -> str:
    """Staff land on the workbench home; residents, volunteers and organisations on the portal."""
    return "home" if is_staff_member(user) else "portal_home"
