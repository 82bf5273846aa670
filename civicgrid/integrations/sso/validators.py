"""The claims the platform's OpenID Connect provider issues, and who may hold its tokens."""

from oauth2_provider.oauth2_validators import OAuth2Validator

from civicgrid.org.selectors import memberships_of

from .access import may_sign_in, subject_of


def _roles(user) -> list[dict]:
    """The user's active memberships: role code, unit code and name (never a phone or ID number)."""
    return [
        {"role": m.role, "unit": m.unit.code, "unit_name": m.unit.name}
        for m in sorted(memberships_of(user), key=lambda m: (m.unit.code, m.role))
    ]


class CivicGridOIDCValidator(OAuth2Validator):
    # Each claim only with its scope; nothing else (no phone, e-mail or address claim exists).
    oidc_claim_scope = {
        "sub": "openid",
        "name": "profile",
        "preferred_username": "profile",
        "roles": "roles",
    }

    def get_additional_claims(self):
        # Request-independent form: the discovery document lists these claims.
        return {
            "sub": lambda request: subject_of(request.user),
            "name": lambda request: request.user.get_full_name(),
            "preferred_username": lambda request: request.user.get_username(),
            "roles": lambda request: _roles(request.user),
        }

    # An account deactivated, or moved out of every staff role, after it authorised an application
    # can neither redeem its code nor refresh nor use its tokens.
    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        return super().validate_code(client_id, code, client, request, *args, **kwargs) and may_sign_in(
            request.user
        )

    def validate_refresh_token(self, refresh_token, client, request, *args, **kwargs):
        valid = super().validate_refresh_token(refresh_token, client, request, *args, **kwargs)
        return valid and may_sign_in(request.user)

    def validate_bearer_token(self, token, scopes, request):
        return super().validate_bearer_token(token, scopes, request) and may_sign_in(request.user)
