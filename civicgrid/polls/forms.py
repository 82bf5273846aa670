from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import PollKind, QuestionKind, ResultsVisibility

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


def local_picker() -> forms.DateTimeInput:
    """A phone's own date-and-time picker."""
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)


def local_input(moment) -> str:
    """A stored moment as the picker's value, in the platform's time zone."""
    return timezone.localtime(moment).strftime(LOCAL_INPUT) if moment else ""


class LinesField(forms.CharField):
    """One entry per line (options of a poll or a question)."""

    def to_python(self, value):
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class WindowForm(forms.Form):
    unit = forms.TypedChoiceField(
        label=_("参与范围"), coerce=int, error_messages={"required": _("请选择参与范围。")}
    )
    title = forms.CharField(label=_("标题"), max_length=80, error_messages={"required": _("请填写标题。")})
    opens_at = forms.DateTimeField(
        label=_("开始时间"),
        widget=local_picker(),
        error_messages={"required": _("请填写开始时间。"), "invalid": _("请填写正确的时间。")},
    )
    closes_at = forms.DateTimeField(
        label=_("截止时间"),
        widget=local_picker(),
        error_messages={"required": _("请填写截止时间。"), "invalid": _("请填写正确的时间。")},
    )

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["unit"].error_messages["invalid_choice"] = _("请选择您负责的社区或街道。")
        self.units = {u.pk: u for u in units}

    def chosen_unit(self):
        return self.units.get(self.cleaned_data.get("unit"))


class PollForm(WindowForm):
    description = forms.CharField(
        label=_("说明（选填）"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("投票方式"), choices=PollKind.choices)
    max_choices = forms.IntegerField(
        label=_("最多可选几项（多选时填写）"),
        required=False,
        min_value=1,
        max_value=30,
        error_messages={
            "invalid": _("请填写数字。"),
            "min_value": _("至少 1 项。"),
            "max_value": _("最多 30 项。"),
        },
    )
    results_visibility = forms.ChoiceField(
        label=_("结果公开"), choices=ResultsVisibility.choices, initial=ResultsVisibility.AFTER_VOTING
    )
    options = LinesField(
        label=_("选项（每行一个）"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("例如：\n增设老年食堂\n儿童游乐设施改造")}),
        error_messages={"required": _("请至少填写两个选项。")},
    )
    field_order = [
        "unit",
        "title",
        "description",
        "kind",
        "max_choices",
        "opens_at",
        "closes_at",
        "results_visibility",
        "options",
    ]


class SurveyForm(WindowForm):
    intro = forms.CharField(
        label=_("说明（选填）"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    field_order = ["unit", "title", "intro", "opens_at", "closes_at"]


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("题目"), max_length=200, error_messages={"required": _("请填写题目。")})
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)
    options = LinesField(
        label=_("选项（单选、多选题填写，每行一个）"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
