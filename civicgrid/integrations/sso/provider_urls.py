"""The OpenID Connect provider's protocol endpoints (mounted at /o/), and nothing else of the toolkit:
no application management (platform admins register applications in the Django admin), no device
flow, no dynamic client registration, no RP-initiated log-out.

The namespace is the toolkit's own: its views reverse ``oauth2_provider:<name>``.
"""

from django.urls import path
from oauth2_provider import views as oauth2_views

from .views import StaffAuthorizationView

app_name = "oauth2_provider"

urlpatterns = [
    path("authorize/", StaffAuthorizationView.as_view(), name="authorize"),
    path("token/", oauth2_views.TokenView.as_view(), name="token"),
    path("revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("introspect/", oauth2_views.IntrospectTokenView.as_view(), name="introspect"),
    path("userinfo/", oauth2_views.UserInfoView.as_view(), name="user-info"),
    # OpenID Connect Discovery 1.0 §4: no trailing slash.
    path(
        ".well-known/openid-configuration",
        oauth2_views.ConnectDiscoveryInfoView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(".well-known/jwks.json", oauth2_views.JwksInfoView.as_view(), name="jwks-info"),
    # RFC 8414 metadata; its place also gives the RFC 9207 `iss` of the authorization response the
    # same issuer as the ID tokens (…/o) when OIDC_ISSUER is not set.
    path(
        ".well-known/oauth-authorization-server",
        oauth2_views.OAuthServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
]
