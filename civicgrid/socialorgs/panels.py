from . import selectors


def portal_panel(request):
    """A card on the portal home: the organisations, and for an admin the requests waiting.

    The figure changes when a request arrives or is decided: those services forget the admin's panels."""
    user = request.user
    if getattr(user, "kind", "") not in ("resident", "organisation"):
        return None
    return {"template": "socialorgs/partials/home_panel.html", "pending": selectors.pending_for_admin(user)}
