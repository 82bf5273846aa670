from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.forms import PhotosField

from .choices import MerchantCategory
from .selectors import DEFAULT_RADIUS_M, MAX_RADIUS_M
from .services import BAD_PHONE, PHONE

RADIUS_CHOICES = [
    (500, _("500 米")),
    (1000, _("1 公里")),
    (2000, _("2 公里")),
    (MAX_RADIUS_M, _("5 公里")),
]


class ListingForm(forms.Form):
    title = forms.CharField(
        label=_("物品名称"),
        max_length=60,
        error_messages={"required": _("请填写物品名称。"), "max_length": _("物品名称不能超过 60 个字。")},
        widget=forms.TextInput(attrs={"placeholder": _("例如：九成新儿童自行车")}),
    )
    price = forms.CharField(
        label=_("价格（元，留空表示免费赠送）"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("免费")}),
    )
    description = forms.CharField(
        label=_("描述（成色、交易地点等，请勿填写手机号）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    photos = PhotosField(label=_("照片（最多 6 张）"))


class ListingEditForm(ListingForm):
    """The seller's corrections: name, price and description (photos stay as they are)."""

    photos = None


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, error_messages={"required": _("请说明原因。")})


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("举报原因"),
        max_length=200,
        error_messages={"required": _("请说明举报原因。")},
        widget=forms.TextInput(attrs={"placeholder": _("例如：违禁物品、虚假信息、广告")}),
    )


class ContactForm(forms.Form):
    message = forms.CharField(
        label=_("给卖家留言"),
        max_length=500,
        error_messages={"required": _("请填写想对卖家说的话。")},
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("例如：我想要，周六上午小区门口交易可以吗？")}
        ),
    )


class MerchantForm(forms.Form):
    name = forms.CharField(
        label=_("商户名称"), max_length=60, error_messages={"required": _("请填写商户名称。")}
    )
    category = forms.ChoiceField(
        label=_("类别"),
        choices=[("", "—"), *MerchantCategory.choices],
        error_messages={"required": _("请选择类别（衣、食、住、行、服务）。")},
    )
    address = forms.CharField(label=_("地址"), max_length=120, error_messages={"required": _("请填写地址。")})
    lat = forms.FloatField(
        label=_("纬度"),
        min_value=-90,
        max_value=90,
        error_messages={"required": _("请在地图上选择商户位置，或填写正确的经纬度。")},
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    lng = forms.FloatField(
        label=_("经度"),
        min_value=-180,
        max_value=180,
        error_messages={"required": _("请在地图上选择商户位置，或填写正确的经纬度。")},
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    hours = forms.CharField(
        label=_("营业时间"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("例如：每天 7:00–21:00")}),
    )
    offers = forms.CharField(
        label=_("优惠信息"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError(BAD_PHONE)
        return phone


class StaffMerchantForm(MerchantForm):
    field_order = [
        "community",
        "name",
        "category",
        "address",
        "lat",
        "lng",
        "hours",
        "offers",
        "phone",
        "owner",
    ]

    community = forms.TypedChoiceField(label=_("所在社区"), coerce=int)
    owner = forms.TypedChoiceField(
        label=_("商户账号（选填，由商户自行维护）"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, communities=(), owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]
        self.fields["owner"].choices = [("", "—"), *[(u.pk, u.label) for u in owners]]


class SearchForm(forms.Form):
    """The business circle's search: category chips, radius, and the point (blank: the resident's home)."""

    category = forms.ChoiceField(choices=[("", _("全部")), *MerchantCategory.choices], required=False)
    radius = forms.TypedChoiceField(
        choices=RADIUS_CHOICES, coerce=int, required=False, empty_value=DEFAULT_RADIUS_M
    )
    lat = forms.FloatField(required=False, min_value=-90, max_value=90, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, min_value=-180, max_value=180, widget=forms.HiddenInput)
