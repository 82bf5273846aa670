"""Delivery beyond the inbox: email through Django's mail backend, SMS through a pluggable class.

SMS_BACKEND names a class with `send(phone, text)`; the default writes to the log, so a laptop
needs no gateway. A real gateway is one small class configured in settings.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger("civicgrid.sms")


class LogSmsBackend:
    """Writes the message to the log (phone masked)."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone[:3] + "****" + phone[-4:], text)


def sms_backend():
    return import_string(getattr(settings, "SMS_BACKEND", "civicgrid.notifications.backends.LogSmsBackend"))()


def deliver_email(*, address: str, subject: str, body: str) -> None:
    send_mail(subject, body, None, [address], fail_silently=False)
