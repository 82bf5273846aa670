from django import forms
from django.utils.translation import gettext_lazy as _

PURPOSE_REQUIRED = _("请填写导出用途。")


class ExportForm(forms.Form):
    reason = forms.CharField(
        label=_("导出用途"),
        max_length=100,
        error_messages={"required": PURPOSE_REQUIRED},
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("例如：核查本月超期案件")}),
    )
