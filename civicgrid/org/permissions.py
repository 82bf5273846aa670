"""What each role may do, as data: action → roles. Views and API handlers ask `user_can`."""

from .choices import STAFF_ROLES, Role

# The portal's members: residents, volunteers and organisation accounts.
PORTAL_MEMBERS = frozenset({Role.RESIDENT, Role.VOLUNTEER, Role.ORG_ADMIN})
# Who works in the grids: visits, consultations, work log.
FIELD_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_ASSISTANT, Role.COMMUNITY_HEAD})

PERMISSIONS: dict[str, frozenset[str]] = {
    "org.view": STAFF_ROLES,
    "org.view_members": STAFF_ROLES - {Role.GRID_ASSISTANT},
    "org.manage": frozenset({Role.PLATFORM_ADMIN}),
    "accounts.manage": frozenset({Role.PLATFORM_ADMIN}),
    "audit.view": frozenset({Role.PLATFORM_ADMIN}),
    "system.status": frozenset({Role.PLATFORM_ADMIN}),
    # registry (一标三实)
    "registry.view": frozenset(
        {
            Role.GRID_WORKER,
            Role.GRID_ASSISTANT,
            Role.COMMUNITY_HEAD,
            Role.SUPERVISOR,
            Role.STREET_LEADER,
            Role.PLATFORM_ADMIN,
        }
    ),
    "registry.edit": frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN}),
    "registry.reveal": frozenset({Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN}),
    "registry.export": frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN}),
    "registry.coverage": frozenset({Role.COMMUNITY_HEAD, Role.STREET_LEADER, Role.PLATFORM_ADMIN}),
    "registry.import": frozenset({Role.PLATFORM_ADMIN}),
    "registry.conflicts": frozenset({Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN}),
    # problem-flow centre
    "cases.view": STAFF_ROLES,
    "cases.report": STAFF_ROLES | {Role.VOLUNTEER},
    "cases.warnings": frozenset(
        {Role.STREET_LEADER, Role.DISPATCHER, Role.PLATFORM_ADMIN, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF}
    ),
    "cases.dispatch": frozenset({Role.DISPATCHER}),
    # field workbench (凯e通)
    "fieldwork.visit": FIELD_ROLES,
    "fieldwork.policy": STAFF_ROLES,
    "fieldwork.policy_manage": frozenset({Role.PLATFORM_ADMIN, Role.DEPARTMENT_STAFF}),
    "fieldwork.consult": FIELD_ROLES,
    "fieldwork.studies": STAFF_ROLES,
    "fieldwork.studies_pin": frozenset({Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN}),
    "fieldwork.worklog": FIELD_ROLES,
    "fieldwork.worklog_read": frozenset({Role.COMMUNITY_HEAD, Role.STREET_LEADER, Role.PLATFORM_ADMIN}),
    "fieldwork.programmes": frozenset(
        {Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.SUPERVISOR, Role.STREET_LEADER, Role.PLATFORM_ADMIN}
    ),
    # resident portal (淘社区)
    "portal.verify": frozenset({Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN}),
    "portal.rewards": frozenset({Role.COMMUNITY_HEAD, Role.STREET_LEADER, Role.PLATFORM_ADMIN}),
    "portal.points": frozenset({Role.RESIDENT, Role.VOLUNTEER}),
    "portal.suggest": frozenset({Role.RESIDENT, Role.VOLUNTEER, Role.ORG_ADMIN}),
    "portal.reply": frozenset(
        {Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.DISPATCHER, Role.STREET_LEADER}
    ),
    "portal.publish": frozenset({Role.COMMUNITY_HEAD, Role.STREET_LEADER, Role.PLATFORM_ADMIN}),
    "portal.organisations": frozenset({Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN}),
    "fieldwork.programmes_manage": frozenset({Role.COMMUNITY_HEAD, Role.STREET_LEADER, Role.PLATFORM_ADMIN}),
    # resident portal, part 2: what residents do together
    "bookings.book": PORTAL_MEMBERS,
    "bookings.manage": frozenset(
        {Role.COMMUNITY_HEAD, Role.STREET_LEADER, Role.PLATFORM_ADMIN, Role.ORG_ADMIN}
    ),
    "activities.join": PORTAL_MEMBERS,
    "activities.organise": PORTAL_MEMBERS | {Role.COMMUNITY_HEAD, Role.GRID_WORKER, Role.PLATFORM_ADMIN},
    "activities.demand": frozenset({Role.COMMUNITY_HEAD, Role.STREET_LEADER, Role.PLATFORM_ADMIN}),
    "socialorgs.join": frozenset({Role.RESIDENT, Role.VOLUNTEER}),
    "socialorgs.manage": frozenset({Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN, Role.ORG_ADMIN}),
    "polls.vote": frozenset({Role.RESIDENT, Role.VOLUNTEER}),
    "polls.manage": frozenset({Role.COMMUNITY_HEAD, Role.STREET_LEADER, Role.PLATFORM_ADMIN}),
    "market.list": frozenset({Role.RESIDENT, Role.VOLUNTEER}),
    "market.moderate": frozenset({Role.COMMUNITY_HEAD, Role.GRID_WORKER, Role.PLATFORM_ADMIN}),
    "market.merchant": frozenset({Role.ORG_ADMIN}),
    "market.browse": PORTAL_MEMBERS | STAFF_ROLES,
    # performance scoring (绩效考核): rankings scoped by role; export for performance pay
    "scoring.view": frozenset(
        {
            Role.GRID_WORKER,
            Role.GRID_ASSISTANT,
            Role.COMMUNITY_HEAD,
            Role.SUPERVISOR,
            Role.STREET_LEADER,
            Role.PLATFORM_ADMIN,
        }
    ),
    "scoring.export": frozenset({Role.COMMUNITY_HEAD, Role.STREET_LEADER, Role.PLATFORM_ADMIN}),
    # a correction of the ledger (a new entry with its reason) changes performance pay
    "scoring.correct": frozenset({Role.PLATFORM_ADMIN}),
    # leaders' cockpit (领导驾驶舱): the figures of the user's places, each drilling down to its cases
    "cockpit.view": frozenset(
        {Role.STREET_LEADER, Role.PLATFORM_ADMIN, Role.COMMUNITY_HEAD, Role.SUPERVISOR, Role.DISPATCHER}
    ),
    # open interfaces (N网合一)
    "integrations.manage": frozenset({Role.PLATFORM_ADMIN}),
}


# Actions that show personal data in full; whoever holds one needs a second factor (等保 2.0).
FULL_DATA_ACTIONS = ("registry.reveal",)
FULL_DATA_ROLES = frozenset().union(*(PERMISSIONS[action] for action in FULL_DATA_ACTIONS))
