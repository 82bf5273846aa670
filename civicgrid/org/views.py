import json

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from civicgrid.core.errors import NotFound
from civicgrid.org.decorators import require_action

from . import selectors
from .choices import Role, UnitKind


@require_action("org.view")
def tree(request):
    """Every unit the user reaches, as an indented tree."""
    units = list(selectors.units_visible_to(request.user).only("id", "name", "kind", "code", "depth", "path"))
    base_depth = min((u.depth for u in units), default=1)
    rows = [{"unit": u, "indent": u.depth - base_depth} for u in units]
    return render(request, "org/tree.html", {"rows": rows})


@require_action("org.view")
def unit_detail(request, unit_id: int):
    try:
        unit = selectors.access_unit(user=request.user, unit_id=unit_id)
    except NotFound:
        raise Http404 from None
    children = list(selectors.children_of(user=request.user, unit=unit))
    members = (
        list(selectors.members_of(user=request.user, unit=unit))
        if selectors.user_can(request.user, "org.view_members")
        else None
    )
    features = [
        {
            "type": "Feature",
            "geometry": u.boundary,
            "properties": {"name": u.name, "url": u.get_absolute_url()},
        }
        for u in [unit, *children]
        if u.boundary
    ]
    context = {
        "unit": unit,
        "ancestry": selectors.unit_ancestry(unit),
        "children": children,
        "members": members,
        "geojson": json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
        if features
        else "",
    }
    return render(request, "org/unit_detail.html", context)


@require_action("org.view_members")
def people(request):
    """Staff in the user's scope, searchable by name, filterable by role."""
    query = request.GET.get("q", "").strip()
    role = request.GET.get("role", "")
    users = selectors.users_visible_to(request.user)
    if query:
        users = users.filter(full_name__contains=query[:50])
    if role in Role.values:
        users = users.filter(memberships__role=role, memberships__is_active=True)
    users = users.prefetch_related("memberships__unit").order_by("full_name", "id").distinct()
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    template = "org/partials/people_rows.html" if request.htmx else "org/people.html"
    return render(
        request,
        template,
        {"page": page, "q": query, "role": role, "roles": Role.choices, "kinds": UnitKind},
    )
