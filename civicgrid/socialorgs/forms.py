from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.forms import PhotosField

from .choices import SocialOrgCategory


def _category_field():
    return forms.ChoiceField(
        label=_("类别"),
        choices=[("", _("请选择")), *SocialOrgCategory.choices],
        error_messages={"required": _("请选择组织类别。"), "invalid_choice": _("请选择组织类别。")},
    )


class ProfileForm(forms.Form):
    """What the organisation's page shows; the contact number is only ever written, never read back."""

    category = _category_field()
    introduction = forms.CharField(
        label=_("组织介绍"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写组织介绍。")},
    )
    specialities = forms.CharField(
        label=_("团队特色（特长、获奖、常规活动）"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    contact_name = forms.CharField(label=_("联系人"), max_length=30, required=False)
    contact_phone = forms.CharField(
        label=_("联系电话（公开时只显示部分号码）"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("不修改请留空")}),
    )
    logo = forms.FileField(
        label=_("标志图片（选填）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )


class RegisterForm(ProfileForm):
    """An organisation account registers its own organisation (the community confirms it)."""

    name = forms.CharField(
        label=_("组织名称"), max_length=60, error_messages={"required": _("请填写组织名称。")}
    )
    field_order = [
        "name",
        "category",
        "introduction",
        "specialities",
        "contact_name",
        "contact_phone",
        "logo",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_phone"].widget.attrs.pop("placeholder", None)


class StaffCreateForm(RegisterForm):
    """A community head registers an organisation of their community and names its admin."""

    unit = forms.TypedChoiceField(label=_("所属社区或街道"), coerce=int)
    admin_phone = forms.CharField(
        label=_("组织管理员手机号（须为已注册的居民或单位账号）"),
        max_length=11,
        error_messages={"required": _("请填写组织管理员的手机号。")},
    )
    field_order = ["name", "category", "unit", "admin_phone", *RegisterForm.field_order[2:]]

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]


class JoinForm(forms.Form):
    message = forms.CharField(
        label=_("留言（选填）"),
        max_length=200,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("例如：退休前学过几年民族舞，想和大家一起跳。")}
        ),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, error_messages={"required": _("请填写原因。")})


class PhotosForm(forms.Form):
    images = PhotosField(label=_("活动照片（可多选，一次最多 9 张）"), required=True)
    caption = forms.CharField(label=_("照片说明（选填）"), max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["images"].error_messages["required"] = _("请选择要上传的照片。")


class AdminForm(forms.Form):
    admin_phone = forms.CharField(
        label=_("新管理员手机号"), max_length=11, error_messages={"required": _("请填写组织管理员的手机号。")}
    )
