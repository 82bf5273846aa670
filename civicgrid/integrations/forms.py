from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.org.choices import Role

from .services import KEY_ROLES


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("名称（调用方系统）"),
        max_length=100,
        error_messages={"required": _("请填写密钥名称（调用方系统）。")},
    )
    unit = forms.TypedChoiceField(label=_("所属单元"), coerce=int)
    role = forms.ChoiceField(
        label=_("角色"), choices=[(r.value, r.label) for r in Role if r.value in KEY_ROLES]
    )
    rate_per_minute = forms.IntegerField(label=_("每分钟请求上限"), min_value=1, max_value=6000, initial=120)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, f"{u.name}（{u.get_kind_display()}）") for u in units]
