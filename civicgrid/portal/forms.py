from django import forms
from django.utils.translation import gettext_lazy as _


class VerificationForm(forms.Form):
    full_name = forms.CharField(
        label=_("姓名"), max_length=50, error_messages={"required": _("请填写姓名。")}
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        min_length=18,
        error_messages={"required": _("请填写身份证号。"), "min_length": _("身份证号应为18位。")},
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("不予通过的原因"), max_length=200, error_messages={"required": _("请说明不予通过的原因。")}
    )
