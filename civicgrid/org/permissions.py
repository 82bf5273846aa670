"""What each role may do, as data: action → roles. Views and API handlers ask `user_can`."""

from .choices import STAFF_ROLES, Role

PERMISSIONS: dict[str, frozenset[str]] = {
    "org.view": STAFF_ROLES,
    "org.view_members": STAFF_ROLES - {Role.GRID_ASSISTANT},
    "org.manage": frozenset({Role.PLATFORM_ADMIN}),
    "accounts.manage": frozenset({Role.PLATFORM_ADMIN}),
    "audit.view": frozenset({Role.PLATFORM_ADMIN}),
    "system.status": frozenset({Role.PLATFORM_ADMIN}),
}
