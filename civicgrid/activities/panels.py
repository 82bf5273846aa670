"""What 社区活动 shows on the home pages."""

from civicgrid.org.selectors import user_can

from . import selectors


def portal_panel(request):
    """Links only (the portal home's panels are cached per reader)."""
    if not user_can(request.user, "activities.join"):
        return None
    return {"template": "activities/partials/home_panel.html"}


def staff_panel(request):
    """For the community: proposals and photos waiting for approval."""
    user = request.user
    if not user_can(user, "activities.organise") or not selectors.moderator_paths(user):
        return None
    waiting = selectors.moderation_queue(user).count() + selectors.photo_queue(user).count()
    return {"template": "activities/partials/staff_panel.html", "waiting": waiting}
