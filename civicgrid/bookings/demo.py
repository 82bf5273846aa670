"""Demo 资源共享: the street's hall, two community rooms, a lending projector and an enterprise's meeting
room, with a few bookings on the next working days (one confirmed, one waiting for the street)."""

from datetime import time, timedelta

from django.contrib.auth import get_user_model

from civicgrid.core import clock
from civicgrid.org.choices import Role
from civicgrid.org.models import Membership

from .choices import BookingStatus, ResourceKind
from .models import Booking, OpeningHours, Resource
from .selectors import aware

WEEKDAYS = range(5)
EVERY_DAY = range(7)

# (owner: "street" | community index | "org01", kind, name, location, capacity, approval, slot, hours, text)
RESOURCES = [
    (
        "street",
        ResourceKind.VENUE,
        "凯旋街道文体中心多功能厅",
        "凯旋路 445 号文体中心三楼",
        120,
        True,
        120,
        (EVERY_DAY, time(8, 30), time(20, 30)),
        "可举办讲座、文艺排练和居民议事会，配有音响和投影。",
    ),
    (
        0,
        ResourceKind.ROOM,
        "凯旋社区党群服务中心会议室",
        "党群服务中心二楼",
        20,
        False,
        60,
        (WEEKDAYS, time(8, 30), time(17, 30)),
        "适合楼道长例会、业委会会议和兴趣小组活动。",
    ),
    (
        1,
        ResourceKind.VENUE,
        "景芳社区乒乓球室",
        "景芳社区活动中心一楼",
        8,
        False,
        60,
        (EVERY_DAY, time(8, 0), time(21, 0)),
        "两张球台，球拍可在前台借用。",
    ),
    (
        1,
        ResourceKind.EQUIPMENT,
        "便携投影仪（含幕布）",
        "景芳社区服务站前台领取",
        50,
        True,
        240,
        (WEEKDAYS, time(8, 30), time(16, 30)),
        "借用当天领取、当天归还，请爱惜设备。",
    ),
    (
        "org01",
        ResourceKind.ROOM,
        "凯旋商贸共享会议室",
        "凯旋路 200 号 5 楼",
        12,
        True,
        60,
        (WEEKDAYS, time(9, 0), time(18, 0)),
        "企业会议室在空闲时段向社区开放，仅限公益用途。",
    ),
]
RULES = "请按预约时段使用，用后关灯关窗、桌椅复位；不得用于商业经营活动。"


def load(ctx: dict) -> None:
    User = get_user_model()
    street, communities = ctx["street"], ctx["communities"]
    admin = User.objects.get(username="admin")
    now = clock.now()
    made = []
    for owner, kind, name, location, capacity, approval, slot, (days, opens, closes), text in RESOURCES:
        organisation, organisation_name, unit, creator = None, "", street, admin
        if owner == "org01":
            membership = Membership.objects.select_related("unit", "user").get(
                user__username="org01", role=Role.ORG_ADMIN
            )
            organisation, organisation_name, unit = membership.user, membership.title, membership.unit
            creator = organisation
        elif owner != "street":
            unit = communities[owner]
        resource, created = Resource.objects.get_or_create(
            unit=unit,
            name=name,
            defaults={
                "organisation": organisation,
                "organisation_name": organisation_name,
                "kind": kind,
                "location": location,
                "capacity": capacity,
                "needs_approval": approval,
                "slot_minutes": slot,
                "description": text,
                "rules": RULES,
                "created_by": creator,
                "created_at": now,
                "updated_at": now,
            },
        )
        if created:
            OpeningHours.objects.bulk_create(
                OpeningHours(resource=resource, weekday=d, opens=opens, closes=closes) for d in days
            )
        made.append(resource)
    _bookings(made, now)
    ctx["stdout"].write(f"资源共享：{len(made)} 项资源，{Booking.objects.count()} 条预约。")


def _bookings(resources: list[Resource], now) -> None:
    """A few bookings on the next working days, keyed by booker and purpose (so a second run adds none)."""
    User = get_user_model()
    users = {u.username: u for u in User.objects.filter(username__in=["resident01", "resident02", "org02"])}
    if len(users) < 3:
        return
    hall, room, table_tennis = resources[0], resources[1], resources[2]
    day = clock.localdate(now) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    rows = [
        (
            room,
            users["resident01"],
            "楼道长月度例会",
            15,
            time(14, 30),
            time(16, 30),
            BookingStatus.CONFIRMED,
        ),
        (
            hall,
            users["org02"],
            "景芳文化艺术团新年演出排练",
            40,
            time(18, 30),
            time(20, 30),
            BookingStatus.PENDING,
        ),
        (
            table_tennis,
            users["resident02"],
            "乒乓球友谊赛",
            4,
            time(19, 0),
            time(20, 0),
            BookingStatus.CONFIRMED,
        ),
    ]
    for resource, booker, purpose, attendees, start, end, status in rows:
        Booking.objects.get_or_create(
            resource=resource,
            booker=booker,
            purpose=purpose,
            defaults={
                "starts_at": aware(day, start),
                "ends_at": aware(day, end),
                "attendees": attendees,
                "status": status,
                "decided_at": now if status == BookingStatus.CONFIRMED else None,
                "created_at": now,
            },
        )
