from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("账号或密码错误。连续失败 5 次后账号将被锁定 5 分钟。"),
        "inactive": _("账号或密码错误。连续失败 5 次后账号将被锁定 5 分钟。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("账号")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].label = _("密码")


class ResidentLoginForm(AuthenticationForm):
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


class TokenForm(forms.Form):
    token = forms.RegexField(
        label=_("动态验证码"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("请输入验证器上显示的 6 位数字。"), "required": _("请输入动态验证码。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )
