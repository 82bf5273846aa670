"""Staff idle time-out and the TOTP second factor, enforced on every request."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record

from .selectors import requires_second_factor
from .services import password_expired

_LAST_SEEN = "civicgrid_last_seen"
# Refresh the stamp at most this often, so an active session is not rewritten on every request.
_TOUCH_EVERY = 60
PASSWORD_EXPIRED = gettext_lazy("您的密码已使用超过 %(days)s 天，请先修改密码。")
IDLE_SIGNED_OUT = gettext_lazy("长时间未操作，为保护数据安全已自动退出，请重新登录。")


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


class StaffSessionMiddleware:
    """Sign staff out after STAFF_IDLE_TIMEOUT seconds without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.kind == "staff":
            now = time.time()
            last_seen = request.session.get(_LAST_SEEN)
            if last_seen is not None and now - last_seen > settings.STAFF_IDLE_TIMEOUT:
                audit_record(action=AuditAction.SESSION_EXPIRED, actor=user, request=request)
                logout(request)
                if _wants_json(request):
                    return JsonResponse(
                        {"code": "session_expired", "message": str(IDLE_SIGNED_OUT)}, status=401
                    )
                messages.warning(request, str(IDLE_SIGNED_OUT))
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            if last_seen is None or now - last_seen > _TOUCH_EVERY:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


class _Gate:
    """A step a signed-in user must take before anything else: meanwhile only the step's own pages
    (and log-out, static files, the language switch, the health check) answer."""

    allowed_prefixes = ("/accounts/logout/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(self.allowed_prefixes) and self.blocks(user):
            return self.refuse(request)
        return self.get_response(request)

    def blocks(self, user) -> bool:
        raise NotImplementedError

    def refuse(self, request):
        raise NotImplementedError


class SecondFactorMiddleware(_Gate):
    """Until a user who needs TOTP has passed it, only the second-factor pages answer."""

    allowed_prefixes = (*_Gate.allowed_prefixes, "/accounts/otp/")

    def blocks(self, user) -> bool:
        return requires_second_factor(user) and not user.is_verified()

    def refuse(self, request):
        if _wants_json(request):
            return JsonResponse(
                {"code": "second_factor_required", "message": _("请先完成二次验证（动态验证码）。")},
                status=403,
            )
        return redirect(f"{reverse('accounts:otp')}?next={request.get_full_path()}")


class PasswordExpiryMiddleware(_Gate):
    """A staff member whose password is older than STAFF_PASSWORD_MAX_AGE_DAYS changes it before
    anything else (docs/decisions/0008-staff-password-expiry.md)."""

    allowed_prefixes = (*_Gate.allowed_prefixes, "/accounts/otp/", "/accounts/password/")

    def blocks(self, user) -> bool:
        return password_expired(user)

    def refuse(self, request):
        message = str(PASSWORD_EXPIRED) % {"days": settings.STAFF_PASSWORD_MAX_AGE_DAYS}
        if _wants_json(request):
            return JsonResponse({"code": "password_expired", "message": message}, status=403)
        messages.warning(request, message)
        return redirect(reverse("accounts:password_change"))
