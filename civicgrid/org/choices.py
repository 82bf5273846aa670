"""Kinds of org unit and the roles a member holds in one (SPEC §1)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    CITY = "city", _("市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    DEPARTMENT = "department", _("科室")
    AGENCY = "agency", _("职能部门")


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("平台管理员")
    DISPATCHER = "dispatcher", _("云平台中心")
    STREET_LEADER = "street_leader", _("街道领导")
    DEPARTMENT_STAFF = "department_staff", _("科室人员")
    AGENCY_STAFF = "agency_staff", _("职能部门人员")
    COMMUNITY_HEAD = "community_head", _("社区负责人")
    GRID_WORKER = "grid_worker", _("网格责任社工")
    GRID_ASSISTANT = "grid_assistant", _("网格协管员")
    SUPERVISOR = "supervisor", _("网格指导员")
    VOLUNTEER = "volunteer", _("志愿者")
    RESIDENT = "resident", _("居民")
    ORG_ADMIN = "org_admin", _("单位管理员")


# Which unit kinds a role may be held in; anything else is refused when a membership is made.
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    Role.PLATFORM_ADMIN: frozenset({UnitKind.CITY, UnitKind.DISTRICT, UnitKind.STREET}),
    Role.DISPATCHER: frozenset({UnitKind.DISTRICT, UnitKind.STREET}),
    Role.STREET_LEADER: frozenset({UnitKind.DISTRICT, UnitKind.STREET}),
    Role.DEPARTMENT_STAFF: frozenset({UnitKind.DEPARTMENT}),
    Role.AGENCY_STAFF: frozenset({UnitKind.AGENCY}),
    Role.COMMUNITY_HEAD: frozenset({UnitKind.COMMUNITY}),
    Role.GRID_WORKER: frozenset({UnitKind.GRID}),
    Role.GRID_ASSISTANT: frozenset({UnitKind.GRID}),
    Role.SUPERVISOR: frozenset({UnitKind.STREET, UnitKind.COMMUNITY}),
    Role.VOLUNTEER: frozenset({UnitKind.COMMUNITY, UnitKind.GRID}),
    Role.RESIDENT: frozenset({UnitKind.COMMUNITY, UnitKind.GRID}),
    Role.ORG_ADMIN: frozenset({UnitKind.COMMUNITY, UnitKind.STREET}),
}

# Roles that work in the staff workbench; the others (volunteer, resident, org_admin) use the portal.
STAFF_ROLES: frozenset[str] = frozenset(
    {
        Role.PLATFORM_ADMIN,
        Role.DISPATCHER,
        Role.STREET_LEADER,
        Role.DEPARTMENT_STAFF,
        Role.AGENCY_STAFF,
        Role.COMMUNITY_HEAD,
        Role.GRID_WORKER,
        Role.GRID_ASSISTANT,
        Role.SUPERVISOR,
    }
)

# Kinds that form the territorial tree (a place); departments and agencies hang off a street.
TERRITORIAL_KINDS = frozenset(
    {UnitKind.CITY, UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.GRID}
)

# Length of the unit code by kind (CJ/T 349: GB/T 2260 county code + 3 street + 3 community + 3 grid).
CODE_LENGTH = {
    UnitKind.CITY: 6,
    UnitKind.DISTRICT: 6,
    UnitKind.STREET: 9,
    UnitKind.COMMUNITY: 12,
    UnitKind.GRID: 15,
}

# Which kinds may sit under which.
CHILD_KINDS: dict[str, frozenset[str]] = {
    UnitKind.CITY: frozenset({UnitKind.DISTRICT}),
    UnitKind.DISTRICT: frozenset({UnitKind.STREET, UnitKind.DEPARTMENT, UnitKind.AGENCY}),
    UnitKind.STREET: frozenset({UnitKind.COMMUNITY, UnitKind.DEPARTMENT, UnitKind.AGENCY}),
    UnitKind.COMMUNITY: frozenset({UnitKind.GRID}),
    UnitKind.GRID: frozenset(),
    UnitKind.DEPARTMENT: frozenset(),
    UnitKind.AGENCY: frozenset(),
}
