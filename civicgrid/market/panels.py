"""The market's card on the portal home: links only (the home's panels are cached per reader)."""

from civicgrid.org.selectors import user_can

from .selectors import is_merchant_account


def market_panel(request):
    user = request.user
    if not user_can(user, "market.browse"):
        return None
    return {
        "template": "market/partials/home_panel.html",
        "can_list": user_can(user, "market.list"),
        "is_merchant": is_merchant_account(user),
    }
