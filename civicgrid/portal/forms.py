from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.forms import PhotosField

from .choices import OrganisationKind


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


class SignupPhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"), max_length=11, error_messages={"required": _("请填写手机号。")}
    )


class PasswordResetForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"), max_length=11, error_messages={"required": _("请填写手机号。")}
    )
    code = forms.CharField(
        label=_("短信验证码"), max_length=6, error_messages={"required": _("请填写验证码。")}
    )
    password = forms.CharField(
        label=_("新密码"), widget=forms.PasswordInput, error_messages={"required": _("请设置新密码。")}
    )
    password_again = forms.CharField(
        label=_("再次输入新密码"),
        widget=forms.PasswordInput,
        error_messages={"required": _("请再次输入新密码。")},
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password_again") and data["password"] != data["password_again"]:
            self.add_error("password_again", _("两次输入的新密码不一致。"))
        return data


class SignupForm(forms.Form):
    phone = forms.CharField(
        label=_("手机号"), max_length=11, error_messages={"required": _("请填写手机号。")}
    )
    code = forms.CharField(
        label=_("短信验证码"), max_length=6, error_messages={"required": _("请填写验证码。")}
    )
    full_name = forms.CharField(
        label=_("姓名"), max_length=50, error_messages={"required": _("请填写姓名。")}
    )
    community = forms.TypedChoiceField(label=_("所在社区"), coerce=int)
    organisation_kind = forms.ChoiceField(
        label=_("注册为"), required=False, choices=[("", _("居民")), *OrganisationKind.choices]
    )
    organisation_name = forms.CharField(
        label=_("单位名称（企业、社会组织、商户填写）"), max_length=100, required=False
    )
    password = forms.CharField(
        label=_("设置密码"), widget=forms.PasswordInput, error_messages={"required": _("请设置密码。")}
    )

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]


class SuggestionForm(forms.Form):
    text = forms.CharField(
        label=_("您的意见、建议或反映的问题"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("请填写内容。")},
    )
    grid = forms.TypedChoiceField(label=_("发生在哪个网格"), coerce=int)
    photos = PhotosField()
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [(g.pk, g.name) for g in grids]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("答复内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写答复内容。")},
    )


class PublishForm(forms.Form):
    title = forms.CharField(label=_("公示标题"), max_length=80)
    summary = forms.CharField(
        label=_("问题摘要（不含姓名、电话、门牌号）"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    reply = forms.CharField(
        label=_("答复与办理结果"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NewsForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("发布单位"), coerce=int)
    title = forms.CharField(label=_("标题"), max_length=80, error_messages={"required": _("请填写标题。")})
    body = forms.CharField(
        label=_("正文"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("请填写正文。")},
    )
    image = forms.FileField(
        label=_("图片（选填）"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
    is_notice = forms.BooleanField(label=_("作为通知公告"), required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("隐藏原因"), max_length=200, error_messages={"required": _("请说明隐藏原因。")}
    )
