from django.contrib import admin

from .models import PolicyDocument, ServiceItem, ServiceLine, VisitProgramme
from .services import item_reindex


@admin.register(ServiceLine)
class ServiceLineAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort"]


class PolicyDocumentInline(admin.TabularInline):
    model = PolicyDocument
    extra = 0


@admin.register(ServiceItem)
class ServiceItemAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "line", "office", "time_limit", "is_active"]
    list_filter = ["line", "is_active"]
    search_fields = ["code", "title"]
    inlines = [PolicyDocumentInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        item = form.instance
        item_reindex(item)
        item.save(update_fields=["search_title", "search_body"])


@admin.register(VisitProgramme)
class VisitProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "unit", "starts_on", "ends_on", "visits_per_target"]
