from django.contrib import admin

from .models import ApiKey, WebhookDelivery, WebhookSubscription
from .webhooks.admin import ApiKeyAdmin, WebhookDeliveryAdmin, WebhookSubscriptionAdmin

admin.site.register(WebhookSubscription, WebhookSubscriptionAdmin)
admin.site.register(WebhookDelivery, WebhookDeliveryAdmin)
admin.site.register(ApiKey, ApiKeyAdmin)
