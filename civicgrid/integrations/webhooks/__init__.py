"""Webhooks: case events pushed to departmental systems (models in ..models.webhooks).

- signing.py: the signature scheme, and `verify_signature` for receivers to copy;
- services.py: subscriptions (made, deactivated), the fan-out, delivery with retries, replay;
- selectors.py: reads, scoped to the acting user; tasks.py: the Huey tasks; admin.py: the admin.
"""
