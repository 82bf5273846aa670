from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ExtensionKind, Outcome, ReturnReason, WarningLevel


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}))
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("照片"))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class ReportForm(forms.Form):
    category = forms.TypedChoiceField(label=_("问题类别"), coerce=int)
    description = forms.CharField(
        label=_("问题描述"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请描述问题。")},
    )
    address = forms.CharField(label=_("地点说明"), max_length=200, required=False)
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    grid = forms.TypedChoiceField(
        label=_("所在网格（未在地图选点时）"), coerce=int, required=False, empty_value=None
    )
    is_anonymous = forms.BooleanField(label=_("匿名报告"), required=False)
    contact_consent = forms.BooleanField(label=_("同意工作人员回访联系我"), required=False, initial=True)
    photos = PhotosField()

    def __init__(self, *args, categories=(), grids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, c.name) for c in categories]
        self.fields["grid"].choices = [("", "—")] + [(g.pk, g.name) for g in grids]


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotosField()


class RequiredNoteForm(NoteForm):
    note = forms.CharField(
        label=_("说明"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写说明。")},
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("处理结果"), choices=Outcome.choices)
    note = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReturnForm(forms.Form):
    reason = forms.ChoiceField(label=_("退回理由"), choices=ReturnReason.choices)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class DispatchForm(forms.Form):
    target = forms.TypedChoiceField(label=_("派至"), coerce=int)
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [(u.pk, f"{u.get_kind_display()} · {u.name}") for u in units]


class ReviewForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("甄别结论"),
        coerce=lambda v: v == "1",
        choices=[("1", _("异议成立（报告不实，结案）")), ("0", _("异议不成立（继续办理）"))],
    )
    note = forms.CharField(label=_("说明"), max_length=2000, error_messages={"required": _("请填写说明。")})


class MergeForm(forms.Form):
    into = forms.CharField(label=_("合并至问题编号"), max_length=20)
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)


class RecategoriseForm(forms.Form):
    category = forms.TypedChoiceField(label=_("正确的类别"), coerce=int)
    note = forms.CharField(label=_("说明"), max_length=2000, required=False)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.pk, c.name) for c in categories]


class WarningForm(forms.Form):
    level = forms.ChoiceField(label=_("预警等级"), choices=WarningLevel.choices)


class InspectForm(forms.Form):
    finding = forms.CharField(label=_("督查意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    rating = forms.TypedChoiceField(
        label=_("评分"), coerce=int, choices=[(i, str(i)) for i in range(5, 0, -1)]
    )


class ExtensionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=ExtensionKind.choices)
    hours = forms.DecimalField(
        label=_("延长小时数（延期时填写）"), required=False, min_value=1, max_value=720
    )
    reason = forms.CharField(label=_("理由"), max_length=200)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("评价"), coerce=int, choices=[(i, "★" * i) for i in range(5, 0, -1)]
    )
    comment = forms.CharField(label=_("评价内容"), max_length=200, required=False)
