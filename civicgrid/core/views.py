from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render

from civicgrid.accounts.selectors import home_url_name
from civicgrid.org.choices import UnitKind
from civicgrid.org.selectors import (
    children_of,
    is_staff_member,
    memberships_of,
    unit_ancestry,
    unit_counts,
    user_can,
)

from .selectors import worker_status


def home(request):
    """The staff home: who I am, where I sit in the tree, and what my place lets me see."""
    user = request.user
    if not is_staff_member(user):
        return redirect(home_url_name(user))
    places = []
    for membership in memberships_of(user):
        unit = membership.unit
        places.append(
            {
                "membership": membership,
                "ancestry": unit_ancestry(unit),
                "children": list(children_of(user=user, unit=unit)[:60]),
            }
        )
    counts = unit_counts(user=user)
    shown_kinds = [UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID, UnitKind.DEPARTMENT, UnitKind.AGENCY]
    context = {
        "places": places,
        "scope_counts": [(UnitKind(k).label, counts[k]) for k in shown_kinds if counts[k]],
        "worker": worker_status() if user_can(user, "system.status") else None,
    }
    return render(request, "core/home.html", context)


def portal_home(request):
    """The resident portal's home; the portal's services arrive with the portal issues."""
    return render(request, "core/portal_home.html", {"memberships": memberships_of(request.user)})


@login_not_required
def healthz(request):
    """Liveness for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
