"""Who may act on a case: the role (workflow.ACTIONS) and the place (the unit the user acts for)."""

from django.conf import settings

from civicgrid.core.errors import Forbidden
from civicgrid.org.choices import Role
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import memberships_of

from .workflow import ACTIONS

HOLDER_ACTIONS = {"verify", "work_log", "resolve", "return", "request_extension", "dispute"}


def _under(path: str, unit: OrgUnit) -> bool:
    return path.startswith(unit.path)


def _street_path(unit: OrgUnit) -> str:
    return unit.path[: -OrgUnit.steplen]


def _fits(role: str, unit: OrgUnit, case, action: str) -> bool:
    grid_path = case.grid.path
    if action in HOLDER_ACTIONS:
        holder = case.holder
        if holder is None:
            return False
        if action == "dispute" and not case.category.is_rewarded:
            return False
        return holder.pk == unit.pk or (role == Role.COMMUNITY_HEAD and _under(holder.path, unit))
    if role == Role.GRID_WORKER:
        return unit.pk == case.grid_id
    if role in (Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF):
        same_street = grid_path.startswith(_street_path(unit))
        if action == "claim":
            return same_street and not case.category.is_rewarded
        if action == "set_warning":
            return same_street and unit.name in settings.STABILITY_CENTRE_NAMES
        return same_street
    return _under(grid_path, unit)


def acting_unit(user, case, action: str) -> OrgUnit:
    """The unit the user acts for on this case, or Forbidden when no role of theirs may do it here."""
    unit = find_acting_unit(user, case, action)
    if unit is None:
        raise Forbidden()
    return unit


def find_acting_unit(user, case, action: str) -> OrgUnit | None:
    roles = ACTIONS[action].roles
    for membership in memberships_of(user):
        if membership.role in roles and _fits(membership.role, membership.unit, case, action):
            return membership.unit
    return None


def allowed_actions(user, case) -> list[str]:
    """The actions the user may take on the case now (for showing buttons)."""
    return [
        name
        for name, spec in ACTIONS.items()
        if case.status in spec.sources and spec.roles and find_acting_unit(user, case, name) is not None
    ]
