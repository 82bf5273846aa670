"""The provider's staff-only consent page, and the upstream identity provider's log-in and callback."""

import logging
from urllib.parse import urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView
from oauth2_provider.views import AuthorizationView

from civicgrid.accounts.selectors import home_url_name
from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record

from .access import may_sign_in
from .backends import BACKEND_PATH, UpstreamOIDCBackend

logger = logging.getLogger(__name__)

NOT_LINKED = _("该统一身份认证账号未关联本平台有效的工作人员账号，无法登录。请联系平台管理员。")
UPSTREAM_FAILED = _("统一身份认证登录未完成，请重试，或使用账号密码登录。")


class StaffAuthorizationView(AuthorizationView):
    """/o/authorize/: the toolkit's, for active staff only, after the platform's own log-in.

    An anonymous visitor is sent to LOGIN_URL (the staff log-in: lock-out applies); the middleware
    asks for the TOTP code and an expired password before this view answers; a resident or
    organisation account is refused here.
    """

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_sign_in(request.user):
            return render(request, "integrations/sso_refused.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        # CSP form-action also governs where the consent form's answer redirects: the application.
        target = urlsplit(self.oauth2_data.get("redirect_uri") or "")
        if response.status_code == 200 and target.scheme in ("http", "https") and target.netloc:
            response._csp_update = {"form-action": [f"{target.scheme}://{target.netloc}"]}
        return response


def _upstream_enabled() -> None:
    if not settings.OIDC_UPSTREAM_ENABLED:
        raise Http404


@method_decorator(login_not_required, name="dispatch")
class UpstreamLoginView(OIDCAuthenticationRequestView):
    """Off to the upstream identity provider (state, nonce and PKCE kept in the session)."""

    def get(self, request):
        _upstream_enabled()
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class UpstreamCallbackView(OIDCAuthenticationCallbackView):
    """Back from the upstream identity provider: sign the matched staff account in, or refuse with a
    message on the log-in page and an audit row (登录失败)."""

    def get(self, request):
        _upstream_enabled()
        states = request.session.get("oidc_states") or {}
        entry = states.pop(request.GET.get("state", ""), None)
        if entry is not None:
            request.session["oidc_states"] = states  # one use only
        if request.GET.get("error") or entry is None or not request.GET.get("code"):
            return self.refuse(request, "upstream_error", UPSTREAM_FAILED)
        backend = UpstreamOIDCBackend()
        try:
            user = backend.authenticate(
                request, nonce=entry.get("nonce"), code_verifier=entry.get("code_verifier")
            )
        except (
            SuspiciousOperation,
            requests.RequestException,
            jwt.PyJWTError,
            ValueError,
            KeyError,
        ) as error:
            logger.warning("upstream OIDC sign-in failed: %s", type(error).__name__)
            return self.refuse(request, "upstream_error", UPSTREAM_FAILED)
        if user is None:
            return self.refuse(request, backend.refusal or "unknown", NOT_LINKED, claimed=backend.claimed)
        next_url = request.session.pop("oidc_login_next", None)
        user.backend = BACKEND_PATH
        auth.login(request, user)  # audited (登录) by the audit app's receiver
        # The middleware takes it from here: TOTP for the roles that need it, password expiry, idle time.
        return redirect(next_url or home_url_name(user))

    def refuse(self, request, reason: str, message, *, claimed: str = ""):
        audit_record(
            action=AuditAction.LOGIN_FAILED,
            actor_name=claimed[:150],
            request=request,
            details={"backend": "upstream_oidc", "reason": reason},
        )
        messages.error(request, str(message))
        return redirect(settings.LOGIN_URL)
