from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .services import login_gate


def lockout_warning() -> str:
    return _("账号或密码错误。连续失败 %(limit)d 次后账号将被锁定 %(minutes)d 分钟。") % {
        "limit": settings.AXES_FAILURE_LIMIT,
        "minutes": round(settings.AXES_COOLOFF_TIME * 60),
    }


class GatedLoginForm(AuthenticationForm):
    """Checks the credentials one attempt at a time per account name, so the lock-out holds under a
    burst of simultaneous attempts (services.login_gate)."""

    def clean(self):
        with login_gate(self.cleaned_data.get("username") or ""):
            try:
                return super().clean()
            except ValidationError as error:
                refused = error  # raised after the gate: the counted failure must be committed
        raise refused


class StaffLoginForm(GatedLoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Unknown user, wrong password and inactive account get one message: nothing to enumerate.
        self.error_messages = {"invalid_login": lockout_warning(), "inactive": lockout_warning()}
        self.fields["username"].label = _("账号")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].label = _("密码")


class ResidentLoginForm(GatedLoginForm):
    error_messages = {
        "invalid_login": _("手机号或密码错误。"),
        "inactive": _("手机号或密码错误。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("手机号")
        self.fields["username"].widget = forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "numeric", "autofocus": True, "maxlength": 11}
        )
        self.fields["password"].label = _("密码")


class AdminLoginForm(GatedLoginForm, AdminAuthenticationForm):
    """The admin site's log-in, gated like the others."""


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入验证器上显示的 6 位数字。"), "required": _("请输入动态验证码。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
