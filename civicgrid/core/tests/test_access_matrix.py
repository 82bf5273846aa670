"""Access control everywhere: every page and every API operation, called as anonymous and as one
persona per role, answers as the declared permission table (`access_table.py`) says.

The routes come from the URL configuration (walked recursively) and the operations from the API's
OpenAPI schema, so a new route or operation fails `test_every_route_and_operation_is_declared` until
it has an entry. The personas and a small world of objects (community A, grid A1) are built once per
module inside a transaction that is rolled back at the end; every test runs in a savepoint of it.

Run: `pytest -n 2 civicgrid/core/tests/test_access_matrix.py`. A failure lists every caller whose
answer broke the rule. Two checks at the end cover what a one-role matrix cannot see (an account with
two roles; what the report API lets a reporter choose).
"""

import io
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from PIL import Image

from civicgrid.api import api
from civicgrid.core.testing import Tree, build_personas, build_tree, log_in, make_user, record_figure
from civicgrid.org.choices import Role

from .access_table import ADMIN_PATTERNS, API, PAGES, Entry

API_PREFIX = "api/v1/"
ANONYMOUS = "anonymous"

# Every persona of `core.testing.personas`, plus an organisation account (单位管理员) of community A.
PERSONA_ROLES: dict[str, str] = {
    "grid_worker_a": Role.GRID_WORKER,
    "grid_worker_b": Role.GRID_WORKER,
    "assistant_a": Role.GRID_ASSISTANT,
    "community_head_a": Role.COMMUNITY_HEAD,
    "community_head_b": Role.COMMUNITY_HEAD,
    "department_staff": Role.DEPARTMENT_STAFF,
    "agency_staff": Role.AGENCY_STAFF,
    "dispatcher": Role.DISPATCHER,
    "supervisor": Role.SUPERVISOR,
    "street_leader": Role.STREET_LEADER,
    "platform_admin": Role.PLATFORM_ADMIN,
    "volunteer": Role.VOLUNTEER,
    "resident": Role.RESIDENT,
    "org_admin": Role.ORG_ADMIN,
    "resident_b": Role.RESIDENT,
}
CALLERS = [ANONYMOUS, *PERSONA_ROLES]
# Callers of community B: the world's objects are community A's, so unless the entry says they are
# `shared` (seen street-wide or by everyone), these callers are refused them whatever their role.
OUTSIDERS = frozenset({"grid_worker_b", "community_head_b", "resident_b"})


# ---------------------------------------------------------------- routes and operations


@dataclass(frozen=True)
class Route:
    key: str  # namespace:name, or namespace:<pattern> for an unnamed route
    template: str  # the path as declared, e.g. "cases/<int:case_id>/"
    params: tuple[str, ...]


PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


def _walk(patterns, prefix: str = "", namespace: str | None = None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            template = prefix + str(pattern.pattern)
            name = pattern.name or f"<{template}>"
            key = f"{namespace}:{name}" if namespace else name
            params = tuple(m.group("name") or m.group("group") for m in PARAM.finditer(template))
            yield Route(key, template, params)


def _api_path(template: str) -> str:
    """A ninja route as the schema writes it: api/v1/cases/<case_id> → /api/v1/cases/{case_id}."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", template)


def api_operations(schema: dict) -> dict[str, dict]:
    """Every operation of the OpenAPI schema, keyed "METHOD /path", with its schema (and body)."""
    return {
        f"{method.upper()} {path}": operation
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }


def all_routes() -> tuple[list[Route], list[Route]]:
    """(page routes, admin routes); the API's operation routes are left to `api_operations`."""
    api_paths = {key.split(" ", 1)[1] for key in OPERATIONS}
    pages, admin = [], []
    for route in _walk(get_resolver().url_patterns):
        if route.template.startswith(API_PREFIX) and _api_path(route.template) in api_paths:
            continue
        (admin if route.key.startswith("admin:") else pages).append(route)
    return pages, admin


SCHEMA = api.get_openapi_schema()
OPERATIONS = api_operations(SCHEMA)
PAGE_ROUTES, ADMIN_ROUTES = all_routes()


def entry_for(key: str) -> Entry | None:
    """The route's own entry, else (admin routes only) the pattern's."""
    if key in PAGES:
        return PAGES[key]
    return next((entry for prefix, entry in ADMIN_PATTERNS.items() if key.startswith(prefix)), None)


def test_every_route_and_operation_is_declared():
    """One entry per route and per operation, no entry without one; the admin alone goes by pattern."""
    assert all(prefix.startswith("admin:") for prefix in ADMIN_PATTERNS)
    keys = [route.key for route in PAGE_ROUTES]
    assert len(keys) == len(set(keys)), "two routes share a name"
    missing = sorted(set(keys) - set(PAGES))
    assert not missing, f"routes missing from access_table.PAGES: {missing}"
    stale = sorted(set(PAGES) - set(keys) - {route.key for route in ADMIN_ROUTES})
    assert not stale, f"access_table.PAGES entries without a route: {stale}"
    assert all(entry_for(route.key) for route in ADMIN_ROUTES)
    missing = sorted(set(OPERATIONS) - set(API))
    assert not missing, f"API operations missing from access_table.API: {missing}"
    stale = sorted(set(API) - set(OPERATIONS))
    assert not stale, f"access_table.API entries without an operation: {stale}"
    # `obj` says the route takes ids: it must agree with the route.
    wrong = [
        r.key for r in PAGE_ROUTES + ADMIN_ROUTES if r.key in PAGES and PAGES[r.key].obj != bool(r.params)
    ]
    wrong += [key for key, entry in API.items() if entry.obj != ("{" in key)]
    assert not wrong, f"entries whose obj flag disagrees with their route's parameters: {wrong}"


# ---------------------------------------------------------------- the world


@dataclass
class World:
    users: dict[str, object]
    clients: dict[str, Client]
    sessions: dict[str, str]
    ids: dict[str, object]  # URL parameter → value, for every route
    overrides: dict[str, dict[str, object]] = field(default_factory=dict)  # route key → its own values


def _jpeg(name: str = "photo.jpg") -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 40)).save(out, "JPEG")
    return ContentFile(out.getvalue(), name=name)


def _id_number(first17: str) -> str:
    from civicgrid.registry.validators import id_check_digit

    return first17 + id_check_digit(first17)


def _personas(tree: Tree) -> dict[str, object]:
    R = Role
    people = build_personas(tree)
    users = dict(vars(people))
    users["org_admin"] = make_user(
        "org_a", unit=tree.community_a, role=R.ORG_ADMIN, kind="organisation", phone="13700000001"
    )
    users["resident_b"] = make_user(
        "resident_b", unit=tree.community_b, role=R.RESIDENT, kind="resident", phone="13800000002"
    )
    assert set(users) == set(PERSONA_ROLES)
    return users


def _build(users: dict, tree: Tree) -> dict:
    """The objects the routes are called with, and the URL parameters that name them."""
    from django.utils import timezone

    from civicgrid.activities import services as activities
    from civicgrid.activities.models import ActivityPhoto
    from civicgrid.bookings import services as bookings
    from civicgrid.bookings.models import OpeningHours, Resource
    from civicgrid.cases import services as cases
    from civicgrid.cases.models import CasePhoto, Category, RoutingRule, SlaPolicy
    from civicgrid.core import clock
    from civicgrid.core.crypto import mask
    from civicgrid.fieldwork import services as fieldwork
    from civicgrid.fieldwork.models import ServiceItem, ServiceLine
    from civicgrid.market import services as market
    from civicgrid.org.services import membership_grant
    from civicgrid.polls import services as polls
    from civicgrid.portal import services as portal
    from civicgrid.portal.models import (
        News,
        OrganisationApplication,
        PointsRule,
        Publication,
        Redemption,
        Reward,
        Verification,
    )
    from civicgrid.registry import services as registry
    from civicgrid.registry.models import (
        Building,
        Conflict,
        Entrance,
        Household,
        ImportBatch,
        ImportSource,
        Organisation,
        Room,
        ServiceGroup,
    )
    from civicgrid.socialorgs import services as socialorgs
    from civicgrid.socialorgs.models import SocialOrgPhoto

    u = users
    now = clock.now()
    for who in ("resident", "volunteer"):
        Verification.objects.create(
            user=u[who],
            full_name=who,
            id_masked="3301**********1234",
            unit=tree.grid_a1,
            status="confirmed",
            created_at=now,
        )
    for code, points in (("vote", 2), ("survey", 5), ("activity", 10)):
        PointsRule.objects.create(code=code, name=code, points=points)

    # registry: a household of two in grid A1 with a car, a shop, an import with a conflict
    building = Building.objects.create(grid=tree.grid_a1, road="凯旋路12号", name="1幢")
    entrance = Entrance.objects.create(building=building, name="1单元")
    room = Room.objects.create(entrance=entrance, grid=tree.grid_a1, number="301", floor=3)
    Room.objects.create(entrance=entrance, grid=tree.grid_a1, number="302", floor=3)
    household = Household.objects.create(room=room, grid=tree.grid_a1)
    person = registry.person_create(
        actor=None,
        household=household,
        full_name="张伟",
        id_number=_id_number("33010219800115123"),
        phone="13812345678",
        relation="head",
        residence_type="registered",
        reason="建档",
    )
    vehicle = registry.vehicle_add(
        actor=None, household=household, plate="浙A12345", owner=person, reason="建档"
    )
    group = ServiceGroup.objects.create(code="elderly_alone", name="独居老人")
    tag = registry.person_tag(actor=None, person=person, group=group, grade=2, reason="建档")
    shop = Organisation.objects.create(
        name="凯旋便利店",
        kind="shop",
        grid=tree.grid_a1,
        contact_name="赵六",
        contact_phone="13500001111",
        contact_phone_masked=mask("13500001111"),
    )
    source = ImportSource.objects.create(name="公安人口库", kind="public_security")
    batch = ImportBatch.objects.create(source=source, file_name="p.csv", created_by=u["platform_admin"])
    conflict = Conflict.objects.create(
        batch=batch,
        person=person,
        grid=tree.grid_a1,
        field="phone",
        registry_value="13812345678",
        source_value="13800000000",
    )
    # A household of community B, and an account with two roles: community head of A (edit, reveal)
    # and supervisor of the street (view only) — it may read B's registry, not change or reveal it.
    building_b = Building.objects.create(grid=tree.grid_b1, road="景芳路8号", name="2幢")
    room_b = Room.objects.create(
        entrance=Entrance.objects.create(building=building_b, name="1单元"),
        grid=tree.grid_b1,
        number="502",
        floor=5,
    )
    household_b = Household.objects.create(room=room_b, grid=tree.grid_b1)
    person_b = registry.person_create(
        actor=None,
        household=household_b,
        full_name="王芳",
        id_number=_id_number("33010519750707332"),
        phone="13712340000",
        relation="head",
        residence_type="registered",
        reason="建档",
    )
    two_roles = make_user("head_a_supervisor", unit=tree.community_a, role=Role.COMMUNITY_HEAD)
    membership_grant(user=two_roles, unit=tree.street, role=Role.SUPERVISOR)
    u["two_roles"] = two_roles

    # cases: one waiting in grid A1 (with a photo), one claimed with an extension request
    ordinary = SlaPolicy.objects.create(
        code="ordinary",
        name="一般问题",
        claim_hours=24,
        verify_hours=24,
        resolve_hours=168,
        working_days=True,
    )
    municipal = Category.objects.create(code="municipal", name="市政设施", policy=ordinary)
    Category.objects.create(code="suggestion", name="意见建议", policy=ordinary, allows_anonymous=True)
    RoutingRule.objects.create(category=municipal, area=tree.street, to_case_community=True, priority=10)

    def report(text):
        return cases.case_report(
            actor=u["grid_worker_a"],
            channel="patrol",
            category=municipal,
            description=text,
            grid=tree.grid_a1,
        )

    case = report("井盖缺失")
    photo = CasePhoto.objects.create(case=case, image=_jpeg("manhole.jpg"))
    claimed = cases.case_claim(case=report("路灯不亮"), actor=u["grid_worker_a"])
    extension = cases.extension_request(
        case=claimed, actor=u["grid_worker_a"], kind="extension", reason="等待配件", hours=24
    )

    # fieldwork: a service item, a case study, a visit programme
    line = ServiceLine.objects.create(code="elderly", name="养老服务")
    item = ServiceItem.objects.create(line=line, code="YL-001", title="高龄津贴申领")
    study = fieldwork.study_create(
        actor=u["grid_worker_a"],
        community=tree.community_a,
        title="陪办再就业",
        body="网格员陪同失业居民到街道就业服务站登记求职意向，三周后找到工作。",
    )
    programme = fieldwork.programme_create(
        actor=u["street_leader"],
        unit=tree.street,
        name="六六三走访",
        starts_on=clock.today() - timedelta(days=30),
        ends_on=clock.today() + timedelta(days=365),
        groups=[group],
    )

    # bookings: a room that confirms at once, a hall that needs approval (both community A's)
    def resource(name, needs_approval):
        found = Resource.objects.create(
            unit=tree.community_a,
            kind="room",
            name=name,
            capacity=10,
            needs_approval=needs_approval,
            slot_minutes=60,
            created_by=u["community_head_a"],
            created_at=now,
            updated_at=now,
        )
        for weekday in range(7):
            OpeningHours.objects.create(resource=found, weekday=weekday, opens=time(8), closes=time(21))
        return found

    room_resource = resource("甲社区会议室", False)
    hall = resource("甲社区礼堂", True)
    day = clock.localdate(now) + timedelta(days=2)

    def book(where, hour):
        return bookings.booking_create(
            actor=u["resident"],
            resource=where,
            starts_at=timezone.make_aware(datetime.combine(day, time(hour))),
            ends_at=timezone.make_aware(datetime.combine(day, time(hour + 1))),
            attendees=2,
            purpose="开会",
        )

    booking = book(room_resource, 10)
    pending = book(hall, 14)

    # activities: community head A's, published, with a photo waiting
    starts = now + timedelta(days=3)
    activity = activities.activity_create(
        actor=u["community_head_a"],
        unit=tree.community_a,
        title="乒乓球赛",
        description="单打。",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="活动室",
        capacity=20,
        audience="all",
    )
    activity_photo = ActivityPhoto.objects.create(
        activity=activity,
        image=_jpeg("ping.jpg"),
        status="pending",
        uploaded_by=u["community_head_a"],
        uploaded_at=now,
    )

    # social organisations: a dance team of community A run by the organisation account
    dance = socialorgs.socialorg_create(
        actor=u["community_head_a"],
        name="夕阳红舞蹈队",
        category="culture",
        unit=tree.community_a,
        introduction="舞蹈队。",
        admin_phone="13700000001",
    )
    join = socialorgs.join_request_create(actor=u["resident"], org=dance, message="想参加")
    member = socialorgs.join_request_decide(
        actor=u["org_admin"],
        join_request=socialorgs.join_request_create(actor=u["volunteer"], org=dance),
        accept=True,
    )
    org_photo = SocialOrgPhoto.objects.create(
        org=dance, image=_jpeg("dance.jpg"), posted_by=u["org_admin"], posted_at=now
    )

    # polls: a published poll and a survey of community A
    window = {"opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=3)}
    poll = polls.poll_create(
        actor=u["community_head_a"],
        unit=tree.community_a,
        title="开放时间",
        description="选一个。",
        options=["早上", "晚上"],
        kind="single",
        results_visibility="always",
        **window,
    )
    polls.poll_publish(actor=u["community_head_a"], poll=poll)
    survey = polls.survey_create(
        actor=u["community_head_a"], unit=tree.community_a, title="满意度", intro="两分钟。", **window
    )
    question = polls.question_add(
        actor=u["community_head_a"], survey=survey, kind="single", text="居住年限", options=["短", "长"]
    )
    polls.survey_publish(actor=u["community_head_a"], survey=survey)

    # market: the resident's listing (published), the organisation account's merchant entry
    listing = market.listing_publish(
        actor=u["community_head_a"],
        listing=market.listing_create(actor=u["resident"], title="儿童自行车", price="150"),
    )
    merchant = market.merchant_create(
        actor=u["community_head_a"],
        community=tree.community_a,
        owner=u["org_admin"],
        name="甲社区早餐店",
        category="food",
        address="凯旋路1号",
        lat=30.05,
        lng=120.02,
        hours="6:00-10:00",
        offers="",
        phone="",
    )

    # portal: a reward and its redemption, verification and organisation applications, a suggestion
    # with its publication, and news
    reward = Reward.objects.create(unit=tree.community_a, name="环保袋", cost=10, stock=5)
    redemption = Redemption.objects.create(
        user=u["resident"], reward=reward, cost=10, status="requested", created_at=now
    )
    applicant = make_user(
        "applicant", unit=tree.community_a, role=Role.RESIDENT, kind="resident", phone="13600000001"
    )
    verification = Verification.objects.create(
        user=applicant,
        full_name="申请人",
        id_masked="3301**********5678",
        unit=tree.grid_a1,
        status="pending",
        created_at=now,
    )
    company = make_user("company", kind="organisation", phone="13600000002")
    application = OrganisationApplication.objects.create(
        user=company,
        name="某公司",
        kind="enterprise",
        community=tree.community_a,
        status="pending",
        created_at=now,
    )
    suggestion = portal.suggestion_submit(actor=u["resident"], text="楼道灯坏了很久了", grid=tree.grid_a1)
    Publication.objects.create(
        case=suggestion,
        community=tree.community_a,
        title="楼道灯",
        summary="楼道灯坏了",
        reply="已修好",
        published_by=u["community_head_a"],
        published_at=now,
    )
    news = News.objects.create(
        unit=tree.community_a, title="通知", body="停水。", author=u["community_head_a"], published_at=now
    )
    from civicgrid.integrations.services import api_key_create

    key, _ = api_key_create(actor=u["platform_admin"], name="部门系统", unit=tree.grid_a1, role="grid_worker")

    ids = {
        # registry and org
        "unit_id": tree.community_a.pk,
        "grid_id": tree.grid_a1.pk,
        "building_id": building.pk,
        "room_id": room.pk,
        "household_id": household.pk,
        "vehicle_id": vehicle.pk,
        "person_id": person.pk,
        "membership_id": tag.pk,
        "source_id": source.pk,
        "batch_id": batch.pk,
        "conflict_id": conflict.pk,
        # cases
        "case_id": case.pk,
        "index": 0,
        "action": "dispatch",
        # fieldwork
        "organisation_id": shop.pk,
        "item_id": item.pk,
        "study_id": study.pk,
        "programme_id": programme.pk,
        # bookings
        "resource_id": hall.pk,
        "booking_id": pending.pk,
        # activities
        "activity_id": activity.pk,
        "photo_id": activity_photo.pk,
        # social organisations
        "org_id": dance.pk,
        "request_id": join.pk,
        # polls
        "poll_id": poll.pk,
        "survey_id": survey.pk,
        "question_id": question.pk,
        # market
        "listing_id": listing.pk,
        "merchant_id": merchant.pk,
        # portal
        "reward_id": reward.pk,
        "verification_id": verification.pk,
        "application_id": application.pk,
        "redemption_id": redemption.pk,
        "news_id": news.pk,
        "kind": "news",
        # integrations
        "key_id": key.pk,
        # Open311 GeoReport v2: the format suffix (xml: its JSON errors are a list, which `call` does
        # not read), a service code, a request id (the case number), a token
        "format": "xml",
        "service_code": "municipal",
        "service_request_id": case.number,
        "token": "00000000-0000-4000-8000-000000000000",
        "name": photo.image.name,
        # the admin: ids that name nothing (the admin answers them itself)
        "object_id": 999999,
        "content_type_id": 999999,
        "pk": 999999,
        "id": 999999,
        "parent_id": 999999,
        "entry_id": 999999,
        "app_label": "org",
        "url": "no-such-page/",
        # community B's registry, for the two-role account
        "household_b": household_b.pk,
        "person_b": person_b.pk,
    }
    overrides = {
        "cases:decide_extension": {"case_id": claimed.pk, "request_id": extension.pk},
        "socialorgs:member_remove": {"request_id": member.pk},
        "socialorgs:photo_delete": {"photo_id": org_photo.pk},
        "portal:suggestion": {"case_id": suggestion.pk},
        "portal:staff_suggestion": {"case_id": suggestion.pk},
        "GET /api/v1/portal/suggestions/{case_id}": {"case_id": suggestion.pk},
        "POST /api/v1/portal/staff/suggestions/{case_id}/replies": {"case_id": suggestion.pk},
        "portal:hide": {"item_id": news.pk},
        # Without a known decision the view answers 404 to everyone.
        "market:listing_moderate": {"post": {"decision": "dismiss"}},
        "bookings:cancel": {"booking_id": booking.pk},
        "POST /api/v1/bookings/{booking_id}/cancel": {"booking_id": booking.pk},
        "POST /api/v1/cases/{case_id}/actions/{action}": {"action": "set_warning"},
        # Staff without a registered home or community: the search needs a point.
        "GET /api/v1/market/merchants": {"?": {"lat": 30.05, "lng": 120.02}},
        # The schema describes these bodies wrongly (two request schemas share each name: cases' and
        # market's ReportIn, bookings' and socialorgs' DecisionIn), so they are given here.
        "POST /api/v1/cases": {"body": {"category": "municipal", "description": "井盖缺失"}},
        "POST /api/v1/bookings/{booking_id}/decide": {"body": {"confirm": False, "reason": "x"}},
        "POST /api/v1/market/listings/{listing_id}/report": {"body": {"reason": "x"}},
        "POST /api/v1/socialorgs/requests/{request_id}/decide": {"body": {"accept": False, "reason": "x"}},
    }
    return {"ids": ids, "overrides": overrides}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The tree, one persona per role signed in, and the objects; rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            # The stability centre (STABILITY_CENTRE_NAMES): its staff may set a case's warning level.
            tree = build_tree(department="综治办")
            users = _personas(tree)
            built = _build(users, tree)
            sessions = {}
            for name, user in users.items():  # the personas, and the two-role account
                client = Client()
                log_in(client, user)
                sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    # A view's exception is answered 500 (as in production) and judged with the rest.
    clients = {name: Client(raise_request_exception=False) for name in sessions}
    clients[ANONYMOUS] = Client(raise_request_exception=False)
    yield World(
        users=users, clients=clients, sessions=sessions, ids=built["ids"], overrides=built["overrides"]
    )
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


# ---------------------------------------------------------------- calling and judging


LOGIN_PATHS = ("/accounts/login/", "/accounts/resident-login/", "/admin/login/")
ADMIN_INDEX = "/admin/"
WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


def _writes(sql: str) -> bool:
    """A write to anything but the session table (a request may touch its own session)."""
    return bool(WRITES.match(sql)) and "django_session" not in sql[:40]


@dataclass
class Answer:
    caller: str
    method: str
    url: str
    status: int
    location: str
    writes: list[str]
    code: str = ""  # the API's error code

    def __str__(self) -> str:
        where = f" → {self.location}" if self.location else ""
        return f"{self.caller}: {self.method} {self.url} = {self.status}{where}"


def call(world: World, caller: str, method: str, url: str, **kwargs) -> Answer:
    client = world.clients[caller]
    client.cookies.clear()
    if caller != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[caller]
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method.lower())(url, **kwargs)
    writes = [q["sql"][:120] for q in queries.captured_queries if _writes(q["sql"])]
    code = ""
    if response.get("Content-Type", "").startswith("application/json") and response.status_code >= 400:
        body = response.json()  # Open311's errors are a list, not an object
        code = str(body.get("code", "")) if isinstance(body, dict) else ""
    return Answer(caller, method, url, response.status_code, response.get("Location", ""), writes, code)


def _to_login(answer: Answer) -> bool:
    return answer.status in (301, 302) and urlsplit(answer.location).path.startswith(LOGIN_PATHS)


def fill(world: World, key: str, template: str) -> str:
    """The route's path with its parameters filled from the world."""
    values = world.ids | world.overrides.get(key, {})

    def value(match) -> str:
        name = match.group("name") or match.group("group")
        assert name in values, f"{key}: no object for the URL parameter {name!r}: add one to the world"
        return str(values[name])

    return "/" + PARAM.sub(value, template).replace("^", "").replace("$", "")


def lets_in(entry: Entry, world: World, caller: str) -> bool:
    if caller == ANONYMOUS:
        return entry.rule.lets_in(role=None)
    if entry.obj and caller in OUTSIDERS and not (entry.shared or entry.rule.anonymous or entry.rule.admin):
        return False
    return entry.rule.lets_in(role=PERSONA_ROLES[caller], is_staff=world.users[caller].is_staff)


def judge(entry: Entry, answer: Answer, *, allowed: bool, is_api: bool, reading: bool) -> str | None:
    """What is wrong with the answer, or None. `reading`: a GET (a POST may fail on its empty body)."""
    rule, status = entry.rule, answer.status
    if status >= 500:
        return "server error"
    if answer.caller == ANONYMOUS and not rule.open:
        if is_api:
            return None if status == 401 else "anonymous API caller not answered 401"
        return None if _to_login(answer) else "anonymous visitor not sent to a log-in page"
    if not allowed:
        if rule.admin and (_to_login(answer) or answer.location == ADMIN_INDEX):
            return None  # the admin sends accounts without is_staff to its log-in (or its index)
        if entry.bearer and status == 401:
            return None  # a bearer-token endpoint answers a missing token 401 (RFC 6750 §3)
        if status not in (403, 404, 405):
            return "a caller the rule refuses was not answered 403/404"
        if answer.writes:
            return f"a refused request wrote to the database: {answer.writes}"
        return None
    if _to_login(answer) and entry.signs_out:
        return None
    if is_api and not reading and status == 403 and answer.code not in ("forbidden", ""):
        return None  # a rule of the platform about this object (e.g. own_listing), not the role
    if entry.obj and not reading and status == 403:
        return None  # a write on an object that is not theirs (visible, but another place's)
    if status in (401, 403) or _to_login(answer):
        if rule.admin and status == 403:
            return None  # past the admin's gate; the model permissions decide
        return "a caller the rule lets in was refused"
    if not reading:
        return None
    if entry.post and not is_api:
        return None if status == 405 else "a POST-only route answered GET"
    expected = {200, 302} | ({404} if entry.obj else set()) | entry.answers
    if rule.admin:
        expected |= {404}
    return None if status in expected else f"unexpected status for a caller the rule lets in ({expected})"


def _run(entry: Entry, world: World, requests, callers=CALLERS) -> None:
    """`requests(caller)` → the caller's answers; every answer judged, all failures reported at once."""
    failures, seen, judged = [], [], 0
    for caller in callers:
        allowed = lets_in(entry, world, caller)
        for answer, is_api, reading, primary in requests(caller, allowed):
            judged += 1
            problem = judge(entry, answer, allowed=allowed, is_api=is_api, reading=reading)
            if problem:
                failures.append(f"{answer}: {problem}")
            if primary and allowed and caller != ANONYMOUS:
                seen.append(answer.status)
    if entry.obj and seen and all(status == 404 for status in seen):
        failures.append("no caller the rule lets in could see the object: check the world's ids")
    assert not failures, f"rule {entry.rule.name}:\n" + "\n".join(failures)
    record_figure("access matrix", routes=1, callers=len(callers), requests=judged)


def _param(value, key: str, entry: Entry, *, id: str | None = None):
    marks = [pytest.mark.xfail(strict=True, reason=entry.bug)] if entry.bug else []
    return pytest.param(value, marks=marks, id=id or key)


def _check_page(route: Route, world: World, callers) -> None:
    entry = entry_for(route.key)
    url = fill(world, route.key, route.template)
    data = world.overrides.get(route.key, {}).get("post", {})

    def requests(caller, allowed):
        yield call(world, caller, "GET", url), False, True, not entry.post
        # POST-only routes: everyone POSTs an empty body; any other route: whoever is refused does.
        if entry.post or (not allowed and caller != ANONYMOUS):
            yield call(world, caller, "POST", url, data=data), False, False, entry.post

    _run(entry, world, requests, callers)


def callers_for(entry: Entry) -> list[str]:
    """Community B's callers only matter for objects (A's): elsewhere they repeat their role's A twin."""
    return CALLERS if entry.obj else [c for c in CALLERS if c not in OUTSIDERS]


@pytest.mark.parametrize("route", [_param(r, r.key, PAGES[r.key]) for r in PAGE_ROUTES if r.key in PAGES])
def test_page(route, world, db):
    _check_page(route, world, callers_for(PAGES[route.key]))


# The admin: every route once per kind of caller (anonymous, a staff role without is_staff, a portal
# account, and the platform admin who is is_staff), to keep the run short.
ADMIN_CALLERS = [ANONYMOUS, "community_head_a", "resident", "platform_admin"]


@pytest.mark.parametrize(
    "route", [_param(r, r.key, entry_for(r.key), id=r.template) for r in ADMIN_ROUTES if entry_for(r.key)]
)
def test_admin(route, world, db):
    _check_page(route, world, ADMIN_CALLERS)


# ---------------------------------------------------------------- API request bodies


def _example(schema: dict, components: dict):
    """A value of the schema's shape, every required field filled (so the handler itself runs)."""
    if "$ref" in schema:
        return _example(components[schema["$ref"].rsplit("/", 1)[1]], components)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], components)
    if "enum" in schema:
        return schema["enum"][0]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _example(props[name], components) for name in schema.get("required", [])}
    if kind == "array":
        return []
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if fmt in ("date-time", "date"):
        from django.utils import timezone

        from civicgrid.core import clock

        moment = timezone.localtime(clock.now() + timedelta(days=2)).replace(hour=10, minute=0, microsecond=0)
        return moment.isoformat() if fmt == "date-time" else moment.date().isoformat()
    return "x"


def request_kwargs(operation: dict) -> dict:
    body = operation.get("requestBody")
    if not body:
        return {}
    components = SCHEMA["components"]["schemas"]
    content = body["content"]
    if "application/json" in content:
        return {
            "data": _example(content["application/json"]["schema"], components),
            "content_type": "application/json",
        }
    form = content["multipart/form-data"]["schema"]
    return {"data": {k: v for k, v in _example(form, components).items() if not isinstance(v, list)}}


@pytest.mark.parametrize("key", [_param(key, key, API[key]) for key in OPERATIONS if key in API])
def test_api(key, world, db):
    entry = API[key]
    method, template = key.split(" ", 1)
    override = world.overrides.get(key, {})
    url = fill(world, key, re.sub(r"\{(\w+)\}", r"<\1>", template).lstrip("/"))
    if "body" in override:
        kwargs = {"data": override["body"], "content_type": "application/json"}
    elif "?" in override:
        kwargs = {"data": override["?"]}
    else:
        kwargs = request_kwargs(OPERATIONS[key])

    def requests(caller, allowed):
        yield call(world, caller, method, url, **kwargs), True, method == "GET", True

    _run(entry, world, requests, callers_for(entry))


# ---------------------------------------------------------------- what a one-role matrix cannot see
# The matrix gives each persona one role and asks only "in or out". These checks cover an account
# with two roles in two places, and what the report API lets a reporter choose.


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        # The pages refuse (404): the controls.
        ("POST", "/registry/people/{person_b}/reveal/", None),
        ("POST", "/registry/people/{person_b}/edit/", {"full_name": "王芳芳", "reason": "更正"}),
        ("POST", "/registry/households/{household_b}/verify/", None),
        # The API lets the account in.
        ("POST", "/api/v1/registry/people/{person_b}/reveal", None),
        ("PATCH", "/api/v1/registry/people/{person_b}", {"full_name": "王芳芳", "reason": "更正"}),
        ("POST", "/api/v1/registry/households/{household_b}/verify", None),
    ],
)
def test_registry_edit_and_reveal_stay_in_their_places(method, url, body, world, db):
    """Community head of A and supervisor of the street: reads community B's registry, may not change it
    or reveal its ID numbers (the reveal is also what the audit trail would show as allowed)."""
    url = url.format(**world.ids)
    kwargs = {"data": body or {}}
    if url.startswith("/api/") and body:
        kwargs["content_type"] = "application/json"
    answer = call(world, "two_roles", method, url, **kwargs)
    assert answer.status in (403, 404), str(answer)
    assert not answer.writes, answer.writes


@pytest.mark.parametrize(
    ("caller", "body"),
    [
        ("volunteer", {"category": "municipal", "description": "井盖缺失", "channel": "hotline"}),
        ("assistant_a", {"category": "municipal", "description": "井盖缺失", "channel": "agency"}),
        # The assistant naming the channel the page would give: confirmed by the grid worker first.
        ("assistant_a", {"category": "municipal", "description": "井盖缺失", "channel": "patrol"}),
    ],
)
def test_report_api_follows_the_report_page(caller, body, world, db):
    """What the page lets a reporter choose, the API must not widen."""
    from civicgrid.cases.models import Case, Category
    from civicgrid.cases.services import channel_for

    body = body | {"grid_id": world.ids["grid_id"]}
    answer = call(world, caller, "POST", "/api/v1/cases", data=body, content_type="application/json")
    user = world.users[caller]
    if user.kind != "staff":  # the page offers volunteers the rewarded categories only
        assert answer.status in (400, 403), str(answer)
        return
    assert answer.status == 201, str(answer)
    case = Case.objects.filter(reporter=user).latest("pk")
    assert case.channel == channel_for(user=user, category=Category.objects.get(code=body["category"]))
    assert case.status == "reported"  # an assistant's report waits for the grid worker
