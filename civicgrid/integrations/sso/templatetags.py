"""``{% load sso %}``: the upstream log-in link (registered in settings TEMPLATES "libraries")."""

from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@register.simple_tag
def upstream_login_url(next_url: str = "") -> str:
    """The upstream identity provider's log-in URL, or "" when it is not configured."""
    if not settings.OIDC_UPSTREAM_ENABLED:
        return ""
    url = reverse("sso:upstream_login")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url
