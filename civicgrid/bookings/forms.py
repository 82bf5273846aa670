from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import SLOT_MINUTES, WEEKDAYS, ResourceKind


class BookingForm(forms.Form):
    """A booking on one day: the start and end are picked among the day's slot boundaries."""

    date = forms.DateField(widget=forms.HiddenInput)
    start = forms.ChoiceField(label=_("开始"), error_messages={"required": _("请选择开始时间。")})
    end = forms.ChoiceField(label=_("结束"), error_messages={"required": _("请选择结束时间。")})
    attendees = forms.IntegerField(
        label=_("人数"),
        min_value=1,
        max_value=10_000,
        error_messages={"required": _("请填写人数。"), "min_value": _("人数至少为 1。")},
    )
    purpose = forms.CharField(
        label=_("用途"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("例如：楼道长例会、书法兴趣小组活动")}),
        error_messages={"required": _("请填写用途。")},
    )

    def __init__(self, *args, starts=(), ends=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = [(s, s) for s in starts]
        self.fields["end"].choices = [(e, e) for e in ends]
        for name in ("start", "end"):
            self.fields[name].error_messages["invalid_choice"] = _("请选择当天开放时间内的时段。")


class ResourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ResourceKind.choices)
    name = forms.CharField(label=_("名称"), max_length=60, error_messages={"required": _("请填写名称。")})
    location = forms.CharField(
        label=_("地点"),
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("例如：党群服务中心二楼")}),
    )
    capacity = forms.IntegerField(
        label=_("容纳人数"),
        min_value=1,
        max_value=10_000,
        error_messages={"required": _("请填写容纳人数。"), "min_value": _("容纳人数至少为 1。")},
    )
    slot_minutes = forms.TypedChoiceField(label=_("每段时长"), choices=SLOT_MINUTES, coerce=int, initial=60)
    days_ahead = forms.IntegerField(
        label=_("可提前预约天数"),
        min_value=1,
        max_value=365,
        initial=30,
        error_messages={"required": _("请填写可提前预约天数。")},
    )
    needs_approval = forms.BooleanField(label=_("预约需审核"), required=False, initial=True)
    description = forms.CharField(
        label=_("简介"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    rules = forms.CharField(
        label=_("使用须知"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("例如：用后请关灯关窗，桌椅复位")}),
    )
    photo = forms.FileField(
        label=_("照片（选填）"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )


class NewResourceForm(ResourceForm):
    owner = forms.ChoiceField(label=_("提供单位"), error_messages={"required": _("请选择提供单位。")})

    field_order = ["owner"]

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = list(owners)


class EditResourceForm(ResourceForm):
    is_active = forms.BooleanField(label=_("开放预约"), required=False)


class HoursForm(forms.Form):
    """Opening hours per weekday: both times, or neither (closed that day)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for weekday, label in WEEKDAYS:
            widget = forms.TimeInput(format="%H:%M", attrs={"type": "time", "step": 900})
            self.fields[f"opens_{weekday}"] = forms.TimeField(label=label, required=False, widget=widget)
            self.fields[f"closes_{weekday}"] = forms.TimeField(label=label, required=False, widget=widget)

    def clean(self):
        data = super().clean()
        for weekday, label in WEEKDAYS:
            opens, closes = data.get(f"opens_{weekday}"), data.get(f"closes_{weekday}")
            if (opens is None) != (closes is None):
                self.add_error(
                    f"opens_{weekday}",
                    _("%(day)s请同时填写开放和关闭时间，或都不填（不开放）。") % {"day": label},
                )
        return data

    def hours(self) -> dict[int, tuple[time, time]]:
        data = self.cleaned_data
        return {
            weekday: (data[f"opens_{weekday}"], data[f"closes_{weekday}"])
            for weekday, _label in WEEKDAYS
            if data.get(f"opens_{weekday}") and data.get(f"closes_{weekday}")
        }

    def rows(self):
        return [(label, self[f"opens_{weekday}"], self[f"closes_{weekday}"]) for weekday, label in WEEKDAYS]

    @staticmethod
    def initial_from(hours) -> dict:
        initial = {}
        for h in hours:
            initial[f"opens_{h.weekday}"] = h.opens
            initial[f"closes_{h.weekday}"] = h.closes
        return initial


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("说明"), max_length=200, required=False)
