from django import forms
from django.utils.translation import gettext_lazy as _

from civicgrid.cases.forms import PhotosField
from civicgrid.core.forms import SpreadsheetField


class VisitForm(forms.Form):
    """A visit to one household (or organisation); problems come as lists (problem_category[],
    problem_description[]) so the page can add rows, and the offline queue replays the same form."""

    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    visited_at = forms.DateTimeField(label=_("走访时间"), required=False)
    met = forms.CharField(label=_("受访人"), max_length=100, required=False)
    companions = forms.CharField(label=_("同行人员"), max_length=100, required=False)
    notes = forms.CharField(
        label=_("走访情况"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    accuracy = forms.FloatField(required=False, widget=forms.HiddenInput)
    confirm_data = forms.BooleanField(label=_("已当面核实本户信息"), required=False)
    programme = forms.TypedChoiceField(label=_("走访计划"), coerce=int, required=False, empty_value=None)
    photos = PhotosField()

    def __init__(self, *args, programmes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "—")] + [(p.pk, p.name) for p in programmes]


class ConsultationForm(forms.Form):
    idempotency_key = forms.UUIDField(required=False, widget=forms.HiddenInput)
    grid = forms.TypedChoiceField(label=_("网格"), coerce=int)
    asker_name = forms.CharField(
        label=_("咨询人"), max_length=50, error_messages={"required": _("请填写咨询人。")}
    )
    asker_phone = forms.CharField(label=_("联系电话（选填）"), max_length=20, required=False)
    question = forms.CharField(
        label=_("咨询内容"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写咨询内容。")},
    )
    answer = forms.CharField(
        label=_("答复"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请填写答复。")},
    )
    case_category = forms.TypedChoiceField(
        label=_("需要跟进时转为问题（选择类别）"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, grids=(), categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [(g.pk, g.name) for g in grids]
        self.fields["case_category"].choices = [("", _("不转为问题"))] + [(c.pk, c.name) for c in categories]


class ImportForm(forms.Form):
    file = SpreadsheetField(
        label=_("服务事项表（XLSX 或 CSV）"), error_messages={"required": _("请选择文件。")}
    )


class StudyForm(forms.Form):
    community = forms.TypedChoiceField(label=_("社区"), coerce=int)
    title = forms.CharField(label=_("标题"), max_length=120, error_messages={"required": _("请填写标题。")})
    body = forms.CharField(
        label=_("正文（支持 Markdown：**加粗**、- 列表、## 小标题）"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("请填写正文。")},
    )
    tags = forms.CharField(label=_("标签（用逗号分隔）"), max_length=200, required=False)
    case_number = forms.CharField(label=_("关联问题编号（选填）"), max_length=20, required=False)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("评论"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("请填写评论内容。")},
    )


class WorkLogForm(forms.Form):
    day = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    unit = forms.TypedChoiceField(label=_("所在网格/社区"), coerce=int)
    body = forms.CharField(
        label=_("工作内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请填写日志内容。")},
    )
    cases = forms.TypedMultipleChoiceField(
        label=_("关联问题"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    visits = forms.TypedMultipleChoiceField(
        label=_("关联走访"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, units=(), cases=(), visits=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["cases"].choices = [(c["id"], f"{c['number']} {c['category__name']}") for c in cases]
        self.fields["visits"].choices = [(v.pk, str(v)) for v in visits]


class ProgrammeForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("发起单位"), coerce=int)
    name = forms.CharField(
        label=_("计划名称"), max_length=80, error_messages={"required": _("请填写计划名称。")}
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("结束日期"), widget=forms.DateInput(attrs={"type": "date"}))
    visits_per_target = forms.IntegerField(label=_("每户走访次数"), min_value=1, max_value=24, initial=1)
    groups = forms.TypedMultipleChoiceField(
        label=_("走访对象群体（不选即全部住户）"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    description = forms.CharField(
        label=_("说明"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, units=(), groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        self.fields["groups"].choices = [(g.pk, g.name) for g in groups]
