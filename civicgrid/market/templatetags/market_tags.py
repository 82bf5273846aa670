from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from civicgrid.org.selectors import user_can

register = template.Library()


@register.simple_tag
def can(user, action: str) -> bool:
    return user_can(user, action)


@register.filter
def yuan(price: Decimal | None) -> str:
    """¥25, ¥9.90, or 免费 for an item given away."""
    if price is None:
        return _("免费")
    if price == price.to_integral_value():
        return f"¥{int(price)}"
    return f"¥{price:.2f}"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key) if mapping else None
