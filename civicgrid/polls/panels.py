from civicgrid.org.selectors import user_can


def polls_panel(request):
    """A link to the polls and surveys (static: the portal home's panels are cached per reader)."""
    if not user_can(request.user, "polls.vote"):
        return None
    return {"template": "polls/partials/home_panel.html"}
