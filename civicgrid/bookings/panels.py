"""What 资源共享 shows on the home pages."""

from civicgrid.org.selectors import user_can

from . import selectors


def staff_panel(request):
    """Owners on the staff home: how many bookings wait for their decision."""
    if not user_can(request.user, "bookings.manage"):
        return None
    return {
        "template": "bookings/partials/staff_panel.html",
        "pending": selectors.pending_count(request.user),
    }


def portal_panel(request):
    """Links only (the portal home's panels are cached per reader): book, my bookings, my resources."""
    user = request.user
    if not (user_can(user, "bookings.book") or user_can(user, "bookings.manage")):
        return None
    return {
        "template": "bookings/partials/portal_panel.html",
        "can_book": user_can(user, "bookings.book"),
        "can_manage": user_can(user, "bookings.manage"),
    }
