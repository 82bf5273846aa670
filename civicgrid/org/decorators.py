"""View guards: a role without the action gets 403; a record outside the scope gets 404 (see selectors)."""

from functools import wraps

from django.core.exceptions import PermissionDenied

from civicgrid.org.selectors import user_can


def require_action(action: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not user_can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
