from django.contrib import admin

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


@admin.register(ScoreEntry)
class ScoreEntryAdmin(admin.ModelAdmin):
    """The ledger, read only: every change is a new entry made by a service."""

    list_display = ("period", "unit", "user", "rule", "kind", "points", "case", "reason", "created_at")
    list_filter = ("kind", "scheme")
    raw_id_fields = ("case", "visit", "corrects", "unit", "user", "actor")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
