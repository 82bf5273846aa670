import base64
import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core.selectors import worker_status
from civicgrid.org.choices import UnitKind
from civicgrid.org.selectors import (
    children_of,
    is_staff_member,
    memberships_of,
    unit_ancestry,
    unit_counts,
    user_can,
)

from . import services
from .forms import ResidentLoginForm, StaffLoginForm, TokenForm
from .navigation import panels, portal_panels
from .selectors import confirmed_totp_device, home_url_name, requires_second_factor


class StaffLoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


class ResidentLoginView(auth_views.LoginView):
    template_name = "accounts/resident_login.html"
    authentication_form = ResidentLoginForm
    redirect_authenticated_user = True


staff_login = login_not_required(StaffLoginView.as_view())
resident_login = login_not_required(ResidentLoginView.as_view())
logout = auth_views.LogoutView.as_view()


def _safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _qr_data_uri(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@require_http_methods(["GET", "POST"])
def second_factor(request):
    """Ask for the TOTP code; a user without a confirmed device enrols one first."""
    user = request.user
    if not requires_second_factor(user) or user.is_verified():
        return redirect(_safe_next(request) or home_url_name(user))
    device = confirmed_totp_device(user)
    enrolling = device is None
    if enrolling:
        device = services.totp_device_start(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        ok = (
            services.totp_device_confirm(device=device, token=token, request=request)
            if enrolling
            else device.verify_token(token)
        )
        if ok:
            otp_login(request, device)
            audit_record(action=AuditAction.SECOND_FACTOR, actor=user, request=request)
            return redirect(_safe_next(request) or home_url_name(user))
        if not enrolling:
            audit_record(action=AuditAction.SECOND_FACTOR_FAILED, actor=user, request=request)
        form.add_error("token", _("动态验证码不正确或已过期，请重新输入。"))
    context = {"form": form, "enrolling": enrolling, "next": _safe_next(request) or ""}
    if enrolling:
        context["qr"] = _qr_data_uri(device)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/second_factor.html", context)


def locked_out(request, credentials, *args, **kwargs):
    """What django-axes answers while an account is locked (AXES_LOCKOUT_CALLABLE)."""
    minutes = round(settings.AXES_COOLOFF_TIME * 60)
    return render(request, "accounts/locked_out.html", {"cooloff_minutes": minutes}, status=429)


def home(request):
    """The staff home: who I am, where I sit in the tree, and what my place lets me see."""
    user = request.user
    if not is_staff_member(user):
        return redirect(home_url_name(user))
    places = [
        {
            "membership": membership,
            "ancestry": unit_ancestry(membership.unit),
            "children": list(children_of(user=user, unit=membership.unit)[:60]),
        }
        for membership in memberships_of(user)
    ]
    counts = unit_counts(user=user)
    shown_kinds = [UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID, UnitKind.DEPARTMENT, UnitKind.AGENCY]
    context = {
        "places": places,
        "scope_counts": [(UnitKind(k).label, counts[k]) for k in shown_kinds if counts[k]],
        "worker": worker_status() if user_can(user, "system.status") else None,
        "panels": panels(request),
    }
    return render(request, "accounts/home.html", context)


def portal_home(request):
    """The resident portal's home."""
    context = {"memberships": memberships_of(request.user), **portal_panels(request)}
    return render(request, "accounts/portal_home.html", context)


# Signed-out visitors of the portal are sent to the residents' log-in, not the staff one.
portal_home.login_url = "accounts:resident_login"


@require_http_methods(["GET", "POST"])
def password_change(request):
    """Change one's own password: the current one, then the new one twice (the platform's rules)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            user=request.user, new_password=form.cleaned_data["new_password1"], request=request
        )
        messages.success(request, _("密码已修改。其他设备上的登录已退出。"))
        return redirect(home_url_name(request.user))
    context = {
        "form": form,
        "expired": services.password_expired(request.user),
        "days": settings.STAFF_PASSWORD_MAX_AGE_DAYS,
    }
    return render(request, "accounts/password_change.html", context, status=422 if form.errors else 200)
