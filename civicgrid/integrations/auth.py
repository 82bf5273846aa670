"""How the JSON API knows a departmental system: the `X-API-Key` header (services.key_account)."""

from ninja.security import APIKeyHeader

from .services import key_account


class ApiKeyAuth(APIKeyHeader):
    """An API key made at /integrations/keys/; the call acts as the key's service account, so every
    selector scopes and masks it like a person in that role and unit. Past the key's rate: 429."""

    param_name = "X-API-Key"

    def authenticate(self, request, key):
        account = key_account(key)
        if account is None:
            return None
        request.user = account
        return account
