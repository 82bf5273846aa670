"""The integrations' models, one module per interface."""

from .api_keys import ApiKey
from .webhooks import (
    WEBHOOK_EVENTS,
    DeliveryStatus,
    WebhookAttempt,
    WebhookCursor,
    WebhookDelivery,
    WebhookSubscription,
)

__all__ = [
    "WEBHOOK_EVENTS",
    "ApiKey",
    "DeliveryStatus",
    "WebhookAttempt",
    "WebhookCursor",
    "WebhookDelivery",
    "WebhookSubscription",
]
