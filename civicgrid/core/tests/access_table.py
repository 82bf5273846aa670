"""Who may open every page and call every API operation: the declared permission table.

`test_access_matrix.py` walks the URL configuration and the API's OpenAPI schema, calls every route as
anonymous and as one persona per role, and compares each answer with the rule declared here. A route
or operation missing from this table fails that test, and so does an entry left over after its route
went away. Pages are keyed ``namespace:name``, API operations ``"METHOD /api/v1/path/{param}"``.

Rules (who a `Rule` lets in)
----------------------------
``PUBLIC``
    Anyone, no log-in: the view answers anonymous visitors itself (``login_not_required``).
``LOGIN``
    Any signed-in account. Anonymous visitors of a page are sent to a log-in page (302), anonymous API
    callers get 401 — true of every rule below.
``can("cases.view")``
    Exactly the roles that ``org.permissions.PERMISSIONS`` gives the action (``can("cases.view")`` is
    every staff role, ``can("bookings.book")`` every portal role).
``only(Role.X, …)``
    Exactly these roles, where the view asks more than one action or its service narrows it (e.g. "the
    activity's organiser or the community's moderators"); the comment or note says why.
``ADMIN``
    The Django admin site: only ``is_staff`` accounts get past its gate (the others are sent to its
    log-in); model permissions decide after that. Every ``admin:*`` route is declared at once by
    ``ADMIN_PATTERNS``, except the few listed in ``PAGES``. A non-admin route always needs its own entry.
``no_login(rule)``
    The view answers without a log-in but decides per object who may have it (uploaded files): an
    anonymous visitor is one more caller that is refused (404).

What the test expects of each entry (``Entry``)
-----------------------------------------------
* A caller the rule lets in is not refused: no 401, no 403, no redirect to a log-in page. A GET answers
  200 or a redirect (405 on a POST-only route); a POST with an empty or dummy body may answer any 4xx
  but those.
* A signed-in caller the rule does not let in gets 403 or 404 (405: the method is refused before any
  check), on GET and on an empty POST, and the request writes nothing to the database but its
  session.
* Nobody, ever, gets a 5xx.
* ``obj=True``: the route takes ids. The test fills them with objects of a small world in community A
  / grid A1 (the test's ``world`` fixture), so a caller the rule lets in may still get 404 (outside
  its places) or, writing, 403 (not theirs). At least one caller let in must reach the object.
  Community B's callers (``OUTSIDERS`` in the test) must be refused A's objects whatever their role,
  unless the entry is ``shared=True``: the object is seen beyond its community (the street's market,
  resources and programmes, the policy library, public organisations).
* ``post=True``: the route accepts POST only; every caller also POSTs an empty body. API operations
  take the method from the schema and send a body of the schema's shape. An API 403 whose ``code`` is
  not ``forbidden`` (``own_listing``, ``not_verified`` …) is a rule about the object, not the role.
* ``answers``: more statuses a caller let in may get; ``signs_out``: the route signs the caller out
  and lands on a log-in page.
* ``bug="…"``: a known problem. The entry states the rule the route *should* follow and the test is
  marked ``xfail(strict=True)`` with this reason until the view is fixed (so the fix makes it XPASS
  and the mark has to go). Problems the role matrix cannot see (two-role accounts, what the report
  API accepts) have their own tests at the end of the test module.
"""

from dataclasses import dataclass

from civicgrid.org.choices import STAFF_ROLES, Role
from civicgrid.org.permissions import PERMISSIONS

ALL_ROLES = frozenset(Role.values)


@dataclass(frozen=True)
class Rule:
    name: str
    roles: frozenset[str]  # the roles let in
    anonymous: bool = False  # anonymous visitors are let in too
    open: bool = False  # the view itself answers anonymous visitors (no log-in redirect / 401)
    admin: bool = False  # the Django admin: `is_staff` accounts, whatever their role

    def lets_in(self, *, role: str | None, is_staff: bool = False) -> bool:
        if self.admin:
            return is_staff
        if role is None:
            return self.anonymous
        return role in self.roles


PUBLIC = Rule("PUBLIC", ALL_ROLES, anonymous=True, open=True)
LOGIN = Rule("LOGIN", ALL_ROLES)
ADMIN = Rule("ADMIN", frozenset(), admin=True)


def can(action: str) -> Rule:
    return Rule(action, frozenset(PERMISSIONS[action]))


def only(*roles: str) -> Rule:
    return Rule("only(" + ", ".join(sorted(roles)) + ")", frozenset(roles))


def no_login(rule: Rule) -> Rule:
    return Rule(f"no_login({rule.name})", rule.roles, open=True)


@dataclass(frozen=True)
class Entry:
    rule: Rule
    obj: bool = False
    post: bool = False
    bug: str = ""
    note: str = ""
    answers: frozenset[int] = frozenset()  # more statuses a caller let in may get (e.g. 404)
    signs_out: bool = False  # a caller let in lands on the log-in page on purpose
    shared: bool = False  # the object is seen beyond its community: community B's callers are let in
    bearer: bool = False  # asks for a bearer token, not a session: a refused caller gets 401 (RFC 6750)


def page(
    rule: Rule,
    *,
    obj: bool = False,
    post: bool = False,
    bug: str = "",
    note: str = "",
    answers: tuple[int, ...] = (),
    signs_out: bool = False,
    shared: bool = False,
    bearer: bool = False,
) -> Entry:
    return Entry(
        rule,
        obj=obj,
        post=post,
        bug=bug,
        note=note,
        answers=frozenset(answers),
        signs_out=signs_out,
        shared=shared,
        bearer=bearer,
    )


def op(rule: Rule, *, obj: bool = False, bug: str = "", note: str = "", shared: bool = False) -> Entry:
    return Entry(rule, obj=obj, bug=bug, note=note, shared=shared)


# Who may claim a case (cases.workflow.ACTIONS["claim"]).
CLAIMERS = only(Role.GRID_WORKER, Role.COMMUNITY_HEAD, Role.DEPARTMENT_STAFF, Role.AGENCY_STAFF)
# An activity's organiser (the world's is community head A) or its community's moderators
# (activities.selectors.MODERATOR_ROLES); other organisers get 403.
ACTIVITY_MANAGERS = only(Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN)
# The community staff who oversee social organisations (socialorgs.selectors.STAFF_MANAGERS); an
# organisation account holds "socialorgs.manage" too, but only for the organisation it runs.
SOCIALORG_STAFF = only(Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN)


# ---------------------------------------------------------------- pages (namespace:name)

PAGES: dict[str, Entry] = {
    "home": page(LOGIN, note="portal accounts are sent on to their portal home"),
    "portal_home": page(LOGIN),
    "core:healthz": page(PUBLIC),
    "set_language": page(PUBLIC),
    "media": page(
        no_login(can("cases.view")),
        obj=True,
        note="called with a case photo: who sees the case sees the photo (core.media.READERS)",
    ),
    # accounts
    "accounts:login": page(PUBLIC),
    "accounts:resident_login": page(PUBLIC),
    "accounts:logout": page(LOGIN, post=True, signs_out=True),
    "accounts:otp": page(LOGIN),
    "accounts:password_change": page(LOGIN),
    # org, audit, notifications
    "org:tree": page(can("org.view")),
    "org:unit": page(can("org.view"), obj=True),
    "org:people": page(can("org.view_members")),
    "audit:list": page(can("audit.view")),
    "audit:export": page(can("audit.view"), post=True),
    "notifications:inbox": page(LOGIN),
    "notifications:mark_read": page(LOGIN, post=True),
    # registry
    "registry:home": page(can("registry.view")),
    "registry:search": page(can("registry.view")),
    "registry:coverage": page(can("registry.coverage")),
    "registry:grid": page(can("registry.view"), obj=True),
    "registry:export": page(can("registry.export"), obj=True),
    "registry:building": page(can("registry.view"), obj=True),
    "registry:room": page(can("registry.view"), obj=True),
    "registry:household": page(can("registry.view"), obj=True),
    "registry:household_room": page(can("registry.edit"), obj=True, post=True),
    "registry:household_add_person": page(can("registry.edit"), obj=True, post=True),
    "registry:household_add_vehicle": page(can("registry.edit"), obj=True, post=True),
    "registry:household_verify": page(can("registry.edit"), obj=True, post=True),
    "registry:household_history": page(can("registry.view"), obj=True),
    "registry:vehicle_remove": page(can("registry.edit"), obj=True, post=True),
    "registry:person": page(can("registry.view"), obj=True),
    "registry:person_edit": page(can("registry.edit"), obj=True, post=True),
    "registry:person_move_out": page(can("registry.edit"), obj=True, post=True),
    "registry:person_tag": page(can("registry.edit"), obj=True, post=True),
    "registry:person_untag": page(can("registry.edit"), obj=True, post=True),
    "registry:person_reveal": page(can("registry.reveal"), obj=True, post=True),
    "registry:imports": page(can("registry.import")),
    "registry:import_source": page(can("registry.import"), obj=True),
    "registry:import_batch": page(can("registry.import"), obj=True),
    "registry:conflicts": page(can("registry.conflicts")),
    "registry:conflict_resolve": page(can("registry.conflicts"), obj=True, post=True),
    # cases
    "cases:centre": page(can("cases.view")),
    "cases:report": page(can("cases.report")),
    "cases:nearby": page(can("cases.report")),
    "cases:mine": page(LOGIN),
    "cases:warnings": page(can("cases.warnings")),
    "cases:detail": page(can("cases.view"), obj=True, note="staff of the case's places, and its reporter"),
    "cases:claim": page(
        can("cases.view"), obj=True, post=True, note="the service refuses other roles with a message"
    ),
    "cases:resume": page(can("cases.view"), obj=True, post=True),
    "cases:rate": page(can("cases.view"), obj=True, post=True, note="the reporter rates; others told no"),
    "cases:tick_step": page(can("cases.view"), obj=True, post=True),
    "cases:decide_extension": page(can("cases.view"), obj=True, post=True),
    "cases:act": page(
        can("cases.view"),
        obj=True,
        post=True,
        note="called with action=dispatch: staff who may not take it now are told so (302)",
    ),
    # fieldwork
    "fieldwork:my_day": page(can("fieldwork.visit")),
    "fieldwork:service_worker": page(PUBLIC),
    "fieldwork:manifest": page(PUBLIC),
    "fieldwork:offline": page(LOGIN),
    "fieldwork:household": page(can("fieldwork.visit"), obj=True),
    "fieldwork:household_visit": page(can("fieldwork.visit"), obj=True, post=True),
    "fieldwork:organisation": page(can("fieldwork.visit"), obj=True),
    "fieldwork:organisation_visit": page(can("fieldwork.visit"), obj=True, post=True),
    "fieldwork:policy": page(can("fieldwork.policy")),
    "fieldwork:policy_import": page(can("fieldwork.policy_manage")),
    "fieldwork:item": page(can("fieldwork.policy"), obj=True, shared=True, note="one policy library"),
    "fieldwork:consult": page(can("fieldwork.consult"), obj=True, post=True, shared=True),
    "fieldwork:studies": page(can("fieldwork.studies")),
    "fieldwork:study_new": page(can("fieldwork.studies")),
    "fieldwork:study": page(can("fieldwork.studies"), obj=True, shared=True, note="shared street-wide"),
    "fieldwork:study_comment": page(can("fieldwork.studies"), obj=True, post=True, shared=True),
    # A community head pinning another community's study: 403 (the service's refusal), not a 500.
    "fieldwork:study_pin": page(
        can("fieldwork.studies_pin"),
        obj=True,
        post=True,
        shared=True,
    ),
    # fieldwork.worklog_read (street leader, platform admin) is never reached: the page asks for
    # fieldwork.worklog first (403 to them). Too strict, not a leak.
    "fieldwork:worklog": page(can("fieldwork.worklog")),
    "fieldwork:programmes": page(can("fieldwork.programmes")),
    "fieldwork:programme": page(can("fieldwork.programmes"), obj=True, shared=True, note="the street's"),
    # scoring (绩效考核): rows narrow further by role (scoring.selectors.WIDE_ROLES / OWN_ROLES)
    "scoring:rankings": page(can("scoring.view")),
    "scoring:export": page(can("scoring.export"), post=True),
    # leaders' cockpit (领导驾驶舱): figures of the caller's own places only (cockpit.selectors.areas_for)
    "cockpit:home": page(can("cockpit.view")),
    "cockpit:boundaries": page(can("cockpit.view")),
    "cockpit:cases": page(can("cockpit.view")),
    "cockpit:export": page(can("cockpit.view"), post=True),
    # bookings
    "bookings:list": page(can("bookings.book")),
    "bookings:detail": page(can("bookings.book"), obj=True, shared=True, note="the street's resources"),
    "bookings:mine": page(can("bookings.book")),
    "bookings:cancel": page(can("bookings.book"), obj=True, post=True),
    "bookings:manage": page(can("bookings.manage")),
    "bookings:resource_new": page(can("bookings.manage")),
    "bookings:resource_edit": page(can("bookings.manage"), obj=True),
    "bookings:calendar": page(can("bookings.manage"), obj=True),
    "bookings:decide": page(can("bookings.manage"), obj=True, post=True),
    "bookings:withdraw": page(can("bookings.manage"), obj=True, post=True),
    # activities ("browse": any account with a portal or a staff role, i.e. every role)
    "activities:list": page(LOGIN),
    "activities:mine": page(LOGIN),
    "activities:sharing": page(LOGIN),
    "activities:create": page(can("activities.organise")),
    "activities:detail": page(LOGIN, obj=True),
    "activities:signup": page(can("activities.join"), obj=True, post=True),
    "activities:signup_cancel": page(can("activities.join"), obj=True, post=True),
    "activities:edit": page(ACTIVITY_MANAGERS, obj=True),
    "activities:cancel": page(ACTIVITY_MANAGERS, obj=True, post=True),
    "activities:attendance": page(ACTIVITY_MANAGERS, obj=True),
    "activities:photos": page(ACTIVITY_MANAGERS, obj=True),
    "activities:hide": page(ACTIVITY_MANAGERS, obj=True, post=True),
    "activities:manage": page(
        only(Role.COMMUNITY_HEAD, Role.GRID_WORKER, Role.PLATFORM_ADMIN),
        note="activities.organise, staff only",
    ),
    "activities:decide": page(ACTIVITY_MANAGERS, obj=True, post=True),
    "activities:photo_decide": page(ACTIVITY_MANAGERS, obj=True, post=True),
    "activities:demand": page(can("activities.demand")),
    # social organisations
    "socialorgs:browse": page(PUBLIC),
    "socialorgs:mine": page(LOGIN),
    "socialorgs:register": page(only(Role.ORG_ADMIN), note="an organisation account registers its own"),
    "socialorgs:detail": page(PUBLIC, obj=True),
    "socialorgs:join": page(can("socialorgs.join"), obj=True, post=True, shared=True),
    "socialorgs:leave": page(LOGIN, obj=True, post=True, shared=True, note="a non-member is told so"),
    "socialorgs:manage": page(can("socialorgs.manage"), obj=True, note="its admin, or the staff over it"),
    "socialorgs:edit": page(can("socialorgs.manage"), obj=True),
    # Requests, members and photos are the organisation admin's (the services refuse staff: 403).
    "socialorgs:decide": page(only(Role.ORG_ADMIN), obj=True, post=True),
    "socialorgs:member_remove": page(only(Role.ORG_ADMIN), obj=True, post=True),
    "socialorgs:photos_add": page(only(Role.ORG_ADMIN), obj=True, post=True),
    "socialorgs:photo_delete": page(can("socialorgs.manage"), obj=True, post=True),
    "socialorgs:staff_orgs": page(SOCIALORG_STAFF),
    "socialorgs:staff_create": page(SOCIALORG_STAFF),
    "socialorgs:staff_org": page(SOCIALORG_STAFF, obj=True),
    "socialorgs:staff_decide": page(SOCIALORG_STAFF, obj=True, post=True),
    "socialorgs:staff_deactivate": page(SOCIALORG_STAFF, obj=True, post=True),
    "socialorgs:staff_activate": page(SOCIALORG_STAFF, obj=True, post=True),
    "socialorgs:staff_set_admin": page(SOCIALORG_STAFF, obj=True, post=True),
    # polls and surveys
    "polls:index": page(can("polls.vote")),
    "polls:poll": page(can("polls.vote"), obj=True),
    "polls:vote": page(can("polls.vote"), obj=True, post=True),
    "polls:survey": page(can("polls.vote"), obj=True),
    "polls:staff_list": page(can("polls.manage")),
    "polls:poll_new": page(can("polls.manage")),
    "polls:poll_manage": page(can("polls.manage"), obj=True),
    "polls:poll_edit": page(can("polls.manage"), obj=True),
    "polls:poll_publish": page(can("polls.manage"), obj=True, post=True),
    "polls:poll_close": page(can("polls.manage"), obj=True, post=True),
    "polls:survey_new": page(can("polls.manage")),
    "polls:survey_manage": page(can("polls.manage"), obj=True),
    "polls:survey_edit": page(can("polls.manage"), obj=True),
    "polls:survey_publish": page(can("polls.manage"), obj=True, post=True),
    "polls:survey_close": page(can("polls.manage"), obj=True, post=True),
    "polls:survey_export": page(can("polls.manage"), obj=True, post=True),
    "polls:question_add": page(can("polls.manage"), obj=True, post=True),
    "polls:question_edit": page(can("polls.manage"), obj=True),
    "polls:question_delete": page(can("polls.manage"), obj=True, post=True),
    "polls:question_move": page(can("polls.manage"), obj=True, post=True),
    # market
    "market:listings": page(can("market.browse")),
    "market:listing_new": page(can("market.list")),
    "market:listing_edit": page(can("market.list"), obj=True, note="the seller's own listing"),
    "market:listing": page(can("market.browse"), obj=True, shared=True, note="the street's market"),
    "market:listing_sold": page(
        can("market.list"), obj=True, post=True, shared=True, note="non-sellers are told no (302)"
    ),
    "market:listing_report": page(can("market.browse"), obj=True, post=True, shared=True),
    "market:listing_contact": page(can("market.browse"), obj=True, post=True, shared=True),
    "market:mine": page(can("market.list")),
    "market:merchants": page(can("market.browse")),
    "market:merchant": page(can("market.browse"), obj=True, shared=True),
    "market:merchant_active": page(
        only(Role.COMMUNITY_HEAD, Role.GRID_WORKER, Role.PLATFORM_ADMIN, Role.ORG_ADMIN),
        obj=True,
        post=True,
        note="market.moderate, or the merchant's own account (the world's merchant is the org admin's)",
    ),
    "market:my_merchant": page(can("market.merchant")),
    "market:moderation": page(can("market.moderate")),
    "market:listing_moderate": page(can("market.moderate"), obj=True, post=True),
    "market:staff_merchants": page(can("market.moderate")),
    "market:staff_merchant_new": page(can("market.moderate")),
    "market:staff_merchant_edit": page(can("market.moderate"), obj=True),
    "market:merchant_decide": page(can("market.moderate"), obj=True, post=True),
    # portal
    "portal:verify": page(can("portal.points")),
    "portal:points": page(can("portal.points")),
    "portal:redeem": page(can("portal.points"), obj=True, post=True),
    "portal:verifications": page(can("portal.verify")),
    "portal:verification_decide": page(can("portal.verify"), obj=True, post=True),
    "portal:redemptions": page(can("portal.rewards")),
    "portal:organisations": page(can("portal.organisations")),
    "portal:organisation_decide": page(can("portal.organisations"), obj=True, post=True),
    "portal:most_active": page(can("portal.rewards")),
    "portal:hand_over": page(can("portal.rewards"), obj=True, post=True),
    "portal:signup": page(PUBLIC),
    "portal:password_reset": page(PUBLIC),
    "portal:suggestions": page(can("portal.suggest")),
    "portal:suggestion_new": page(can("portal.suggest")),
    "portal:suggestion": page(can("portal.suggest"), obj=True, note="the author's own (the resident's)"),
    "portal:staff_suggestions": page(can("portal.reply")),
    "portal:staff_suggestion": page(can("portal.reply"), obj=True),
    "portal:public": page(PUBLIC),
    "portal:news": page(PUBLIC),
    "portal:news_new": page(can("portal.publish")),
    "portal:news_item": page(PUBLIC, obj=True),
    "portal:hide": page(can("portal.publish"), obj=True, post=True),
    # the API's own pages (its operations are in API below)
    "api:openapi-json": page(PUBLIC, note="the API's description is public; every operation asks a log-in"),
    "api:api-root": page(PUBLIC, answers=(404,), note="the API's root: 404 for everybody"),
    "api:openapi-view": page(PUBLIC, note="the interactive docs of the public description"),
    "integrations:keys": page(can("integrations.manage")),
    "integrations:key_revoke": page(can("integrations.manage"), obj=True, post=True),
    # Open311 GeoReport v2 (integrations.open311.views): a machine interface. The formats (.json/.xml)
    # are a URL parameter, hence obj=True. The service list and definitions are public; requests and
    # tokens answer an API key only (api_key / X-API-Key), never a session — the POST is csrf_exempt —
    # so no persona is let in: without a key everyone gets the spec's 403.
    "open311:services": page(PUBLIC, obj=True, note="called as services.xml"),
    "open311:service": page(PUBLIC, obj=True, note="the world's category: municipal"),
    "open311:requests": page(no_login(only()), obj=True, note="GET lists, POST reports: a key only"),
    "open311:request": page(no_login(only()), obj=True, note="a key only"),
    "open311:token": page(no_login(only()), obj=True, note="a key only"),
    # Single sign-on (integrations.sso). The OpenID Connect provider at /o/: the consent page is for
    # staff after the platform's own log-in (400 without an authorization request); the protocol
    # endpoints answer client credentials or a bearer token, never a session — the discovery documents
    # and the public keys are public.
    "oauth2_provider:authorize": page(
        only(*STAFF_ROLES), answers=(400,), note="portal accounts 403; GET without parameters: 400"
    ),
    "oauth2_provider:token": page(PUBLIC, post=True, note="client credentials + code + PKCE verifier"),
    "oauth2_provider:revoke-token": page(PUBLIC, post=True, note="client credentials + token"),
    "oauth2_provider:introspect": page(no_login(only()), note="a token with the introspection scope"),
    "oauth2_provider:user-info": page(no_login(only()), bearer=True, note="an access token only"),
    "oauth2_provider:oidc-connect-discovery-info": page(PUBLIC),
    "oauth2_provider:jwks-info": page(PUBLIC),
    "oauth2_provider:oauth-server-metadata": page(PUBLIC),
    # The upstream government identity provider's log-in: 404 until OIDC_UPSTREAM_* is configured.
    "sso:upstream_login": page(PUBLIC, answers=(404,)),
    "sso:upstream_callback": page(PUBLIC, answers=(404,)),
    # The admin's own open pages, and routes that break the admin's rule (see ADMIN_PATTERNS).
    "admin:login": page(PUBLIC),
    "admin:logout": page(
        ADMIN, post=True, signs_out=True, note="without is_staff: sent to the admin's index (302)"
    ),
    "admin:javascript-catalog": page(LOGIN, note="treebeard's translation strings (JavaScript)"),
    # OTP_ADMIN_HIDE_SENSITIVE_DATA: the admin shows no TOTP secret or QR code (403), for any id.
    "admin:otp_totp_totpdevice_config": page(ADMIN, obj=True),
    "admin:otp_totp_totpdevice_qrcode": page(ADMIN, obj=True),
}

# Route names matched by prefix: the Django admin only.
ADMIN_PATTERNS: dict[str, Entry] = {"admin:": page(ADMIN)}


# ---------------------------------------------------------------- API operations ("METHOD /path")

API: dict[str, Entry] = {
    "GET /api/v1/me": op(LOGIN),
    # org
    "GET /api/v1/org/units": op(can("org.view")),
    "GET /api/v1/org/units/{unit_id}": op(can("org.view"), obj=True),
    "GET /api/v1/org/units/{unit_id}/members": op(can("org.view_members"), obj=True),
    # registry
    "GET /api/v1/registry/people": op(can("registry.view")),
    "GET /api/v1/registry/people/{person_id}": op(can("registry.view"), obj=True),
    # Edit, verify and reveal look the record up in the edit / reveal scope, not the read scope
    # (see test_registry_edit_and_reveal_stay_in_their_places).
    "PATCH /api/v1/registry/people/{person_id}": op(can("registry.edit"), obj=True),
    "POST /api/v1/registry/people/{person_id}/reveal": op(can("registry.reveal"), obj=True),
    "GET /api/v1/registry/households/{household_id}": op(can("registry.view"), obj=True),
    "POST /api/v1/registry/households/{household_id}/verify": op(can("registry.edit"), obj=True),
    # cases
    # The channel follows from the reporter and volunteers report rewarded categories only, as on
    # the page (see test_report_api_follows_the_report_page).
    "POST /api/v1/cases": op(can("cases.report")),
    "GET /api/v1/cases": op(can("cases.view")),
    "GET /api/v1/cases/{case_id}": op(can("cases.view"), obj=True),
    "POST /api/v1/cases/{case_id}/claim": op(CLAIMERS, obj=True),
    "POST /api/v1/cases/{case_id}/actions/{action}": op(
        only(Role.DEPARTMENT_STAFF), obj=True, note="called with action=set_warning (the stability centre)"
    ),
    # fieldwork
    # scoring
    "GET /api/v1/scoring/schemes": op(can("scoring.view")),
    "GET /api/v1/scoring/rankings": op(can("scoring.view")),
    "GET /api/v1/scoring/entries": op(can("scoring.view")),
    # cockpit: the caller's own places only; another area is 404
    "GET /api/v1/cockpit/areas": op(can("cockpit.view")),
    "GET /api/v1/cockpit/figures": op(can("cockpit.view")),
    "GET /api/v1/cockpit/grids": op(can("cockpit.view")),
    "GET /api/v1/fieldwork/my-day": op(can("fieldwork.visit")),
    "POST /api/v1/fieldwork/visits": op(can("fieldwork.visit")),
    "GET /api/v1/fieldwork/policy": op(can("fieldwork.policy")),
    "GET /api/v1/fieldwork/policy/{item_id}": op(can("fieldwork.policy"), obj=True, shared=True),
    "POST /api/v1/fieldwork/consultations": op(can("fieldwork.consult")),
    # bookings
    "GET /api/v1/bookings/resources": op(can("bookings.book")),
    "GET /api/v1/bookings/resources/{resource_id}": op(can("bookings.book"), obj=True, shared=True),
    "GET /api/v1/bookings/resources/{resource_id}/slots": op(can("bookings.book"), obj=True, shared=True),
    "POST /api/v1/bookings/resources/{resource_id}/bookings": op(can("bookings.book"), obj=True, shared=True),
    "GET /api/v1/bookings/mine": op(can("bookings.book")),
    "POST /api/v1/bookings/{booking_id}/cancel": op(can("bookings.book"), obj=True),
    "GET /api/v1/bookings/queue": op(can("bookings.manage")),
    "POST /api/v1/bookings/{booking_id}/decide": op(can("bookings.manage"), obj=True),
    "POST /api/v1/bookings/{booking_id}/withdraw": op(can("bookings.manage"), obj=True),
    # activities
    "GET /api/v1/activities": op(LOGIN, note="activities.join or any staff role: every role"),
    "POST /api/v1/activities": op(can("activities.organise")),
    "GET /api/v1/activities/{activity_id}": op(LOGIN, obj=True),
    "POST /api/v1/activities/{activity_id}/signup": op(can("activities.join"), obj=True),
    # Only those who may sign up may cancel a sign-up (403 for staff), as on the page.
    "DELETE /api/v1/activities/{activity_id}/signup": op(can("activities.join"), obj=True),
    "GET /api/v1/activities/{activity_id}/attendance": op(ACTIVITY_MANAGERS, obj=True),
    "POST /api/v1/activities/{activity_id}/attendance": op(ACTIVITY_MANAGERS, obj=True),
    # social organisations
    "GET /api/v1/socialorgs": op(LOGIN),
    "GET /api/v1/socialorgs/{org_id}": op(LOGIN, obj=True, shared=True),
    "POST /api/v1/socialorgs/{org_id}/join": op(can("socialorgs.join"), obj=True, shared=True),
    "POST /api/v1/socialorgs/{org_id}/leave": op(LOGIN, obj=True, shared=True),
    "GET /api/v1/socialorgs/{org_id}/requests": op(can("socialorgs.manage"), obj=True),
    "POST /api/v1/socialorgs/requests/{request_id}/decide": op(
        only(Role.ORG_ADMIN), obj=True, note="the organisation's admin (the service refuses staff)"
    ),
    # polls and surveys
    "GET /api/v1/polls/open": op(can("polls.vote")),
    "GET /api/v1/polls/surveys/{survey_id}": op(can("polls.vote"), obj=True),
    "POST /api/v1/polls/surveys/{survey_id}/responses": op(can("polls.vote"), obj=True),
    "GET /api/v1/polls/surveys/{survey_id}/results": op(can("polls.manage"), obj=True),
    "GET /api/v1/polls/{poll_id}": op(can("polls.vote"), obj=True),
    "POST /api/v1/polls/{poll_id}/vote": op(can("polls.vote"), obj=True),
    "GET /api/v1/polls/{poll_id}/results": op(
        Rule("polls.manage | polls.vote", PERMISSIONS["polls.manage"] | PERMISSIONS["polls.vote"]),
        obj=True,
        note="residents of its audience as its results rule allows",
    ),
    # portal (淘社区)
    "GET /api/v1/portal/points": op(can("portal.points")),
    "GET /api/v1/portal/points/entries": op(can("portal.points")),
    "GET /api/v1/portal/rewards": op(can("portal.points")),
    "POST /api/v1/portal/rewards/{reward_id}/redeem": op(can("portal.points"), obj=True),
    "GET /api/v1/portal/redemptions": op(can("portal.points")),
    "GET /api/v1/portal/verification": op(can("portal.points")),
    "POST /api/v1/portal/verification": op(can("portal.points")),
    "GET /api/v1/portal/staff/verifications": op(can("portal.verify")),
    "POST /api/v1/portal/staff/verifications/{verification_id}/decide": op(can("portal.verify"), obj=True),
    "GET /api/v1/portal/staff/redemptions": op(can("portal.rewards")),
    "POST /api/v1/portal/staff/redemptions/{redemption_id}/hand-over": op(can("portal.rewards"), obj=True),
    "GET /api/v1/portal/suggestions": op(can("portal.suggest")),
    "POST /api/v1/portal/suggestions": op(can("portal.suggest")),
    "GET /api/v1/portal/suggestions/{case_id}": op(can("portal.suggest"), obj=True),
    "GET /api/v1/portal/staff/suggestions": op(can("portal.reply")),
    "POST /api/v1/portal/staff/suggestions/{case_id}/replies": op(can("portal.reply"), obj=True),
    "GET /api/v1/portal/news": op(LOGIN),
    "GET /api/v1/portal/public": op(LOGIN),
    # market
    "GET /api/v1/market/listings": op(can("market.browse")),
    "POST /api/v1/market/listings": op(can("market.list")),
    "GET /api/v1/market/listings/mine": op(can("market.list")),
    "GET /api/v1/market/listings/moderation": op(can("market.moderate")),
    "GET /api/v1/market/listings/{listing_id}": op(can("market.browse"), obj=True, shared=True),
    "PATCH /api/v1/market/listings/{listing_id}": op(can("market.list"), obj=True),
    "POST /api/v1/market/listings/{listing_id}/report": op(can("market.browse"), obj=True, shared=True),
    "POST /api/v1/market/listings/{listing_id}/contact": op(can("market.browse"), obj=True, shared=True),
    "POST /api/v1/market/listings/{listing_id}/sold": op(
        only(Role.RESIDENT), obj=True, note="the seller only (the world's listing is the resident's)"
    ),
    "POST /api/v1/market/listings/{listing_id}/moderate": op(can("market.moderate"), obj=True),
    "GET /api/v1/market/merchants": op(can("market.browse")),
    "GET /api/v1/market/merchants/{merchant_id}": op(can("market.browse"), obj=True, shared=True),
}
