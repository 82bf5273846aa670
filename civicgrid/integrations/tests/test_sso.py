"""Single sign-on: the platform as an OpenID Connect provider (authorization code + PKCE, RS256 ID
tokens), and staff signing in through an upstream government identity provider."""

import base64
import hashlib
import json
import secrets
from unittest import mock
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import NoReverseMatch, reverse
from jwcrypto import jwk
from jwcrypto import jwt as jwcrypto_jwt
from oauth2_provider.models import AccessToken, Application, Grant

from civicgrid.accounts.models import User
from civicgrid.audit.models import AuditEvent
from civicgrid.core.testing import log_in
from civicgrid.integrations.sso.access import subject_of
from civicgrid.integrations.sso.backends import UpstreamOIDCBackend
from civicgrid.integrations.sso.keys import generate_signing_key

REDIRECT_URI = "https://cgj.example.gov.cn/oidc/callback"
CLIENT_SECRET = "dept-system-secret-0123456789"  # nosec B105
DISCOVERY = "/o/.well-known/openid-configuration"


@pytest.fixture(scope="session")
def signing_key() -> str:
    """A key made for this run (none is committed)."""
    return generate_signing_key()


@pytest.fixture(autouse=True)
def _provider_key(settings, signing_key):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": signing_key}


@pytest.fixture
def application(db):
    return Application.objects.create(
        name="城管业务系统",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT_URI,
        client_secret=CLIENT_SECRET,
        algorithm=Application.RS256_ALGORITHM,
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(application, challenge: str | None, method: str = "S256") -> dict:
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile roles",
        "state": "state-123",
        "nonce": "nonce-456",
    }
    if challenge is not None:
        params |= {"code_challenge": challenge, "code_challenge_method": method}
    return params


def authorize(client, application, challenge: str) -> str:
    """Consent page, then allow: the code the application's redirect URI receives."""
    params = authorize_params(application, challenge)
    page = client.get(f"/o/authorize/?{urlencode(params)}")
    assert page.status_code == 200
    answer = client.post("/o/authorize/", params | {"allow": "Authorize"})
    assert answer.status_code == 302
    location = urlsplit(answer["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT_URI
    query = parse_qs(location.query)
    assert query["state"] == ["state-123"]
    assert query["iss"] == ["http://testserver/o"]  # RFC 9207
    return query["code"][0]


def redeem(client, application, code: str, verifier: str):
    return client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "client_id": application.client_id,
            "client_secret": CLIENT_SECRET,
            "code_verifier": verifier,
        },
    )


# ---------------------------------------------------------------- the platform as the provider


def test_code_flow_with_pkce_issues_a_signed_id_token_and_userinfo(client, personas, application):
    user = personas.community_head_a  # a TOTP role: log_in passes the second factor
    log_in(client, user)
    verifier, challenge = pkce_pair()

    page = client.get(f"/o/authorize/?{urlencode(authorize_params(application, challenge))}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "城管业务系统" in text and "同意并登录" in text and "您在平台上的角色及所属单位" in text
    # The consent form's answer redirects to the application: CSP form-action lets it.
    assert "https://cgj.example.gov.cn" in page["Content-Security-Policy"]

    code = authorize(client, application, challenge)
    answer = redeem(client, application, code, verifier)
    assert answer.status_code == 200, answer.content
    tokens = answer.json()

    # The ID token's signature, checked against the JWKS the discovery document names.
    discovery = client.get(DISCOVERY).json()
    keys = jwk.JWKSet.from_json(client.get(urlsplit(discovery["jwks_uri"]).path).content)
    verified = jwcrypto_jwt.JWT(jwt=tokens["id_token"], key=keys, algs=["RS256"])
    assert json.loads(verified.header)["alg"] == "RS256"
    claims = json.loads(verified.claims)
    assert claims["iss"] == discovery["issuer"] == "http://testserver/o"
    assert claims["aud"] == application.client_id
    assert claims["sub"] == subject_of(user) != str(user.pk)
    assert claims["name"] == "甲社区书记"
    assert claims["preferred_username"] == "head_a"
    assert claims["nonce"] == "nonce-456"
    assert claims["roles"] == [{"role": "community_head", "unit": "339901001001", "unit_name": "甲社区"}]

    # userinfo with the access token, from a client without the session
    info = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code == 200
    assert info.json() == {
        "sub": claims["sub"],
        "name": "甲社区书记",
        "preferred_username": "head_a",
        "roles": claims["roles"],
    }
    # never the phone or ID number, and tokens are kept hashed at rest (RFC 9700)
    assert not {"phone_number", "phone", "email", "address"} & set(info.json())
    assert AccessToken.objects.get(user=user).token == ""
    # The sign-in to the departmental system is audited, with the application and the scopes.
    signed_in = AuditEvent.objects.get(action="login", details__sso_application="城管业务系统")
    assert signed_in.actor == user and "roles" in signed_in.details["scope"]


def test_subject_is_stable_and_opaque(personas):
    worker = personas.grid_worker_a
    assert subject_of(worker) == subject_of(User.objects.get(pk=worker.pk))
    assert subject_of(worker) != subject_of(personas.grid_worker_b)
    assert len(subject_of(worker)) == 64 and worker.username not in subject_of(worker)


def test_only_the_requested_scopes_claims(client, personas, application):
    log_in(client, personas.grid_worker_a)
    verifier, challenge = pkce_pair()
    params = authorize_params(application, challenge) | {"scope": "openid"}
    client.get(f"/o/authorize/?{urlencode(params)}")
    answer = client.post("/o/authorize/", params | {"allow": "Authorize"})
    code = parse_qs(urlsplit(answer["Location"]).query)["code"][0]
    tokens = redeem(client, application, code, verifier).json()
    claims = json.loads(
        jwcrypto_jwt.JWT(jwt=tokens["id_token"], key=jwk.JWK.from_pem(_pem()), algs=["RS256"]).claims
    )
    assert claims["sub"] == subject_of(personas.grid_worker_a)
    assert not {"name", "preferred_username", "roles"} & set(claims)


def _pem() -> bytes:
    from django.conf import settings

    return settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"].encode()


@pytest.mark.parametrize(
    "challenge_method",
    [None, "plain"],
    ids=["without-pkce", "plain-pkce"],
)
def test_authorization_without_s256_pkce_is_refused(client, personas, application, challenge_method):
    log_in(client, personas.grid_worker_a)
    verifier, _challenge = pkce_pair()
    params = (
        authorize_params(application, None)
        if challenge_method is None
        else authorize_params(application, verifier, method="plain")
    )
    if challenge_method is None:  # refused before the consent page
        answer = client.get(f"/o/authorize/?{urlencode(params)}")
        assert answer.status_code == 302
        assert parse_qs(urlsplit(answer["Location"]).query)["error"] == ["invalid_request"]
    answer = client.post("/o/authorize/", params | {"allow": "Authorize"})
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer["Location"]).query)
    assert query["error"] == ["invalid_request"] and "code" not in query
    assert not Grant.objects.exists()


def test_wrong_verifier_is_refused(client, personas, application):
    log_in(client, personas.grid_worker_a)
    _verifier, challenge = pkce_pair()
    code = authorize(client, application, challenge)
    wrong, _challenge = pkce_pair()
    answer = redeem(client, application, code, wrong)
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()


def test_anonymous_is_sent_to_the_staff_log_in(client, application):
    _verifier, challenge = pkce_pair()
    answer = client.get(f"/o/authorize/?{urlencode(authorize_params(application, challenge))}")
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:login") + "?next=/o/authorize/")


def test_second_factor_comes_before_consent(client, personas, application):
    client.force_login(personas.street_leader)  # password only: TOTP not yet passed
    _verifier, challenge = pkce_pair()
    answer = client.get(f"/o/authorize/?{urlencode(authorize_params(application, challenge))}")
    assert answer.status_code == 302
    assert answer["Location"].startswith(reverse("accounts:otp"))


@pytest.mark.parametrize("who", ["resident", "volunteer"])
def test_portal_accounts_are_refused(client, personas, application, who):
    log_in(client, getattr(personas, who))
    _verifier, challenge = pkce_pair()
    params = authorize_params(application, challenge)
    answer = client.get(f"/o/authorize/?{urlencode(params)}")
    assert answer.status_code == 403
    assert "该应用仅供工作人员使用" in answer.content.decode()
    assert client.post("/o/authorize/", params | {"allow": "Authorize"}).status_code == 403
    assert not Grant.objects.exists()


def test_deactivated_account_loses_its_tokens(client, personas, application):
    user = personas.grid_worker_a
    log_in(client, user)
    verifier, challenge = pkce_pair()
    tokens = redeem(client, application, authorize(client, application, challenge), verifier).json()
    user.is_active = False
    user.save(update_fields=["is_active"])
    info = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert info.status_code == 401
    refreshed = client.post(
        "/o/token/",
        {
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": application.client_id,
            "client_secret": CLIENT_SECRET,
        },
    )
    assert refreshed.status_code == 400


def test_discovery_and_jwks(client, db):
    discovery = client.get(DISCOVERY)
    assert discovery.status_code == 200
    data = discovery.json()
    assert data["issuer"] == "http://testserver/o"
    assert data["authorization_endpoint"] == "http://testserver/o/authorize/"
    assert data["token_endpoint"] == "http://testserver/o/token/"
    assert data["userinfo_endpoint"] == "http://testserver/o/userinfo/"
    assert data["jwks_uri"] == "http://testserver/o/.well-known/jwks.json"
    assert data["response_types_supported"] == ["code"]
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert "RS256" in data["id_token_signing_alg_values_supported"]
    assert set(data["scopes_supported"]) == {"openid", "profile", "roles"}
    assert set(data["claims_supported"]) == {"sub", "name", "preferred_username", "roles"}
    assert "end_session_endpoint" not in data

    keys = client.get("/o/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256" and keys[0]["use"] == "sig"
    assert keys[0]["kid"] == jwk.JWK.from_pem(_pem()).thumbprint()
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(keys[0])  # the public half only


def test_only_the_protocol_endpoints_are_exposed(client, personas):
    log_in(client, personas.platform_admin)
    for name in (
        "list",
        "register",
        "authorized-token-list",
        "device",
        "dcr-register",
        "rp-initiated-logout",
    ):
        with pytest.raises(NoReverseMatch):
            reverse(f"oauth2_provider:{name}")
    for path in ("/o/applications/", "/o/authorized_tokens/", "/o/logout/", "/o/device/"):
        assert client.get(path).status_code == 404


# ---------------------------------------------------------------- the upstream identity provider

UPSTREAM = {
    "OIDC_UPSTREAM_ENABLED": True,
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example.gov.cn/oauth2/authorize",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example.gov.cn/oauth2/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example.gov.cn/oauth2/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example.gov.cn/oauth2/jwks",
    "OIDC_RP_CLIENT_ID": "civicgrid",
    "OIDC_RP_CLIENT_SECRET": "upstream-secret",
    "OIDC_UPSTREAM_ISSUER": "https://idp.example.gov.cn",
}


@pytest.fixture
def upstream(settings):
    for name, value in UPSTREAM.items():
        setattr(settings, name, value)


def start(client, next_url: str = "") -> dict:
    """The log-in link: off to the upstream provider; returns the state's entry kept in the session."""
    answer = client.get(reverse("sso:upstream_login") + (f"?next={next_url}" if next_url else ""))
    assert answer.status_code == 302
    location = urlsplit(answer["Location"])
    assert answer["Location"].startswith(UPSTREAM["OIDC_OP_AUTHORIZATION_ENDPOINT"])
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["code_challenge_method"] == "S256" and query["client_id"] == "civicgrid"
    assert query["redirect_uri"] == "http://testserver" + reverse("sso:upstream_callback")
    return {"state": query["state"], "nonce": query["nonce"]}


def come_back(client, started: dict, userinfo: dict, **payload):
    """The upstream provider's answer, with its token, ID-token and user-info calls faked."""
    id_token = {
        "sub": userinfo.get("sub", "upstream-1"),
        "aud": "civicgrid",
        "iss": UPSTREAM["OIDC_UPSTREAM_ISSUER"],
        "nonce": started["nonce"],
    } | payload
    with (
        mock.patch.object(
            UpstreamOIDCBackend, "get_token", return_value={"id_token": "x", "access_token": "y"}
        ),
        mock.patch.object(UpstreamOIDCBackend, "retrieve_matching_jwk", return_value="key"),
        mock.patch.object(UpstreamOIDCBackend, "get_payload_data", return_value=id_token),
        mock.patch.object(UpstreamOIDCBackend, "get_userinfo", return_value=userinfo),
    ):
        return client.get(reverse("sso:upstream_callback"), {"code": "abc", "state": started["state"]})


def test_login_page_shows_the_upstream_link_only_when_configured(client, db, settings):
    assert "政务统一身份认证登录" not in client.get(reverse("accounts:login")).content.decode()
    assert client.get(reverse("sso:upstream_login")).status_code == 404
    for name, value in UPSTREAM.items():
        setattr(settings, name, value)
    text = client.get(reverse("accounts:login") + "?next=/cases/").content.decode()
    assert "政务统一身份认证登录" in text and reverse("sso:upstream_login") + "?next=%2Fcases%2F" in text


def test_matching_staff_account_is_signed_in(client, personas, upstream):
    worker = personas.grid_worker_a
    started = start(client, next_url="/cases/")
    answer = come_back(client, started, {"sub": "upstream-1", "preferred_username": "worker_a"})
    assert answer.status_code == 302 and answer["Location"] == "/cases/"
    assert int(client.session[SESSION_KEY]) == worker.pk
    assert client.get("/").status_code == 200  # a grid worker needs no second factor
    assert AuditEvent.objects.filter(action="login", actor=worker).exists()
    # the state was used up: the same answer again is refused
    again = come_back(client, started, {"sub": "upstream-1", "preferred_username": "worker_a"})
    assert again["Location"] == reverse("accounts:login")


def test_totp_role_still_passes_the_second_factor(client, personas, upstream):
    started = start(client)
    answer = come_back(client, started, {"sub": "upstream-2", "preferred_username": "leader"})
    assert answer.status_code == 302 and answer["Location"] == reverse("home")
    home = client.get("/")
    assert home.status_code == 302 and home["Location"].startswith(reverse("accounts:otp"))


@pytest.mark.parametrize(
    ("username", "reason"),
    [("nobody", "unknown"), ("resident", "not_staff"), ("worker_a", "inactive")],
)
def test_unmatched_accounts_are_refused(client, personas, upstream, username, reason):
    if reason == "inactive":
        personas.grid_worker_a.is_active = False
        personas.grid_worker_a.save(update_fields=["is_active"])
    accounts = User.objects.count()
    answer = come_back(client, start(client), {"sub": "upstream-3", "preferred_username": username})
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    page = client.get(answer["Location"])
    assert "该统一身份认证账号未关联本平台有效的工作人员账号" in page.content.decode()
    assert User.objects.count() == accounts  # never created
    event = AuditEvent.objects.get(action="login_failed")
    assert event.actor_name == username
    assert event.details == {"backend": "upstream_oidc", "reason": reason}


@pytest.mark.parametrize(
    ("userinfo", "payload"),
    [
        ({"sub": "someone-else", "preferred_username": "worker_a"}, {"sub": "upstream-1"}),
        ({"sub": "upstream-1", "preferred_username": "worker_a"}, {"sub": "upstream-1", "aud": "other-app"}),
        (
            {"sub": "upstream-1", "preferred_username": "worker_a"},
            {"sub": "upstream-1", "iss": "https://evil"},
        ),
        ({"sub": "upstream-1", "preferred_username": "worker_a"}, {"sub": "upstream-1", "nonce": "replayed"}),
    ],
    ids=["userinfo-of-another-subject", "token-for-another-client", "another-issuer", "wrong-nonce"],
)
def test_untrustworthy_answers_are_refused(client, personas, upstream, userinfo, payload):
    answer = come_back(client, start(client), userinfo, **payload)
    assert answer["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="login_failed").exists()


def test_upstream_error_and_unknown_state_are_refused(client, db, upstream):
    start(client)
    for query in ({"error": "access_denied", "state": "x"}, {"code": "abc", "state": "forged"}):
        answer = client.get(reverse("sso:upstream_callback"), query)
        assert answer["Location"] == reverse("accounts:login")
        assert "统一身份认证登录未完成" in client.get(answer["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="login_failed").count() == 2


def test_password_log_in_is_not_the_upstream_backends_business(personas, upstream, rf):
    request = rf.post("/accounts/login/?code=abc&state=x")
    assert UpstreamOIDCBackend().authenticate(request, username="worker_a", password="x") is None
