"""The webhooks in the Django admin, for platform admins (integrations.manage) only: subscriptions are
made (the secret shown once, in a message), edited and deactivated through the services (audited);
deliveries are read-only, with their attempt log, and can be sent again ("重新投递", audited)."""

import json
import uuid
from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civicgrid.org.selectors import user_can

from ..models import WebhookAttempt, WebhookSubscription
from ..models.webhooks import WEBHOOK_EVENT_CHOICES
from . import selectors, services


def may_manage(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff and user_can(user, "integrations.manage"))


class PlatformAdminOnly:
    """Seen and used by platform admins only, whatever the model permissions say; never deleted."""

    def has_module_permission(self, request):
        return may_manage(request)

    def has_view_permission(self, request, obj=None):
        return may_manage(request)

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SubscriptionForm(forms.ModelForm):
    target_url = forms.URLField(
        label=_("接收地址"),
        max_length=500,
        assume_scheme="https",
        help_text=_("部门系统接收事件的地址（http 或 https），每次以 POST 发送 JSON，并附签名。"),
    )
    events = forms.MultipleChoiceField(
        label=_("订阅事件"), choices=WEBHOOK_EVENT_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "target_url", "events", "scope_unit"]
        help_texts = {
            "scope_unit": _("只推送网格位于该单元之下的问题。"),
        }


class WebhookSubscriptionAdmin(PlatformAdminOnly, admin.ModelAdmin):
    form = SubscriptionForm
    list_display = [
        "name",
        "target_host",
        "event_names",
        "scope_unit",
        "is_active",
        "created_by",
        "created_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["name"]
    actions = ["deactivate"]
    readonly_fields = ["secret_hint", "is_active", "created_by", "created_at", "deactivated_at"]

    def has_add_permission(self, request, *args):
        return may_manage(request)

    def has_change_permission(self, request, obj=None):
        return may_manage(request) and (obj is None or obj.is_active)

    def get_queryset(self, request):
        return selectors.subscriptions_visible_to(request.user)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        fields = ["name", "target_url", "events", "scope_unit"]
        return fields + self.readonly_fields if obj is not None else fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scope_unit":
            kwargs["queryset"] = selectors.units_for_subscriptions(request.user).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("接收主机"))
    def target_host(self, obj):
        # The path and query may hold the receiver's own token: the list shows the host only.
        return urlsplit(obj.target_url).netloc

    @admin.display(description=_("订阅事件"))
    def event_names(self, obj):
        labels = dict(WEBHOOK_EVENT_CHOICES)
        return "、".join(str(labels.get(kind, kind)) for kind in obj.events)

    @admin.display(description=_("签名密钥"))
    def secret_hint(self, obj):
        return format_html("{} <small>（{}）</small>", obj.secret_hint, gettext("仅在创建时完整显示一次"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            fields = {name: data[name] for name in form.changed_data if name in form.Meta.fields}
            saved = services.subscription_update(actor=request.user, subscription=obj, **fields)
        else:
            saved, secret = services.subscription_create(
                actor=request.user,
                name=data["name"],
                target_url=data["target_url"],
                events=data["events"],
                scope_unit=data["scope_unit"],
            )
            messages.warning(
                request,
                gettext("签名密钥（只显示这一次，请立即复制并交给接收方妥善保存）：%(secret)s")
                % {"secret": secret},
            )
        obj.pk, obj.secret, obj.events = saved.pk, saved.secret, saved.events
        obj.created_by, obj.created_at = saved.created_by, saved.created_at

    @admin.action(description=_("停用所选订阅"), permissions=["manage"])
    def deactivate(self, request, queryset):
        done = 0
        for subscription in queryset.filter(is_active=True):
            services.subscription_deactivate(actor=request.user, subscription=subscription)
            done += 1
        self.message_user(request, gettext("已停用 %(n)d 个订阅。") % {"n": done}, messages.SUCCESS)

    def has_manage_permission(self, request):
        return may_manage(request)


class WebhookAttemptInline(PlatformAdminOnly, admin.TabularInline):
    model = WebhookAttempt
    fields = readonly_fields = ["round", "number", "at", "status_code", "error", "duration_ms"]
    extra = 0
    can_delete = False


class EventKindFilter(admin.SimpleListFilter):
    title = _("事件")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return WEBHOOK_EVENT_CHOICES

    def queryset(self, request, queryset):
        return queryset.filter(event__kind=self.value()) if self.value() else queryset


class WebhookDeliveryAdmin(PlatformAdminOnly, admin.ModelAdmin):
    list_display = [
        "delivery_id",
        "subscription",
        "event_kind",
        "case_number",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    ]
    list_filter = ["status", ("subscription", admin.RelatedOnlyFieldListFilter), EventKindFilter]
    search_fields = ["delivery_id"]
    search_help_text = _("按投递编号或问题编号查找")
    date_hierarchy = "created_at"
    actions = ["replay"]
    inlines = [WebhookAttemptInline]
    fields = readonly_fields = [
        "delivery_id",
        "subscription",
        "event_kind",
        "case_number",
        "status",
        "attempts",
        "replays",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "last_duration_ms",
        "created_at",
        "delivered_at",
        "body",
    ]

    def get_queryset(self, request):
        return selectors.deliveries_visible_to(request.user).select_related(
            "subscription", "event", "event__case"
        )

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(delivery_id=uuid.UUID(term)), False
        except ValueError:
            return queryset.filter(event__case__number=term), False

    @admin.display(description=_("事件"), ordering="event__kind")
    def event_kind(self, obj):
        return obj.event.get_kind_display()

    @admin.display(description=_("问题编号"))
    def case_number(self, obj):
        return obj.event.case.number

    @admin.display(description=_("发送内容"))
    def body(self, obj):
        return format_html(
            "<pre>{}</pre>", json.dumps(obj.payload, ensure_ascii=False, indent=2, sort_keys=True)
        )

    @admin.action(description=_("重新投递"), permissions=["replay"])
    def replay(self, request, queryset):
        replayed, skipped = services.deliveries_replay(
            actor=request.user, deliveries=queryset, request=request
        )
        self.message_user(
            request,
            gettext("已重新排队 %(n)d 条投递（投递编号不变）。") % {"n": replayed},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                gettext("%(n)d 条未重新投递：正在发送中，或其订阅已停用。") % {"n": skipped},
                messages.WARNING,
            )

    def has_replay_permission(self, request):
        return may_manage(request)


class ApiKeyAdmin(PlatformAdminOnly, admin.ModelAdmin):
    """Read-only: keys are made and revoked on the integrations page (the key shown once there)."""

    list_display = [
        "name",
        "prefix",
        "unit",
        "role",
        "rate_per_minute",
        "created_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["role"]
    search_fields = ["name", "prefix"]
    fields = readonly_fields = [
        "name",
        "prefix",
        "account",
        "unit",
        "role",
        "rate_per_minute",
        "created_by",
        "created_at",
        "revoked_at",
        "last_used_at",
    ]

    def get_queryset(self, request):
        from ..selectors import keys_visible_to

        return keys_visible_to(request.user)


__all__ = ["ApiKeyAdmin", "WebhookDeliveryAdmin", "WebhookSubscriptionAdmin"]
