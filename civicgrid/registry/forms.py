from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.core.forms import ReasonField, SpreadsheetField

from .choices import Relation, ResidenceType, RoomUse, VehicleKind


class RoomForm(forms.Form):
    use = forms.ChoiceField(label=_("房屋用途"), choices=RoomUse.choices)
    owner_name = forms.CharField(label=_("产权人"), max_length=50, required=False)
    reason = ReasonField()


class PersonForm(forms.Form):
    full_name = forms.CharField(
        label=_("姓名"), max_length=50, error_messages={"required": _("请填写姓名。")}
    )
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        help_text=_("出生日期和性别由身份证号自动得出。"),
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    relation = forms.ChoiceField(label=_("与户主关系"), choices=Relation.choices)
    residence_type = forms.ChoiceField(label=_("人口类型"), choices=ResidenceType.choices)
    reason = ReasonField()


class PersonEditForm(PersonForm):
    """Editing keeps the ID number unless a new one is typed (the stored one is never sent to the page)."""

    id_number = forms.CharField(
        label=_("身份证号（如需更正）"),
        max_length=18,
        required=False,
        help_text=_("留空表示不修改。"),
    )


class MoveOutForm(forms.Form):
    deceased = forms.BooleanField(label=_("已故"), required=False)
    reason = ReasonField()


class VehicleForm(forms.Form):
    plate = forms.CharField(
        label=_("车牌号"), max_length=10, error_messages={"required": _("请填写车牌号。")}
    )
    kind = forms.ChoiceField(label=_("车辆类型"), choices=VehicleKind.choices)
    owner = forms.TypedChoiceField(label=_("车主"), coerce=int, required=False, empty_value=None)
    reason = ReasonField()

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "—")] + [(p.pk, p.full_name) for p in members]


class RemoveForm(forms.Form):
    reason = ReasonField()


class TagForm(forms.Form):
    group = forms.TypedChoiceField(label=_("服务群体"), coerce=int)
    grade = forms.TypedChoiceField(
        label=_("等级"), coerce=int, choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))], initial=2
    )
    reason = ReasonField()

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [(g.pk, g.name) for g in groups]


class ExportForm(forms.Form):
    reason = forms.CharField(
        label=_("导出用途"),
        max_length=100,
        error_messages={"required": _("请填写导出用途。")},
        widget=forms.TextInput(attrs={"placeholder": _("例如：季度人口核查")}),
    )
    full_id_numbers = forms.BooleanField(
        label=_("导出完整身份证号（需相应权限，将记录审计）"), required=False
    )


class UploadForm(forms.Form):
    source = forms.TypedChoiceField(label=_("数据来源"), coerce=int)
    file = SpreadsheetField(
        label=_("文件（CSV 或 XLSX）"), error_messages={"required": _("请选择要导入的文件。")}
    )

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s.pk, s.name) for s in sources]
