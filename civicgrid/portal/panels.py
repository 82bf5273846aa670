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


def organisation_panel(request):
    """An organisation account sees where its application stands."""
    if request.user.kind != "organisation":
        return None
    application = selectors.my_organisation_application(request.user)
    if application is None or application.status == "confirmed":
        return None
    return {"template": "portal/partials/organisation_panel.html", "application": application}
