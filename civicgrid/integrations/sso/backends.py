"""Sign-in through the upstream government identity provider (政务统一身份认证), as an OIDC client.

The upstream account is matched to an EXISTING staff account by one claim (settings
OIDC_UPSTREAM_USERNAME_CLAIM, ``preferred_username`` by default) equal to the account's user name.
Nothing is ever created (OIDC_CREATE_USER = False); residents, organisations, deactivated accounts
and staff accounts without a staff role are never matched. Why a sign-in was refused is left on
``backend.refusal`` for the audit trail.
"""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from civicgrid.accounts.backends import AccountBackend
from civicgrid.accounts.choices import AccountKind
from civicgrid.accounts.models import User

from .access import may_sign_in

BACKEND_PATH = "civicgrid.integrations.sso.backends.UpstreamOIDCBackend"


class UpstreamOIDCBackend(OIDCAuthenticationBackend):
    refusal = ""  # why the last sign-in was refused: unknown, not_staff, inactive, no_role, claims
    claimed = ""  # the claim's value, for the audit trail

    def authenticate(self, request, **kwargs):
        """Only the upstream callback signs in here, and only while the upstream is configured; a
        password form's call (username/password) is never this backend's business."""
        if not settings.OIDC_UPSTREAM_ENABLED or "password" in kwargs or "username" in kwargs:
            return None
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        """Per request, like the platform's own backend: through the shared cache, and only while the
        account is active (mozilla-django-oidc's own get_user would skip that check)."""
        return AccountBackend().get_user(user_id)

    def verify_token(self, token, **kwargs):
        """The signature and nonce (mozilla-django-oidc), then the audience and, when configured, the
        issuer: an ID token issued to another client of the same provider is refused."""
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token audience mismatch")
        issuer = settings.OIDC_UPSTREAM_ISSUER
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token issuer mismatch")
        return payload

    def claimed_username(self, claims) -> str:
        value = claims.get(settings.OIDC_UPSTREAM_USERNAME_CLAIM)
        return value.strip() if isinstance(value, str) else ""

    def verify_claims(self, claims):
        return bool(self.claimed_username(claims))

    def describe_user_by_claims(self, claims):
        return f"{settings.OIDC_UPSTREAM_USERNAME_CLAIM} {self.claimed_username(claims)}"

    def filter_users_by_claims(self, claims):
        """The one staff account whose user name is the claim, if it may sign in; else none."""
        self.claimed = self.claimed_username(claims)
        found = User.objects.filter(username=self.claimed).first() if self.claimed else None
        if found is None:
            self.refusal = "unknown"
        elif found.kind != AccountKind.STAFF:
            self.refusal = "not_staff"
        elif not found.is_active:
            self.refusal = "inactive"
        elif not may_sign_in(found):
            self.refusal = "no_role"
        else:
            return User.objects.filter(pk=found.pk)
        return User.objects.none()

    def create_user(self, claims):
        """Never: OIDC_CREATE_USER is False, and this holds even if it were not."""
        raise SuspiciousOperation("accounts are never created from the upstream provider")

    def get_or_create_user(self, access_token, id_token, payload):
        """mozilla-django-oidc's, plus the check that the user-info answer is about the ID token's
        subject (OpenID Connect Core §5.3.2)."""
        user_info = self.get_userinfo(access_token, id_token, payload)
        if user_info.get("sub") != payload.get("sub"):
            self.refusal = "claims"
            raise SuspiciousOperation("userinfo sub differs from the ID token's")
        if not self.verify_claims(user_info):
            self.refusal = "claims"
            raise SuspiciousOperation("Claims verification failed")
        users = list(self.filter_users_by_claims(user_info)[:2])
        return self.update_user(users[0], user_info) if len(users) == 1 else None
