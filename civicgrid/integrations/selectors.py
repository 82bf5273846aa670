"""Reads of the integrations, scoped to the acting user."""

from civicgrid.org.selectors import path_q, scope_paths

from .models import ApiKey


def keys_visible_to(user):
    """The keys whose unit lies in the user's places (platform admins: their whole tree)."""
    return (
        ApiKey.objects.filter(path_q(scope_paths(user), "unit__path"))
        .select_related("unit", "created_by")
        .order_by("-created_at", "-id")
    )
