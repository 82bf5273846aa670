from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.forms import PhotosField

from .choices import Audience

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def local_input(moment) -> str:
    """A datetime as a datetime-local input shows it (the platform's time zone)."""
    return timezone.localtime(moment).strftime(LOCAL_INPUT) if moment else ""


class MomentField(forms.DateTimeField):
    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT))
        kwargs.setdefault(
            "error_messages", {"required": _("请填写时间。"), "invalid": _("请输入有效的日期和时间。")}
        )
        super().__init__(**kwargs)


class ActivityForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("主办单位"), coerce=int)
    title = forms.CharField(
        label=_("活动名称"), max_length=60, error_messages={"required": _("请填写活动名称。")}
    )
    description = forms.CharField(
        label=_("活动介绍"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请介绍活动内容。")},
    )
    audience = forms.ChoiceField(label=_("面向人群"), choices=Audience.choices)
    starts_at = MomentField(label=_("开始时间"))
    ends_at = MomentField(label=_("结束时间"))
    place = forms.CharField(
        label=_("活动地点"), max_length=120, error_messages={"required": _("请填写活动地点。")}
    )
    booking_id = forms.IntegerField(
        label=_("场地预约编号（选填）"),
        required=False,
        min_value=1,
        help_text=_("已在“资源共享”预约了场地的，填写预约编号。"),
        error_messages={"invalid": _("预约编号应为正整数。"), "min_value": _("预约编号应为正整数。")},
    )
    capacity = forms.IntegerField(
        label=_("名额"),
        min_value=1,
        max_value=1000,
        error_messages={
            "required": _("请填写名额。"),
            "invalid": _("名额应为整数。"),
            "min_value": _("名额须在 1 到 1000 之间。"),
            "max_value": _("名额须在 1 到 1000 之间。"),
        },
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is None:  # editing: the host does not change
            del self.fields["unit"]
        else:
            self.fields["unit"].choices = [
                (unit.pk, unit.name if direct else _("%(name)s（需社区审核）") % {"name": unit.name})
                for unit, direct in units
            ]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200, error_messages={"required": _("请说明原因。")})


class PhotoForm(forms.Form):
    photos = PhotosField(label=_("活动照片（可多选，最多 9 张）"))
    caption = forms.CharField(label=_("照片说明（选填）"), max_length=100, required=False)
