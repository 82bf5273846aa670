"""No list costs more queries for more rows: every list page and list operation of the API, counted with
a few rows and with many, must run the same number of SQL queries.

Each case (`CASES`) names a route of the access table (`access_table.py`), the caller who sees the
most of it, and how to add one row with the objects the row shows. The test counts the queries of
the list with `SMALL` rows and with `LARGE` rows (`query_counts_support.counts`); a missing
select_related / prefetch_related shows as a count that grows with the rows. Every GET route and
operation of the access table is either a case here or in `NOT_LISTS` with the reason, so a new list
route fails `test_every_list_route_is_counted` until it has a case.

The world is the access matrix's (`test_access_matrix._build`), built once per module in a
transaction rolled back at the end; each test adds its rows in a savepoint of it.

Run: `pytest civicgrid/core/tests/test_query_counts.py` (SQLite, or PostgreSQL with DATABASE_URL). With
QUERY_COUNTS_FILE=path, each list's two counts are appended to that file as JSON lines.
"""

import json
import os
from datetime import timedelta

import pytest

from civicgrid.org.choices import Role

from .access_table import PAGES
from .query_counts_support import LARGE, SMALL, ListCase, build_world, counts, jpeg
from .test_access_matrix import OPERATIONS, PAGE_ROUTES

# ---------------------------------------------------------------- row makers (one row per call)


def _now():
    from civicgrid.core import clock

    return clock.now()


def add_unit(ctx, n):
    from civicgrid.org.choices import UnitKind
    from civicgrid.org.services import org_unit_create

    x = 120.0 + n / 1000  # a small square inside community A, for the maps
    square = [[x, 30.0], [x + 0.001, 30.0], [x + 0.001, 30.001], [x, 30.001], [x, 30.0]]
    org_unit_create(
        parent=ctx.tree.community_a,
        kind=UnitKind.GRID,
        name=f"测网格{n}",
        code=f"339901001001{100 + n:03}",
        boundary={"type": "Polygon", "coordinates": [square]},
    )


def add_member(ctx, n):
    from civicgrid.core.testing import make_user

    make_user(f"qc_staff_{n}", unit=ctx.tree.grid_a1, role=Role.GRID_ASSISTANT, full_name=f"测员{n}")


def add_audit_event(ctx, n):
    from civicgrid.audit.services import audit_record

    audit_record(
        action="update",
        actor=ctx.u["community_head_a"],
        obj=ctx.tree.grid_a1,
        details={"n": n},
        actor_name=f"qc{n}",
    )


def add_notification(ctx, n):
    from civicgrid.notifications.models import Notification

    for who in ("resident", "grid_worker_a"):
        Notification.objects.create(
            user=ctx.u[who],
            kind="qc",
            title=f"测通知{n}",
            body="内容",
            key=f"qc-{who}-{n}",
            created_at=_now(),
        )


def _household(ctx, n, grid=None):
    from civicgrid.registry.models import Building, Entrance, Household, Room

    grid = grid or ctx.tree.grid_a1
    building = Building.objects.create(grid=grid, road=f"测试路{n}号", name=f"{n}幢")
    entrance = Entrance.objects.create(building=building, name="1单元")
    room = Room.objects.create(entrance=entrance, grid=grid, number=f"{n}01", floor=1)
    return Household.objects.create(room=room, grid=grid)


def _id_number(n: int) -> str:
    from civicgrid.registry.validators import id_check_digit

    first17 = f"3301021980{n:02}01{100 + n:03}"[:17]
    return first17 + id_check_digit(first17)


def add_person(ctx, n):
    from civicgrid.registry import services as registry
    from civicgrid.registry.models import ServiceGroup

    household = _household(ctx, n)
    person = registry.person_create(
        actor=None,
        household=household,
        full_name=f"张测{n}",
        id_number=_id_number(n),
        phone=f"139{n:08}",
        relation="head",
        residence_type="registered",
        reason="建档",
    )
    registry.vehicle_add(actor=None, household=household, plate=f"浙A{n:05}", owner=person, reason="建档")
    group, _ = ServiceGroup.objects.get_or_create(code="elderly_alone", defaults={"name": "独居老人"})
    registry.person_tag(actor=None, person=person, group=group, grade=2, reason="建档")
    return person


def add_conflict(ctx, n):
    from civicgrid.registry.models import Conflict, ImportBatch

    person = add_person(ctx, n)
    batch = ImportBatch.objects.get(pk=ctx.ids["batch_id"])
    Conflict.objects.create(
        batch=batch, person=person, grid=person.grid, field="phone", registry_value="1", source_value="2"
    )


def add_import_batch(ctx, n):
    from civicgrid.registry.models import ImportBatch, ImportSource

    source = ImportSource.objects.create(name=f"测来源{n}", kind="public_security")
    ImportBatch.objects.create(source=source, file_name=f"p{n}.csv", created_by=ctx.u["platform_admin"])


# cases


def _category(code="municipal"):
    from civicgrid.cases.models import Category

    return Category.objects.get(code=code)


def add_case(ctx, n, *, status=None, warning="", claim=False, reporter="grid_worker_a", photo=True):
    from civicgrid.cases import services as cases
    from civicgrid.cases.models import Case, CasePhoto

    grid = ctx.tree.grid_a1 if n % 2 else ctx.tree.grid_a2
    case = cases.case_report(
        actor=ctx.u[reporter],
        channel="patrol",
        category=_category(),
        description=f"测试问题{n}",
        grid=grid,
    )
    if photo:
        CasePhoto.objects.create(case=case, image=jpeg(f"c{n}.jpg"))
    if claim:
        case = cases.case_claim(
            case=case, actor=ctx.u["grid_worker_a"] if n % 2 else ctx.u["community_head_a"]
        )
    fields = {}
    if status:
        fields["status"] = status
    if warning:
        fields["warning_level"] = warning
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
    return case


# fieldwork


def add_my_day(ctx, n):
    """A household due a visit (a tagged person of the programme's group), a claimed case, a visit."""
    from civicgrid.fieldwork import services as fieldwork

    add_person(ctx, n)
    add_case(ctx, n, claim=True)
    fieldwork.visit_record(actor=ctx.u["grid_worker_a"], household=_household(ctx, 100 + n), notes=f"走访{n}")


def add_policy_item(ctx, n):
    from civicgrid.fieldwork.models import ServiceLine
    from civicgrid.fieldwork.services import item_save

    line = ServiceLine.objects.create(code=f"qc{n}", name=f"测条线{n}")
    item_save(line=line, code=f"QC-{n:03}", title=f"测事项{n}", materials=["身份证"], documents=[])


def add_study(ctx, n):
    from civicgrid.fieldwork import services as fieldwork

    author = ctx.u["grid_worker_a"] if n % 2 else ctx.u["community_head_a"]
    study = fieldwork.study_create(
        actor=author,
        community=ctx.tree.community_a,
        title=f"测案例{n}",
        body="网格员陪同居民到街道服务站办理手续，一周内办结，居民很满意。",
    )
    fieldwork.study_comment(actor=ctx.u["community_head_a"], study=study, body="学习了")


def add_worklog(ctx, n):
    from civicgrid.fieldwork import services as fieldwork

    worker = ctx.u["grid_worker_a"]
    case = add_case(ctx, n, claim=True)
    visit, _ = fieldwork.visit_record(actor=worker, household=_household(ctx, 100 + n), notes=f"走访{n}")
    fieldwork.worklog_add(
        actor=worker,
        unit=ctx.tree.grid_a1,
        day=_now().date() - timedelta(days=n % 3),
        body=f"测日志{n}",
        cases=[case],
        visits=[visit],
    )


def add_programme(ctx, n):
    from civicgrid.core import clock
    from civicgrid.fieldwork import services as fieldwork
    from civicgrid.registry.models import ServiceGroup

    fieldwork.programme_create(
        actor=ctx.u["community_head_a"] if n % 2 else ctx.u["street_leader"],
        unit=ctx.tree.community_a if n % 2 else ctx.tree.street,
        name=f"测走访{n}",
        starts_on=clock.today() - timedelta(days=n),
        ends_on=clock.today() + timedelta(days=30),
        groups=list(ServiceGroup.objects.all()),
    )


# portal


def add_points(ctx, n):
    from civicgrid.portal import services as portal

    portal.points_award(user=ctx.u["resident"], rule_code="vote", once_key=f"qc-{n}", note=f"测积分{n}")


def add_reward(ctx, n):
    from civicgrid.portal.models import Reward

    unit = ctx.tree.community_a if n % 2 else ctx.tree.street
    Reward.objects.create(unit=unit, name=f"测奖品{n}", cost=10 + n, stock=5)


def add_redemption(ctx, n):
    from civicgrid.core.testing import make_user
    from civicgrid.portal.models import Redemption, Reward

    reward = Reward.objects.create(unit=ctx.tree.community_a, name=f"测奖品{n}", cost=10, stock=5)
    for user in (
        ctx.u["resident"],
        make_user(
            f"qc_res_{n}", unit=ctx.tree.community_a, role=Role.RESIDENT, kind="resident", phone=f"1516{n:07}"
        ),
    ):
        Redemption.objects.create(user=user, reward=reward, cost=10, status="requested", created_at=_now())


def add_verification(ctx, n):
    from civicgrid.core.testing import make_user
    from civicgrid.portal.models import Verification

    user = make_user(
        f"qc_ver_{n}", unit=ctx.tree.community_a, role=Role.RESIDENT, kind="resident", phone=f"1526{n:07}"
    )
    person = add_person(ctx, n)
    Verification.objects.create(
        user=user,
        full_name=f"申请{n}",
        id_masked="3301**********0000",
        person=person,
        unit=ctx.tree.grid_a1,
        status="pending",
        created_at=_now(),
    )


def add_org_application(ctx, n):
    from civicgrid.core.testing import make_user
    from civicgrid.portal.models import OrganisationApplication

    user = make_user(f"qc_org_{n}", kind="organisation", phone=f"1536{n:07}")
    OrganisationApplication.objects.create(
        user=user,
        name=f"测公司{n}",
        kind="enterprise",
        community=ctx.tree.community_a,
        status="pending",
        created_at=_now(),
    )


def add_active_resident(ctx, n):
    from civicgrid.core.testing import make_user
    from civicgrid.portal import services as portal

    user = make_user(
        f"qc_act_{n}", unit=ctx.tree.community_a, role=Role.RESIDENT, kind="resident", phone=f"1576{n:07}"
    )
    portal.points_award(user=user, rule_code="activity", once_key=f"qc-{n}", note="活动")


def add_suggestion(ctx, n):
    from civicgrid.cases.models import CasePhoto
    from civicgrid.portal import services as portal

    case = portal.suggestion_submit(
        actor=ctx.u["resident"], text=f"测试建议第{n}条，请处理", grid=ctx.tree.grid_a1
    )
    CasePhoto.objects.create(case=case, image=jpeg(f"s{n}.jpg"))
    portal.reply_add(actor=ctx.u["community_head_a"], case=case, body="已收到")
    return case


def add_publication(ctx, n):
    from civicgrid.cases.models import Case
    from civicgrid.portal.models import Publication

    case = add_suggestion(ctx, n)
    Case.objects.filter(pk=case.pk).update(status="closed")
    Publication.objects.create(
        case=case,
        community=ctx.tree.community_a if n % 2 else ctx.tree.community_b,
        title=f"测公示{n}",
        summary="摘要",
        reply="已办",
        published_by=ctx.u["community_head_a"],
        published_at=_now(),
    )


def add_news(ctx, n):
    from civicgrid.portal.models import News

    News.objects.create(
        unit=ctx.tree.community_a if n % 2 else ctx.tree.street,
        title=f"测新闻{n}",
        body="正文",
        image=jpeg(f"n{n}.jpg"),
        author=ctx.u["community_head_a"],
        published_at=_now(),
    )


def _resident(ctx, prefix: str, n: int, *, verified: bool = False):
    """A resident of community A (phone numbers 15x…, apart from the world's)."""
    from civicgrid.core.testing import make_user
    from civicgrid.portal.models import Verification

    user = make_user(
        f"qc_{prefix}_{n}",
        unit=ctx.tree.community_a,
        role=Role.RESIDENT,
        kind="resident",
        phone=f"15{PHONE_PREFIX[prefix]}{n:08}",
        full_name=f"居民{prefix}{n}",
    )
    if verified:
        Verification.objects.create(
            user=user,
            full_name=user.full_name,
            id_masked="3301**********0000",
            unit=ctx.tree.grid_a1,
            status="confirmed",
            created_at=_now(),
        )
    return user


PHONE_PREFIX = {"book": 1, "act": 2, "org": 3, "poll": 4, "mkt": 5, "vote": 6, "sign": 7, "rep": 8}


# bookings


def _resource(ctx, n, *, needs_approval=False, unit=None):
    from datetime import time

    from civicgrid.bookings.models import OpeningHours, Resource

    now = _now()
    resource = Resource.objects.create(
        unit=unit or (ctx.tree.community_a if n % 2 else ctx.tree.street),
        kind="room",
        name=f"测场地{n}",
        capacity=10,
        needs_approval=needs_approval,
        slot_minutes=60,
        created_by=ctx.u["community_head_a"],
        created_at=now,
        updated_at=now,
    )
    for weekday in range(7):
        OpeningHours.objects.create(resource=resource, weekday=weekday, opens=time(8), closes=time(21))
    return resource


def _book(ctx, resource, who="resident", hour=10):
    from datetime import datetime, time

    from django.utils import timezone

    from civicgrid.bookings import services as bookings
    from civicgrid.core import clock

    day = clock.localdate(_now()) + timedelta(days=2)
    return bookings.booking_create(
        actor=ctx.u[who] if isinstance(who, str) else who,
        resource=resource,
        starts_at=timezone.make_aware(datetime.combine(day, time(hour))),
        ends_at=timezone.make_aware(datetime.combine(day, time(hour + 1))),
        attendees=2,
        purpose="开会",
    )


def add_resource(ctx, n):
    _resource(ctx, n)


def add_my_booking(ctx, n):
    _book(ctx, _resource(ctx, n))


def add_pending_booking(ctx, n):
    resource = _resource(ctx, n, needs_approval=True, unit=ctx.tree.community_a)
    _book(ctx, resource, who=_resident(ctx, "book", n, verified=True))


# activities


def _activity(ctx, n, *, past=False, organiser="community_head_a"):
    from civicgrid.activities.services.activities import activity_create

    starts = _now() + (timedelta(days=-3) if past else timedelta(days=3 + n))
    return activity_create(
        actor=ctx.u[organiser],
        unit=ctx.tree.community_a,
        title=f"测活动{n}",
        description="活动说明。",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="活动室",
        capacity=20,
        audience="all",
    )


def _signups(ctx, activity, n):
    from civicgrid.activities.services.signups import signup_create

    for who in (ctx.u["resident"], _resident(ctx, "act", n, verified=True)):
        signup_create(actor=who, activity=activity)


def add_activity(ctx, n):
    _signups(ctx, _activity(ctx, n), n)


def add_past_activity_with_photo(ctx, n):
    from civicgrid.activities.models import Activity, ActivityPhoto

    activity = _activity(ctx, n)
    past = _now() - timedelta(days=n)
    Activity.objects.filter(pk=activity.pk).update(starts_at=past - timedelta(hours=2), ends_at=past)
    ActivityPhoto.objects.create(
        activity=activity,
        image=jpeg(f"a{n}.jpg"),
        status="visible",
        uploaded_by=ctx.u["community_head_a"],
        uploaded_at=_now(),
    )


def add_attendee(ctx, n):
    from civicgrid.activities.models import Activity
    from civicgrid.activities.services.signups import signup_create

    activity = Activity.objects.get(pk=ctx.ids["activity_id"])
    signup_create(actor=_resident(ctx, "act", n, verified=True), activity=activity)


# social organisations


def add_socialorg(ctx, n):
    from civicgrid.socialorgs import services as socialorgs

    org = socialorgs.socialorg_create(
        actor=ctx.u["community_head_a"],
        name=f"测社团{n}",
        category="culture",
        unit=ctx.tree.community_a,
        introduction="一个社团。",
        admin_phone="13700000001",
    )
    socialorgs.join_request_create(actor=_resident(ctx, "org", n), org=org, message="想参加")
    return org


def add_join_request(ctx, n):
    from civicgrid.socialorgs import services as socialorgs
    from civicgrid.socialorgs.models import SocialOrg

    org = SocialOrg.objects.get(pk=ctx.ids["org_id"])
    socialorgs.join_request_create(actor=_resident(ctx, "org", n), org=org, message=f"想参加{n}")


def add_member_and_request(ctx, n):
    from civicgrid.socialorgs import services as socialorgs
    from civicgrid.socialorgs.models import SocialOrg

    org = SocialOrg.objects.get(pk=ctx.ids["org_id"])
    request = socialorgs.join_request_create(actor=_resident(ctx, "org", n), org=org, message=f"想参加{n}")
    socialorgs.join_request_decide(actor=ctx.u["org_admin"], join_request=request, accept=True)
    socialorgs.join_request_create(actor=_resident(ctx, "sign", n), org=org, message=f"也想参加{n}")


def add_my_request(ctx, n):
    from civicgrid.socialorgs import services as socialorgs

    org = add_socialorg(ctx, n)
    request = socialorgs.join_request_create(actor=ctx.u["resident"], org=org, message="想参加")
    if n % 2:
        socialorgs.join_request_decide(actor=ctx.u["org_admin"], join_request=request, accept=True)


# polls and surveys


def _window(closed=False):
    now = _now()
    if closed:
        return {"opens_at": now - timedelta(days=5), "closes_at": now - timedelta(days=1)}
    return {"opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=3)}


def _poll(ctx, n, *, closed=False):
    from civicgrid.polls.models import Poll
    from civicgrid.polls.services import polls

    poll = polls.poll_create(
        actor=ctx.u["community_head_a"],
        unit=ctx.tree.community_a,
        title=f"测投票{n}",
        description="选一个。",
        options=["早上", "中午", "晚上"],
        kind="single",
        results_visibility="always",
        **_window(),
    )
    polls.poll_publish(actor=ctx.u["community_head_a"], poll=poll)
    poll.refresh_from_db()
    polls.vote_cast(
        actor=_resident(ctx, "vote", n, verified=True), poll=poll, option_ids=[poll.options.first().pk]
    )
    if closed:
        Poll.objects.filter(pk=poll.pk).update(**_window(closed=True))
    return poll


def _survey(ctx, n, *, closed=False):
    from civicgrid.polls.models import Survey
    from civicgrid.polls.services import surveys

    survey = surveys.survey_create(
        actor=ctx.u["community_head_a"],
        unit=ctx.tree.community_a,
        title=f"测调研{n}",
        intro="两分钟。",
        **_window(),
    )
    surveys.question_add(
        actor=ctx.u["community_head_a"], survey=survey, kind="single", text="年限", options=["短", "长"]
    )
    surveys.survey_publish(actor=ctx.u["community_head_a"], survey=survey)
    if closed:
        Survey.objects.filter(pk=survey.pk).update(**_window(closed=True))
    return survey


def add_open_items(ctx, n):
    _poll(ctx, n)
    _survey(ctx, n)


def add_closed_items(ctx, n):
    _poll(ctx, n, closed=True)
    _survey(ctx, n, closed=True)


def add_poll(ctx, n):
    _poll(ctx, n, closed=bool(n % 2))


def add_survey(ctx, n):
    _survey(ctx, n, closed=bool(n % 2))


# market


def _listing(ctx, n, *, publish=True, seller=None):
    from civicgrid.market import services as market
    from civicgrid.market.models import ListingPhoto

    seller = seller or (ctx.u["resident"] if n % 2 else _resident(ctx, "mkt", n))
    listing = market.listing_create(actor=seller, title=f"测物品{n}", price=str(10 + n) if n % 3 else None)
    for position in range(2):
        ListingPhoto.objects.create(listing=listing, image=jpeg(f"l{n}{position}.jpg"), position=position)
    if publish:
        listing = market.listing_publish(actor=ctx.u["community_head_a"], listing=listing)
    return listing


def add_listing(ctx, n):
    _listing(ctx, n)


def add_my_listing(ctx, n):
    _listing(ctx, n, publish=bool(n % 2), seller=ctx.u["resident"])


def add_moderation_items(ctx, n):
    from civicgrid.market import services as market

    _listing(ctx, n, publish=False)
    reported = _listing(ctx, 100 + n)
    market.listing_report(actor=ctx.u["volunteer"], listing=reported, reason="虚假信息")
    _merchant(ctx, n, pending=True)


def _merchant(ctx, n, *, pending=False):
    from civicgrid.core.testing import make_user
    from civicgrid.market import services as market
    from civicgrid.market.models import Merchant

    owner = make_user(
        f"qc_shop_{n}",
        unit=ctx.tree.community_a,
        role=Role.ORG_ADMIN,
        kind="organisation",
        phone=f"1589{n:07}",
    )
    merchant = market.merchant_create(
        actor=ctx.u["community_head_a"],
        community=ctx.tree.community_a,
        owner=owner,
        name=f"测商户{n}",
        category="food",
        address=f"凯旋路{n}号",
        lat=30.05 + n / 10000,
        lng=120.02,
        hours="6:00-10:00",
        offers="",
        phone="",
    )
    if pending:
        Merchant.objects.filter(pk=merchant.pk).update(status="pending")
    return merchant


def add_merchant(ctx, n):
    _merchant(ctx, n)


# integrations


def add_api_key(ctx, n):
    from civicgrid.integrations.services import api_key_create

    unit = ctx.tree.grid_a1 if n % 2 else ctx.tree.grid_a2
    api_key_create(actor=ctx.u["platform_admin"], name=f"测系统{n}", unit=unit, role="grid_worker")


def open311_key(ctx) -> dict:
    """A departmental system's key (the world's key is kept hashed only, so one more is made)."""
    from civicgrid.integrations.services import api_key_create

    _key, full = api_key_create(
        actor=ctx.u["platform_admin"],
        name="测开放接口",
        unit=ctx.tree.grid_a1,
        role="grid_worker",
        rate_per_minute=1000,
    )
    return {"X-API-Key": full}


# scoring and the cockpit


def scoring_params(ctx) -> dict:
    """A scheme of grid workers over the street (its period of this month open); its ranking of this month."""
    from civicgrid.core import clock
    from civicgrid.scoring.models import ScoreScheme
    from civicgrid.scoring.services import period_get

    today = clock.today()
    scheme, _ = ScoreScheme.objects.get_or_create(
        name="测网格员考核",
        defaults={"area": ctx.tree.street, "target_kind": "worker", "starts_on": today.replace(day=1)},
    )
    period_get(scheme=scheme, day=today)
    return {"scheme": scheme.pk, "scheme_id": scheme.pk, "year": today.year, "month": today.month}


def add_scored_worker(ctx, n):
    from decimal import Decimal

    from civicgrid.core import clock
    from civicgrid.core.testing import make_user
    from civicgrid.scoring.models import ScoreScheme
    from civicgrid.scoring.services import entry_adjust, period_get

    grid = ctx.tree.grid_a1 if n % 2 else ctx.tree.grid_a2
    worker = make_user(f"qc_gw_{n}", unit=grid, role=Role.GRID_WORKER, full_name=f"网格员{n}")
    scheme = ScoreScheme.objects.get(name="测网格员考核")
    period = period_get(scheme=scheme, day=clock.today())
    for points in ("2", "-1"):
        entry_adjust(
            period=period,
            unit=grid,
            user=worker,
            points=Decimal(points),
            reason="测试",
            actor=ctx.u["street_leader"],
        )


def add_scheme(ctx, n):
    from civicgrid.core import clock
    from civicgrid.scoring.models import ScoreScheme

    ScoreScheme.objects.create(
        name=f"测方案{n}",
        area=ctx.tree.community_a if n % 2 else ctx.tree.street,
        target_kind="grid",
        starts_on=clock.today().replace(day=1),
    )


def add_visit(ctx, n):
    from civicgrid.fieldwork import services as fieldwork

    worker = ctx.u["grid_worker_a"] if n % 2 else ctx.u["community_head_a"]
    fieldwork.visit_record(actor=worker, household=_household(ctx, 100 + n), notes=f"走访{n}")


def add_community(ctx, n):
    from civicgrid.org.choices import UnitKind
    from civicgrid.org.services import org_unit_create

    org_unit_create(
        parent=ctx.tree.street, kind=UnitKind.COMMUNITY, name=f"测社区{n}", code=f"339901001{100 + n:03}"
    )


# lists of related rows on an object's page


def add_room(ctx, n):
    from civicgrid.registry import services as registry
    from civicgrid.registry.models import Building, Household, Room

    entrance = Building.objects.get(pk=ctx.ids["building_id"]).entrances.first()
    room = Room.objects.create(entrance=entrance, grid=ctx.tree.grid_a1, number=f"{n + 4}01", floor=n + 4)
    household = Household.objects.create(room=room, grid=ctx.tree.grid_a1)
    registry.person_create(
        actor=None, household=household, full_name=f"李测{n}", relation="head", reason="建档"
    )


def add_household_member(ctx, n):
    from civicgrid.registry import services as registry
    from civicgrid.registry.models import Household, ServiceGroup

    household = Household.objects.get(pk=ctx.ids["household_id"])
    person = registry.person_create(
        actor=None, household=household, full_name=f"张家{n}", relation="child", reason="建档"
    )
    registry.vehicle_add(actor=None, household=household, plate=f"浙B{n:05}", owner=person, reason="建档")
    registry.person_tag(
        actor=None,
        person=person,
        group=ServiceGroup.objects.get(code="elderly_alone"),
        grade=1,
        reason="建档",
    )


def add_import_row(ctx, n):
    from civicgrid.registry.models import ImportRow

    person = add_person(ctx, n)
    ImportRow.objects.create(
        batch_id=ctx.ids["batch_id"],
        number=n,
        status="conflict",
        errors=[f"第{n}行"],
        person=person,
        room=person.household.room,
    )


def _hall_week(ctx) -> dict:
    from civicgrid.core import clock

    return {"week": (clock.localdate(_now()) + timedelta(days=2)).isoformat()}


def add_hall_booking(ctx, n):
    from civicgrid.bookings.models import Resource

    hall = Resource.objects.get(pk=ctx.ids["resource_id"])
    _book(
        ctx,
        hall,
        who=_resident(ctx, "book", n, verified=True),
        hour=[8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19][n - 1],
    )


def add_activity_photo(ctx, n):
    from civicgrid.activities.models import ActivityPhoto

    ActivityPhoto.objects.create(
        activity_id=ctx.ids["activity_id"],
        image=jpeg(f"p{n}.jpg"),
        status="pending" if n % 2 else "visible",
        uploaded_by=_resident(ctx, "act", n, verified=True),
        uploaded_at=_now(),
    )


def add_case_event(ctx, n):
    from civicgrid.cases.models import CaseEvent, CasePhoto

    event = CaseEvent.objects.create(
        case_id=ctx.ids["case_id"],
        kind="confirmed",
        actor=ctx.u["grid_worker_a"] if n % 2 else ctx.u["community_head_a"],
        unit=ctx.tree.grid_a1 if n % 2 else ctx.tree.community_a,
        at=_now(),
        note=f"测进展{n}",
    )
    CasePhoto.objects.create(case_id=ctx.ids["case_id"], event=event, image=jpeg(f"e{n}.jpg"))


def _visit_with_case(ctx, n, **target):
    from civicgrid.fieldwork import services as fieldwork

    visitor = ctx.u["grid_worker_a"] if n % 2 else ctx.u["community_head_a"]
    visit, _ = fieldwork.visit_record(actor=visitor, notes=f"走访{n}", **target)
    visit.cases.add(add_case(ctx, n, photo=False))


def add_household_visit(ctx, n):
    from civicgrid.registry.models import Household

    _visit_with_case(ctx, n, household=Household.objects.get(pk=ctx.ids["household_id"]))


def add_organisation_visit(ctx, n):
    from civicgrid.registry.models import Organisation

    _visit_with_case(ctx, n, organisation=Organisation.objects.get(pk=ctx.ids["organisation_id"]))


def add_study_comment(ctx, n):
    from civicgrid.fieldwork import services as fieldwork
    from civicgrid.fieldwork.models import CaseStudy

    author = ctx.u["grid_worker_a"] if n % 2 else ctx.u["community_head_a"]
    fieldwork.study_comment(
        actor=author, study=CaseStudy.objects.get(pk=ctx.ids["study_id"]), body=f"测评论{n}"
    )


def add_question(ctx, n):
    from civicgrid.polls.models import Question, QuestionOption

    question = Question.objects.create(
        survey_id=ctx.ids["survey_id"], position=n + 1, kind="single", text=f"测题{n}"
    )
    for position, text in enumerate(("是", "否")):
        QuestionOption.objects.create(question=question, position=position, text=text)


def add_reply(ctx, n):
    from civicgrid.cases.models import Case, CasePhoto
    from civicgrid.portal import services as portal

    case = Case.objects.get(pk=ctx.ids["suggestion_id"])
    author = ctx.u["community_head_a"] if n % 2 else ctx.u["grid_worker_a"]
    portal.reply_add(actor=author, case=case, body=f"测答复{n}")
    CasePhoto.objects.create(case=case, image=jpeg(f"r{n}.jpg"))


def add_org_photo(ctx, n):
    from civicgrid.socialorgs.models import SocialOrgPhoto

    SocialOrgPhoto.objects.create(
        org_id=ctx.ids["org_id"], image=jpeg(f"o{n}.jpg"), posted_by=ctx.u["org_admin"], posted_at=_now()
    )


def add_listing_photo(ctx, n):
    from civicgrid.market.models import ListingPhoto

    ListingPhoto.objects.create(listing_id=ctx.ids["listing_id"], image=jpeg(f"lp{n}.jpg"), position=n)


def _suggestion_id(ctx) -> int:
    """The world's suggestion (the access matrix names it in its overrides, not its ids)."""
    from civicgrid.cases.models import Case

    ctx.ids["suggestion_id"] = (
        Case.objects.filter(channel="suggestion", reporter=ctx.u["resident"]).earliest("pk").pk
    )
    return ctx.ids["suggestion_id"]


# ---------------------------------------------------------------- the cases


NEAR = {"lat": 30.05, "lng": 120.02}  # the world's merchant and the rows' are near


def api(path):
    return f"/api/v1{path}"


CASES: list[ListCase] = [
    # org, audit, inbox
    ListCase("org:tree", "platform_admin", add_unit, "/org/", world_rows=3),
    ListCase("org:people", "platform_admin", add_member, "/org/people/", data={"q": "测员"}, world_rows=0),
    ListCase("GET /api/v1/org/units", "platform_admin", add_unit, api("/org/units"), world_rows=3),
    ListCase(
        "GET /api/v1/org/units/{unit_id}/members",
        "platform_admin",
        add_member,
        lambda ctx: api(f"/org/units/{ctx.tree.grid_a1.pk}/members"),
        world_rows=3,
    ),
    ListCase("audit:list", "platform_admin", add_audit_event, "/audit/", data={"actor": "qc"}, world_rows=0),
    ListCase("notifications:inbox", "resident", add_notification, "/inbox/", world_rows=0, label="resident"),
    ListCase(
        "notifications:inbox", "grid_worker_a", add_notification, "/inbox/", world_rows=0, label="staff"
    ),
    # registry
    ListCase("registry:search", "community_head_a", add_person, "/registry/search/", data={"q": "张"}),
    ListCase(
        "GET /api/v1/registry/people",
        "community_head_a",
        add_person,
        api("/registry/people"),
        data={"q": "张"},
    ),
    ListCase("registry:conflicts", "community_head_a", add_conflict, "/registry/conflicts/"),
    ListCase("registry:imports", "platform_admin", add_import_batch, "/registry/imports/"),
    ListCase(
        "registry:grid", "community_head_a", add_person, lambda ctx: f"/registry/grids/{ctx.tree.grid_a1.pk}/"
    ),
    # cases: the centre's tabs
    ListCase("cases:centre", "dispatcher", add_case, "/cases/", label="waiting", world_rows=1),
    ListCase(
        "cases:centre",
        "grid_worker_a",
        lambda ctx, n: add_case(ctx, n, claim=True),
        "/cases/",
        data={"tab": "mine"},
        label="mine",
    ),
    ListCase(
        "cases:centre", "dispatcher", add_case, "/cases/", data={"tab": "open"}, label="open", world_rows=2
    ),
    ListCase(
        "cases:centre",
        "dispatcher",
        lambda ctx, n: add_case(ctx, n, status="reported"),
        "/cases/",
        data={"tab": "confirm"},
        label="confirm",
        world_rows=0,
    ),
    ListCase(
        "cases:centre",
        "dispatcher",
        lambda ctx, n: add_case(ctx, n, status="dispatcher_queue"),
        "/cases/",
        data={"tab": "queue"},
        label="queue",
        world_rows=0,
    ),
    ListCase(
        "cases:centre",
        "dispatcher",
        add_case,
        "/cases/",
        headers={"HX-Request": "true"},
        label="rows",
        world_rows=1,
    ),
    ListCase("cases:mine", "grid_worker_a", add_case, "/cases/mine/", world_rows=2),
    ListCase(
        "cases:warnings",
        "dispatcher",
        lambda ctx, n: add_case(ctx, n, warning="I" if n % 2 else "III", claim=True),
        "/cases/warnings/",
        world_rows=0,
    ),
    ListCase("GET /api/v1/cases", "dispatcher", add_case, api("/cases"), world_rows=2),
    # fieldwork
    ListCase("fieldwork:my_day", "grid_worker_a", add_my_day, "/fieldwork/", world_rows=0),
    ListCase(
        "GET /api/v1/fieldwork/my-day", "grid_worker_a", add_my_day, api("/fieldwork/my-day"), world_rows=0
    ),
    ListCase("fieldwork:policy", "grid_worker_a", add_policy_item, "/fieldwork/policy/"),
    ListCase(
        "GET /api/v1/fieldwork/policy",
        "grid_worker_a",
        add_policy_item,
        api("/fieldwork/policy"),
        data={"q": "测事项"},
        world_rows=0,
    ),
    ListCase("fieldwork:studies", "grid_worker_a", add_study, "/fieldwork/studies/"),
    ListCase("fieldwork:worklog", "community_head_a", add_worklog, "/fieldwork/worklog/", world_rows=0),
    ListCase("fieldwork:programmes", "community_head_a", add_programme, "/fieldwork/programmes/"),
    # portal
    ListCase("portal:points", "resident", add_points, "/portal/points/", world_rows=0),
    ListCase(
        "GET /api/v1/portal/points/entries",
        "resident",
        add_points,
        api("/portal/points/entries"),
        world_rows=0,
    ),
    ListCase("GET /api/v1/portal/rewards", "resident", add_reward, api("/portal/rewards")),
    ListCase("portal:points", "resident", add_reward, "/portal/points/", label="rewards"),
    ListCase("GET /api/v1/portal/redemptions", "resident", add_redemption, api("/portal/redemptions")),
    ListCase("portal:verifications", "community_head_a", add_verification, "/portal/staff/verifications/"),
    ListCase(
        "GET /api/v1/portal/staff/verifications",
        "community_head_a",
        add_verification,
        api("/portal/staff/verifications"),
    ),
    ListCase("portal:redemptions", "community_head_a", add_redemption, "/portal/staff/redemptions/"),
    ListCase(
        "GET /api/v1/portal/staff/redemptions",
        "community_head_a",
        add_redemption,
        api("/portal/staff/redemptions"),
    ),
    ListCase("portal:organisations", "community_head_a", add_org_application, "/portal/staff/organisations/"),
    ListCase(
        "portal:most_active",
        "community_head_a",
        add_active_resident,
        "/portal/staff/most-active/",
        world_rows=0,
    ),
    ListCase("portal:suggestions", "resident", add_suggestion, "/portal/suggestions/"),
    ListCase("GET /api/v1/portal/suggestions", "resident", add_suggestion, api("/portal/suggestions")),
    ListCase("portal:staff_suggestions", "community_head_a", add_suggestion, "/portal/staff/suggestions/"),
    ListCase(
        "GET /api/v1/portal/staff/suggestions",
        "community_head_a",
        add_suggestion,
        api("/portal/staff/suggestions"),
    ),
    ListCase("portal:public", "resident", add_publication, "/portal/public/", cold=True),
    ListCase("GET /api/v1/portal/public", "resident", add_publication, api("/portal/public"), cold=True),
    ListCase("portal:news", "resident", add_news, "/portal/news/", cold=True),
    ListCase("GET /api/v1/portal/news", "resident", add_news, api("/portal/news"), cold=True),
    # bookings
    ListCase("bookings:list", "resident", add_resource, "/portal/resources/", world_rows=2),
    ListCase(
        "GET /api/v1/bookings/resources", "resident", add_resource, api("/bookings/resources"), world_rows=2
    ),
    ListCase("bookings:mine", "resident", add_my_booking, "/portal/resources/mine/", world_rows=2),
    ListCase("GET /api/v1/bookings/mine", "resident", add_my_booking, api("/bookings/mine"), world_rows=2),
    ListCase("bookings:manage", "community_head_a", add_pending_booking, "/portal/resources/manage/"),
    ListCase("GET /api/v1/bookings/queue", "community_head_a", add_pending_booking, api("/bookings/queue")),
    # activities
    ListCase("activities:list", "resident", add_activity, "/portal/activities/"),
    ListCase("GET /api/v1/activities", "resident", add_activity, api("/activities")),
    ListCase("activities:mine", "resident", add_activity, "/portal/activities/mine/", world_rows=0),
    ListCase(
        "activities:mine", "community_head_a", add_activity, "/portal/activities/mine/", label="organiser"
    ),
    ListCase(
        "activities:sharing",
        "resident",
        add_past_activity_with_photo,
        "/portal/activities/sharing/",
        world_rows=0,
    ),
    ListCase("activities:manage", "community_head_a", add_activity, "/portal/activities/staff/"),
    ListCase(
        "activities:attendance",
        "community_head_a",
        add_attendee,
        lambda ctx: f"/portal/activities/{ctx.ids['activity_id']}/attendance/",
        world_rows=0,
    ),
    ListCase(
        "GET /api/v1/activities/{activity_id}/attendance",
        "community_head_a",
        add_attendee,
        lambda ctx: api(f"/activities/{ctx.ids['activity_id']}/attendance"),
        world_rows=0,
    ),
    # social organisations
    ListCase("socialorgs:browse", "resident", add_socialorg, "/portal/groups/"),
    ListCase("GET /api/v1/socialorgs", "resident", add_socialorg, api("/socialorgs")),
    ListCase("socialorgs:mine", "resident", add_my_request, "/portal/groups/mine/"),
    ListCase("socialorgs:staff_orgs", "community_head_a", add_socialorg, "/portal/groups/staff/"),
    ListCase(
        "socialorgs:manage",
        "org_admin",
        add_member_and_request,
        lambda ctx: f"/portal/groups/manage/{ctx.ids['org_id']}/",
    ),
    ListCase(
        "socialorgs:staff_org",
        "community_head_a",
        add_member_and_request,
        lambda ctx: f"/portal/groups/staff/{ctx.ids['org_id']}/",
    ),
    ListCase(
        "GET /api/v1/socialorgs/{org_id}/requests",
        "org_admin",
        add_join_request,
        lambda ctx: api(f"/socialorgs/{ctx.ids['org_id']}/requests"),
    ),
    # polls and surveys
    ListCase("polls:index", "resident", add_open_items, "/portal/polls/", label="open"),
    ListCase("polls:index", "resident", add_closed_items, "/portal/polls/", label="closed", world_rows=0),
    ListCase("GET /api/v1/polls/open", "resident", add_open_items, api("/polls/open")),
    ListCase("polls:staff_list", "community_head_a", add_poll, "/portal/polls/staff/", label="polls"),
    ListCase(
        "polls:staff_list",
        "community_head_a",
        add_survey,
        "/portal/polls/staff/",
        data={"show": "surveys"},
        label="surveys",
    ),
    # market
    ListCase("market:listings", "resident", add_listing, "/portal/market/"),
    ListCase("GET /api/v1/market/listings", "resident", add_listing, api("/market/listings")),
    ListCase("market:mine", "resident", add_my_listing, "/portal/market/mine/"),
    ListCase("GET /api/v1/market/listings/mine", "resident", add_my_listing, api("/market/listings/mine")),
    ListCase(
        "market:moderation", "community_head_a", add_moderation_items, "/portal/market/staff/", world_rows=0
    ),
    ListCase(
        "GET /api/v1/market/listings/moderation",
        "community_head_a",
        add_moderation_items,
        api("/market/listings/moderation"),
        world_rows=0,
    ),
    ListCase("market:merchants", "resident", add_merchant, "/portal/market/merchants/", data=NEAR),
    ListCase("GET /api/v1/market/merchants", "resident", add_merchant, api("/market/merchants"), data=NEAR),
    ListCase("market:staff_merchants", "community_head_a", add_merchant, "/portal/market/staff/merchants/"),
    # integrations, Open311 (a departmental system's key, no session)
    ListCase("integrations:keys", "platform_admin", add_api_key, "/integrations/keys/"),
    ListCase(
        "open311:requests",
        None,
        add_case,
        "/open311/v2/requests.json",
        headers=open311_key,
        world_rows=3,
        label="json",
    ),
    ListCase(
        "open311:requests",
        None,
        add_case,
        "/open311/v2/requests.xml",
        headers=open311_key,
        world_rows=3,
        label="xml",
    ),
    ListCase(
        "GET /api/v1/cases", None, add_case, api("/cases"), headers=open311_key, world_rows=2, label="key"
    ),
    # scoring
    ListCase(
        "scoring:rankings", "street_leader", add_scored_worker, "/scoring/", data=scoring_params, world_rows=2
    ),
    ListCase(
        "GET /api/v1/scoring/rankings",
        "street_leader",
        add_scored_worker,
        api("/scoring/rankings"),
        data=scoring_params,
        world_rows=2,
    ),
    ListCase(
        "GET /api/v1/scoring/entries",
        "street_leader",
        add_scored_worker,
        api("/scoring/entries"),
        data=scoring_params,
        world_rows=0,
    ),
    ListCase(
        "GET /api/v1/scoring/schemes", "street_leader", add_scheme, api("/scoring/schemes"), world_rows=0
    ),
    # the cockpit's drill-down
    ListCase("cockpit:cases", "street_leader", add_case, "/cockpit/cases/", world_rows=3, label="cases"),
    ListCase(
        "cockpit:cases",
        "street_leader",
        add_visit,
        "/cockpit/cases/",
        data={"list": "visits"},
        world_rows=0,
        label="visits",
    ),
    ListCase(
        "cockpit:cases",
        "street_leader",
        add_visit,
        "/cockpit/cases/",
        data={"list": "households"},
        world_rows=0,
        label="households",
    ),
    ListCase(
        "cockpit:cases",
        "street_leader",
        add_person,
        "/cockpit/cases/",
        data={"list": "changes"},
        label="changes",
    ),
    ListCase(
        "GET /api/v1/cockpit/areas", "street_leader", add_community, api("/cockpit/areas"), world_rows=2
    ),
    ListCase(
        "GET /api/v1/cockpit/grids",
        "street_leader",
        add_unit,
        api("/cockpit/grids"),
        data=lambda ctx: {"community": ctx.tree.community_a.pk},
        world_rows=2,
    ),
    ListCase(
        "cockpit:boundaries",
        "street_leader",
        add_unit,
        "/cockpit/boundaries/",
        data=lambda ctx: {"community": ctx.tree.community_a.pk},
        world_rows=2,
    ),
    ListCase("registry:home", "community_head_a", add_unit, "/registry/", world_rows=2),
    ListCase("registry:coverage", "community_head_a", add_unit, "/registry/coverage/", world_rows=2),
    # lists of related rows on an object's page
    ListCase(
        "registry:building",
        "community_head_a",
        add_room,
        lambda ctx: f"/registry/buildings/{ctx.ids['building_id']}/",
        world_rows=2,
    ),
    ListCase(
        "registry:household_history",
        "community_head_a",
        add_household_member,
        lambda ctx: f"/registry/households/{ctx.ids['household_id']}/history/",
    ),
    ListCase(
        "registry:household",
        "community_head_a",
        add_household_member,
        lambda ctx: f"/registry/households/{ctx.ids['household_id']}/",
    ),
    ListCase(
        "GET /api/v1/registry/households/{household_id}",
        "community_head_a",
        add_household_member,
        lambda ctx: api(f"/registry/households/{ctx.ids['household_id']}"),
    ),
    ListCase(
        "registry:import_batch",
        "platform_admin",
        add_import_row,
        lambda ctx: f"/registry/imports/{ctx.ids['batch_id']}/",
        world_rows=0,
    ),
    ListCase(
        "bookings:calendar",
        "community_head_a",
        add_hall_booking,
        lambda ctx: f"/portal/resources/manage/{ctx.ids['resource_id']}/calendar/",
        data=_hall_week,
    ),
    ListCase(
        "activities:photos",
        "community_head_a",
        add_activity_photo,
        lambda ctx: f"/portal/activities/{ctx.ids['activity_id']}/photos/",
    ),
    ListCase(
        "activities:detail",
        "community_head_a",
        add_attendee,
        lambda ctx: f"/portal/activities/{ctx.ids['activity_id']}/",
        world_rows=0,
    ),
    ListCase("cases:detail", "community_head_a", add_case_event, lambda ctx: f"/cases/{ctx.ids['case_id']}/"),
    ListCase(
        "fieldwork:household",
        "grid_worker_a",
        add_household_visit,
        lambda ctx: f"/fieldwork/households/{ctx.ids['household_id']}/",
        world_rows=0,
    ),
    ListCase(
        "fieldwork:organisation",
        "grid_worker_a",
        add_organisation_visit,
        lambda ctx: f"/fieldwork/organisations/{ctx.ids['organisation_id']}/",
        world_rows=0,
    ),
    ListCase(
        "fieldwork:study",
        "grid_worker_a",
        add_study_comment,
        lambda ctx: f"/fieldwork/studies/{ctx.ids['study_id']}/",
        world_rows=0,
    ),
    ListCase(
        "polls:survey",
        "resident",
        add_question,
        lambda ctx: f"/portal/polls/surveys/{ctx.ids['survey_id']}/",
    ),
    ListCase(
        "GET /api/v1/polls/surveys/{survey_id}",
        "resident",
        add_question,
        lambda ctx: api(f"/polls/surveys/{ctx.ids['survey_id']}"),
    ),
    ListCase(
        "org:unit",
        "platform_admin",
        add_member,
        lambda ctx: f"/org/units/{ctx.tree.grid_a1.pk}/",
        world_rows=3,
    ),
    ListCase(
        "portal:suggestion",
        "resident",
        add_reply,
        lambda ctx: f"/portal/suggestions/{_suggestion_id(ctx)}/",
        world_rows=0,
    ),
    ListCase(
        "GET /api/v1/portal/suggestions/{case_id}",
        "resident",
        add_reply,
        lambda ctx: api(f"/portal/suggestions/{_suggestion_id(ctx)}"),
        world_rows=0,
    ),
    ListCase(
        "portal:staff_suggestion",
        "community_head_a",
        add_reply,
        lambda ctx: f"/portal/staff/suggestions/{_suggestion_id(ctx)}/",
        world_rows=0,
    ),
    ListCase(
        "socialorgs:detail", "resident", add_org_photo, lambda ctx: f"/portal/groups/{ctx.ids['org_id']}/"
    ),
    ListCase(
        "market:listing",
        "resident",
        add_listing_photo,
        lambda ctx: f"/portal/market/listings/{ctx.ids['listing_id']}/",
        world_rows=0,
    ),
]

# GET routes and operations that are not lists, and why. A route here that becomes a list (or a page
# that grows a list of related rows) moves to CASES.
FORM = "a form: its choices are the caller's places or a fixed list, not rows that grow"
DETAIL = "one object"
PUBLIC_DOC = "a fixed document (no rows)"
NOT_LISTS: dict[str, str] = {
    "home": "redirects to the role's home",
    "portal_home": "the portal's panels: counts and the latest few of each, cached per reader",
    "core:healthz": PUBLIC_DOC,
    "set_language": "a redirect",
    "accounts:login": FORM,
    "accounts:resident_login": FORM,
    "accounts:otp": FORM,
    "accounts:password_change": FORM,
    "registry:export": FORM + " (the export itself is a POST)",
    "registry:room": DETAIL + " (one household, or a redirect to it)",
    "registry:person": DETAIL,
    "registry:import_source": FORM + " (the source's column mapping)",
    "cases:report": FORM,
    "cases:nearby": "at most a handful of cases within 50 m, each a plain row",
    "fieldwork:service_worker": PUBLIC_DOC,
    "fieldwork:manifest": PUBLIC_DOC,
    "fieldwork:offline": PUBLIC_DOC,
    "fieldwork:policy_import": FORM,
    "fieldwork:item": DETAIL,
    "fieldwork:study_new": FORM,
    "fieldwork:programme": DETAIL + " (progress per grid: aggregates)",
    "bookings:detail": DETAIL + " (the day's slots are worked out from opening hours)",
    "bookings:resource_new": FORM,
    "bookings:resource_edit": FORM,
    "activities:create": FORM,
    "activities:edit": FORM,
    "activities:demand": "aggregates per audience (counts), not rows",
    "socialorgs:register": FORM,
    "socialorgs:edit": FORM,
    "socialorgs:staff_create": FORM,
    "polls:poll": DETAIL,
    "polls:poll_new": FORM,
    "polls:poll_manage": DETAIL + " (results: one aggregate per option)",
    "polls:poll_edit": FORM,
    "polls:survey_new": FORM,
    "polls:survey_manage": DETAIL + " (summary: aggregates per question)",
    "polls:survey_edit": FORM,
    "polls:question_edit": FORM,
    "market:listing_new": FORM,
    "market:listing_edit": FORM,
    "market:merchant": DETAIL,
    "market:my_merchant": DETAIL + " (the account's own entry)",
    "market:staff_merchant_new": FORM,
    "market:staff_merchant_edit": FORM,
    "portal:verify": FORM + " (and the caller's latest application)",
    "portal:signup": FORM,
    "portal:password_reset": FORM,
    "portal:suggestion_new": FORM,
    "portal:news_new": FORM,
    "portal:news_item": DETAIL,
    "cockpit:home": "the month's figures: one aggregate query each, whatever the rows",
    "open311:services": "the active categories (settings, not records)",
    "open311:service": DETAIL,
    "open311:request": DETAIL,
    "open311:token": DETAIL,
    "oauth2_provider:authorize": FORM,
    "oauth2_provider:introspect": DETAIL,
    "oauth2_provider:user-info": DETAIL,
    "oauth2_provider:oidc-connect-discovery-info": PUBLIC_DOC,
    "oauth2_provider:jwks-info": PUBLIC_DOC,
    "oauth2_provider:oauth-server-metadata": PUBLIC_DOC,
    "sso:upstream_login": "a redirect to the identity provider",
    "sso:upstream_callback": "a redirect back from the identity provider",
    "api:openapi-json": PUBLIC_DOC,
    "api:openapi-view": PUBLIC_DOC,
    "api:api-root": "404 for everybody",
    "media": "one uploaded file",
    "GET /api/v1/me": DETAIL,
    "GET /api/v1/org/units/{unit_id}": DETAIL,
    "GET /api/v1/registry/people/{person_id}": DETAIL,
    "GET /api/v1/cases/{case_id}": DETAIL + " (without its timeline)",
    "GET /api/v1/fieldwork/policy/{item_id}": DETAIL,
    "GET /api/v1/bookings/resources/{resource_id}": DETAIL,
    "GET /api/v1/bookings/resources/{resource_id}/slots": "the day's slots, worked out from opening hours",
    "GET /api/v1/activities/{activity_id}": DETAIL,
    "GET /api/v1/socialorgs/{org_id}": DETAIL,
    "GET /api/v1/polls/surveys/{survey_id}/results": DETAIL + " (aggregates per question)",
    "GET /api/v1/polls/{poll_id}": DETAIL,
    "GET /api/v1/polls/{poll_id}/results": DETAIL + " (one aggregate per option)",
    "GET /api/v1/market/listings/{listing_id}": DETAIL,
    "GET /api/v1/market/merchants/{merchant_id}": DETAIL,
    "GET /api/v1/portal/points": "the caller's balance",
    "GET /api/v1/portal/verification": "the caller's latest application",
    "GET /api/v1/cockpit/figures": "the month's figures: one aggregate query each",
}


def get_routes() -> list[str]:
    """Every GET page of the access table (POST-only routes aside) and every GET operation of the API.
    The Django admin's pages are Django's own and are left out."""
    pages = [route.key for route in PAGE_ROUTES if route.key in PAGES and not PAGES[route.key].post]
    return pages + [key for key in OPERATIONS if key.startswith("GET ")]


# ---------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def ctx(django_db_setup, django_db_blocker):
    world, close = build_world(django_db_blocker)
    yield world
    close()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_list_queries_do_not_grow_with_rows(case, ctx, db):
    small, large = counts(case, ctx)
    assert small.status == 200 and large.status == 200, (small.status, large.status)
    # The rows are there: a list of LARGE rows is longer than one of SMALL (else the rows were not
    # seen by the caller and the count proves nothing).
    assert large.size > small.size, f"the {LARGE - SMALL} added rows did not show"
    grew = large.queries - small.queries
    if os.environ.get("QUERY_COUNTS_FILE"):  # the figures, one JSON line per list
        with open(os.environ["QUERY_COUNTS_FILE"], "a", encoding="utf-8") as out:
            out.write(json.dumps({"list": case.id, SMALL: small.queries, LARGE: large.queries}) + "\n")
    assert grew <= case.slack, (
        f"{case.id}: {small.queries} queries with {SMALL} rows, {large.queries} with {LARGE}"
        f" (allowed +{case.slack}: {case.why or 'none'})\n----- with {LARGE} rows:\n"
        + "\n".join(large.sql)
        + f"\n----- with {SMALL} rows:\n"
        + "\n".join(small.sql)
    )


def test_every_list_route_is_counted():
    """A GET route or operation is either counted here (CASES) or declared not a list (NOT_LISTS)."""
    routes = set(get_routes())
    counted = {case.key for case in CASES}
    missing = sorted(routes - counted - set(NOT_LISTS))
    assert not missing, f"GET routes with no query-count case and not in NOT_LISTS: {missing}"
    stale = sorted((counted | set(NOT_LISTS)) - routes)
    assert not stale, f"cases or NOT_LISTS entries without a GET route: {stale}"
    both = sorted(counted & set(NOT_LISTS))
    assert not both, f"counted, yet declared not a list: {both}"
