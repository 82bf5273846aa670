from django.contrib import admin

from .models import JoinRequest, SocialOrg


@admin.register(SocialOrg)
class SocialOrgAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "unit", "status", "is_active", "created_at"]
    list_filter = ["category", "status", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["unit", "admin", "created_by", "decided_by"]
    exclude = ["contact_phone"]
    readonly_fields = ["created_at", "decided_at"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["org", "user", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    raw_id_fields = ["org", "user", "decided_by"]
    readonly_fields = ["created_at", "decided_at", "ended_at"]
