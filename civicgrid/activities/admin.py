from django.contrib import admin

from .models import Activity, ActivityPhoto, ActivitySignup


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("title", "unit", "starts_at", "status", "is_hidden", "confirmed_count", "capacity")
    list_filter = ("status", "is_hidden", "audience")
    search_fields = ("title",)
    raw_id_fields = ("unit", "organiser", "reviewed_by")
    readonly_fields = ("confirmed_count", "waiting_count")


@admin.register(ActivitySignup)
class ActivitySignupAdmin(admin.ModelAdmin):
    list_display = ("activity", "user", "status", "position", "attended", "created_at")
    list_filter = ("status", "attended")
    raw_id_fields = ("activity", "user")
    # Sign-ups change only through the services (the waiting list and the counters move together).
    readonly_fields = ("activity", "user", "status", "position", "created_at", "promoted_at", "cancelled_at")


@admin.register(ActivityPhoto)
class ActivityPhotoAdmin(admin.ModelAdmin):
    list_display = ("activity", "status", "uploaded_by", "uploaded_at")
    list_filter = ("status",)
    raw_id_fields = ("activity", "uploaded_by")
