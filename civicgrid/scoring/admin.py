from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import DomainError
from civicgrid.org.selectors import user_can

from . import services
from .models import ScoreEntry, ScorePeriod, ScoreRule, ScoreScheme


class ScoreRuleInline(admin.TabularInline):
    model = ScoreRule
    extra = 1


@admin.register(ScoreScheme)
class ScoreSchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "area", "target_kind", "period_kind", "base_score", "starts_on", "is_active")
    inlines = [ScoreRuleInline]


@admin.register(ScorePeriod)
class ScorePeriodAdmin(admin.ModelAdmin):
    list_display = ("scheme", "starts_on", "ends_on", "status", "closed_at")
    list_filter = ("status",)

    def has_change_permission(self, request, obj=None):
        return False


class CorrectionForm(forms.Form):
    points = forms.DecimalField(
        label=_("更正分值"),
        max_digits=8,
        decimal_places=2,
        help_text=_("记入一条新的更正记录；例如填原分值的相反数即撤销原记录。"),
        error_messages={"required": _("请填写更正分值。"), "invalid": _("请填写数字。")},
    )
    reason = forms.CharField(
        label=_("更正原因"), max_length=200, error_messages={"required": _("请填写更正原因。")}
    )

    def clean_points(self):
        points = self.cleaned_data["points"]
        if points == Decimal(0):
            raise forms.ValidationError(_("更正分值不能为 0。"))
        return points


@admin.register(ScoreEntry)
class ScoreEntryAdmin(admin.ModelAdmin):
    """The ledger, read only: every change is a new entry made by a service (a correction, with its
    reason, from the 更正 link of an entry)."""

    list_display = (
        "period",
        "unit",
        "user",
        "rule",
        "kind",
        "points",
        "case",
        "reason",
        "created_at",
        "correct_link",
    )
    list_filter = ("kind", "scheme")
    raw_id_fields = ("case", "visit", "corrects", "unit", "user", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("更正"))
    def correct_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:scoring_scoreentry_correct", args=[obj.pk]), _("更正")
        )

    def get_urls(self):
        own = [
            path(
                "<int:entry_id>/correct/",
                self.admin_site.admin_view(self.correct_view),
                name="scoring_scoreentry_correct",
            )
        ]
        return own + super().get_urls()

    def correct_view(self, request, entry_id: int):
        """Correct an entry by a new one: in its period if still open, else in the next open one."""
        if not user_can(request.user, "scoring.correct"):
            raise PermissionDenied
        entry = get_object_or_404(ScoreEntry.objects.select_related("period", "unit", "rule"), pk=entry_id)
        form = CorrectionForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                correction = services.entry_correct(entry=entry, actor=request.user, **form.cleaned_data)
            except DomainError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("已记入更正（%(period)s）。") % {"period": correction.period})
                return redirect("admin:scoring_scoreentry_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("更正考核记录"),
            "entry": entry,
            "form": form,
        }
        return TemplateResponse(request, "admin/scoring/scoreentry/correct.html", context)
