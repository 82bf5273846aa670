"""Who may use single sign-on, and the subject identifier departmental systems see."""

from civicgrid.accounts.choices import AccountKind
from civicgrid.core.crypto import blind_index
from civicgrid.org.selectors import is_staff_member


def may_sign_in(user) -> bool:
    """Active staff accounts holding a staff role (or superusers) only: departmental systems are staff
    tools; residents, volunteers and organisations use the portal (淘社区) and are refused."""
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.kind == AccountKind.STAFF
        and is_staff_member(user)
    )


def subject_of(user) -> str:
    """The OIDC ``sub``: a keyed digest of the account id (HMAC-SHA256 under FIELD_ENCRYPTION_KEY).

    Stable for the life of the account (the id never changes and is never reused; the key cannot be
    rotated without re-encrypting the personal data anyway), survives a renamed account, and reveals
    neither the database id nor the user name.
    """
    return blind_index(str(user.pk), purpose="oidc-subject")
