from ninja import Field, Router, Schema
from ninja.pagination import paginate

from civicgrid.core.api import BoundedLimitOffset, Id
from civicgrid.core.errors import Forbidden

from . import selectors

router = Router()
me_router = Router()


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str = Field(..., alias="get_kind_display")
    code: str
    depth: int


class UnitDetailOut(UnitOut):
    boundary: dict | None = None
    ancestors: list[UnitOut]


class UnitMemberOut(Schema):
    user_id: int
    full_name: str
    role: str
    role_label: str
    title: str


class MembershipOut(Schema):
    role: str
    role_label: str
    unit: UnitOut


class MeOut(Schema):
    id: int
    username: str
    full_name: str
    kind: str
    memberships: list[MembershipOut]


@me_router.get("", response=MeOut, summary="当前用户 · Current user")
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.full_name,
        "kind": user.kind,
        "memberships": [
            {"role": m.role, "role_label": m.get_role_display(), "unit": m.unit}
            for m in selectors.memberships_of(user)
        ],
    }


def _require_view(request) -> None:
    if not selectors.user_can(request.user, "org.view"):
        raise Forbidden()


@router.get("/units", response=list[UnitOut], summary="可见的组织单元 · Units in my scope")
@paginate(BoundedLimitOffset)
def list_units(request, kind: str | None = None, parent_id: Id | None = None):
    _require_view(request)
    units = selectors.units_visible_to(request.user).only("id", "name", "kind", "code", "depth", "path")
    if kind:
        units = units.filter(kind=kind)
    if parent_id is not None:
        parent = selectors.access_unit(user=request.user, unit_id=parent_id)
        units = units.filter(path__startswith=parent.path, depth=parent.depth + 1)
    return units.order_by("path")


@router.get("/units/{unit_id}", response=UnitDetailOut, summary="组织单元详情 · Unit detail")
def get_unit(request, unit_id: int):
    _require_view(request)
    unit = selectors.access_unit(user=request.user, unit_id=unit_id)
    unit.ancestors = selectors.unit_ancestry(unit)[:-1]
    return unit


@router.get("/units/{unit_id}/members", response=list[UnitMemberOut], summary="单元成员 · Members of a unit")
def unit_members(request, unit_id: int):
    if not selectors.user_can(request.user, "org.view_members"):
        raise Forbidden()
    unit = selectors.access_unit(user=request.user, unit_id=unit_id)
    return [
        {
            "user_id": m.user_id,
            "full_name": m.user.full_name,
            "role": m.role,
            "role_label": m.get_role_display(),
            "title": m.title,
        }
        for m in selectors.members_of(user=request.user, unit=unit)
    ]
