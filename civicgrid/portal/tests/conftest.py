"""Fixtures of the portal's tests: the registry, and an SMS outbox instead of the SMS gateway."""

import re

import pytest

from civicgrid.registry.tests.conftest import registry  # noqa: F401


class Outbox:
    sent: list = []

    def send(self, phone, text):
        Outbox.sent.append((phone, text))


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = "civicgrid.portal.tests.conftest.Outbox"
    Outbox.sent = []
    return Outbox.sent


def code_for(sms) -> str:
    """The 6-digit code in the last SMS sent."""
    return re.search(r"\d{6}", sms[-1][1]).group()


def without_tokens(response) -> str:
    """The page as a person reads it: the per-response CSRF tokens taken out."""
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", response.content.decode())
