from civicgrid.org.selectors import user_can

from . import selectors, services


def portal_panel(request):
    if not user_can(request.user, "portal.points"):
        return None
    return {
        "template": "portal/partials/home_panel.html",
        "balance": selectors.balance(request.user),
        "verified": services.is_verified(request.user),
    }


def links_panel(request):
    if not user_can(request.user, "portal.suggest"):
        return None
    return {"template": "portal/partials/links_panel.html", "news": selectors.news_for(request.user, limit=1)}
