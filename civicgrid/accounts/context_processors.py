import functools

from django.conf import settings

from civicgrid.org.selectors import is_staff_member

from .navigation import staff_menu


def platform(request) -> dict:
    user = getattr(request, "user", None)
    context = {"platform_name": settings.PLATFORM_NAME}
    if user is not None and user.is_authenticated and is_staff_member(user):
        # A callable: the template calls it only where it shows the menu.
        context["staff_menu"] = functools.partial(staff_menu, user, request.path)
        context["is_staff_member"] = True
    return context
