from django.conf import settings

from civicgrid.org.selectors import is_staff_member

from .navigation import staff_nav


def platform(request) -> dict:
    user = getattr(request, "user", None)
    context = {"platform_name": settings.PLATFORM_NAME}
    if user is not None and user.is_authenticated and is_staff_member(user):
        context["nav_items"] = staff_nav(user, request.path)
        context["is_staff_member"] = True
    return context
