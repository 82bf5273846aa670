"""The integrations' Huey tasks (autodiscovered by djhuey as `<app>.tasks`)."""

from .webhooks.tasks import deliver_due_webhooks, deliver_webhook, fan_out_webhooks

__all__ = ["deliver_due_webhooks", "deliver_webhook", "fan_out_webhooks"]
