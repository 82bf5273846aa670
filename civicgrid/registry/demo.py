"""Demo registry: buildings, rooms, a few thousand households with people, organisations, vehicles,
service groups and import sources — all synthetic, with valid check digits. `demo --scale N`
multiplies the buildings per grid for benchmarks."""

import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from simple_history.utils import bulk_create_with_history

from civicgrid.accounts.demo import NameSource
from civicgrid.core.crypto import mask
from civicgrid.org.choices import Role

from .choices import (
    ImportEntity,
    ImportSourceKind,
    OrganisationKind,
    Relation,
    ResidenceType,
    RoomUse,
    VehicleKind,
)
from .imports import DEFAULT_MAPPINGS, ORGANISATION_MAPPING
from .models import (
    Building,
    Entrance,
    GroupMembership,
    Household,
    ImportSource,
    Organisation,
    Person,
    Room,
    ServiceGroup,
    Vehicle,
)
from .services import person_set_identity, person_set_phone
from .validators import CREDIT_ALPHABET, credit_check_char, id_check_digit

SENSITIVE_TO = [Role.COMMUNITY_HEAD, Role.PLATFORM_ADMIN]
SERVICE_GROUPS = [
    ("party_member", "党员", False, (30, 90, 180)),
    ("unemployed", "失业人员", False, (14, 30, 90)),
    ("disabled", "残疾人", False, (7, 30, 90)),
    ("community_correction", "社区矫正对象", True, (7, 14, 30)),
    ("assistance", "帮扶救助对象", False, (7, 30, 60)),
    ("elderly_alone", "独居老人", False, (7, 14, 30)),
    ("low_income", "低保户", False, (14, 30, 90)),
    ("veteran", "退役军人", False, (30, 90, 180)),
    ("special_care_family", "计生特殊家庭", True, (14, 30, 90)),
    ("key_youth", "重点青少年", True, (7, 30, 60)),
    ("mental_health", "严重精神障碍患者", True, (7, 14, 30)),
    ("left_behind_child", "留守儿童", False, (14, 30, 90)),
    ("elderly_80", "80 岁以上老人", False, (30, 60, 90)),
]
ROADS = [
    "凯旋路",
    "景芳路",
    "秋涛北路",
    "新风路",
    "机场路",
    "杨柳郡路",
    "三里亭路",
    "松园路",
    "景昙路",
    "秋涛路",
    "芙蓉路",
    "红菱路",
    "华东路",
    "濮家东路",
]
REGIONS = ["330102", "330105", "330106", "330108", "330110", "330122", "341122", "412726", "510623", "362330"]
ORG_NAMES = [
    "便利店",
    "餐饮店",
    "理发店",
    "药房",
    "物业服务中心",
    "幼儿园",
    "水果店",
    "五金店",
    "培训学校",
    "快递驿站",
    "商贸有限公司",
    "科技有限公司",
    "文化艺术团",
    "养老服务中心",
    "汽车维修店",
]
PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


class _Ids:
    def __init__(self, rng: random.Random):
        self.rng, self.used = rng, set()

    def next(self, *, age_range=(0, 95)) -> str:
        while True:
            born = date(2026, 6, 30) - timedelta(
                days=self.rng.randint(age_range[0] * 365, age_range[1] * 365)
            )
            first17 = f"{self.rng.choice(REGIONS)}{born:%Y%m%d}{self.rng.randint(0, 999):03d}"
            if first17 not in self.used:
                self.used.add(first17)
                return first17 + id_check_digit(first17)


def credit_code(rng: random.Random) -> str:
    first17 = "91330102" + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
    return first17 + credit_check_char(first17)


def load(ctx: dict) -> None:
    for sort, (code, name, sensitive, days) in enumerate(SERVICE_GROUPS):
        ServiceGroup.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "is_sensitive": sensitive,
                "visible_roles": SENSITIVE_TO if sensitive else [],
                "visit_days_grade_1": days[0],
                "visit_days_grade_2": days[1],
                "visit_days_grade_3": days[2],
                "sort": sort,
            },
        )
    for kind, label in ImportSourceKind.choices:
        ImportSource.objects.get_or_create(
            kind=kind,
            entity=ImportEntity.PERSON,
            defaults={"name": f"区{label}", "column_mapping": DEFAULT_MAPPINGS[kind]},
        )
    ImportSource.objects.get_or_create(
        kind=ImportSourceKind.GOVERNANCE,
        entity=ImportEntity.ORGANISATION,
        defaults={"name": "区综治单位数据", "column_mapping": ORGANISATION_MAPPING},
    )
    grids = ctx["grids"]
    if int(ctx.get("scale", 1)) >= 1 and Building.objects.filter(grid__in=grids).exists():
        ctx["stdout"].write("登记数据已存在，跳过。")
        return
    scale = int(ctx.get("scale", 1))
    if scale < 1:  # org and accounts only (fast tests)
        return
    rng, names, ids = random.Random(20261128), NameSource(seed=11643), _Ids(random.Random(32100))  # nosec B311
    admin = get_user_model().objects.filter(username="admin").first()
    reason = "演示数据初始化"

    buildings = []
    for g, grid in enumerate(grids):
        (west, south), (east, north) = grid.boundary["coordinates"][0][0], grid.boundary["coordinates"][0][2]
        community_index = g * len(ROADS) // len(grids)
        for b in range(2 * scale):
            buildings.append(
                Building(
                    grid=grid,
                    road=f"{ROADS[community_index]}{(g + 1) * 2}号",
                    name=f"{b + 1}幢",
                    lat=round(south + (north - south) * (0.25 + 0.5 * rng.random()), 6),
                    lng=round(west + (east - west) * (0.25 + 0.5 * rng.random()), 6),
                )
            )
    bulk_create_with_history(
        buildings, Building, batch_size=2000, default_user=admin, default_change_reason=reason
    )
    buildings = list(Building.objects.filter(grid__in=grids).order_by("id"))
    entrances = Entrance.objects.bulk_create(
        [Entrance(building=b, name=f"{e}单元") for b in buildings for e in (1, 2)], batch_size=2000
    )
    entrances = list(
        Entrance.objects.filter(building__in=buildings).select_related("building").order_by("id")
    )
    rooms = [
        Room(
            entrance=e,
            grid_id=e.building.grid_id,
            number=f"{floor}0{unit}",
            floor=floor,
            use=rng.choices(RoomUse.values, weights=(70, 20, 7, 3))[0],
            owner_name=names.next(),
            area=rng.choice((48, 62, 75, 89, 96, 120)),
        )
        for e in entrances
        for floor in range(1, 7)
        for unit in (1, 2)
    ]
    bulk_create_with_history(rooms, Room, batch_size=2000, default_user=admin, default_change_reason=reason)
    rooms = list(Room.objects.filter(entrance__in=entrances).order_by("id"))

    occupied = [r for r in rooms if r.use != RoomUse.VACANT and rng.random() < 0.92]
    households = bulk_create_with_history(
        [Household(room=r, grid_id=r.grid_id, last_verified_at=None) for r in occupied],
        Household,
        batch_size=2000,
        default_user=admin,
        default_change_reason=reason,
    )
    households = list(Household.objects.filter(room__in=occupied).select_related("room").order_by("id"))

    people, vehicles = [], []
    for household in households:
        rented = household.room.use == RoomUse.RENTED
        size = rng.choices((1, 2, 3, 4, 5), weights=(15, 30, 30, 18, 7))[0]
        for i in range(size):
            if i == 0:
                relation, ages = (Relation.TENANT if rented else Relation.HEAD), (22, 90)
            elif i == 1:
                relation, ages = (Relation.TENANT if rented else Relation.SPOUSE), (22, 88)
            else:
                relation, ages = (
                    (
                        Relation.TENANT
                        if rented
                        else rng.choice((Relation.CHILD, Relation.CHILD, Relation.PARENT))
                    ),
                    (0, 40),
                )
            person = Person(
                full_name=names.next(),
                household=household,
                grid_id=household.grid_id,
                relation=relation,
                residence_type=ResidenceType.FLOATING if rented else ResidenceType.REGISTERED,
            )
            person_set_identity(person, ids.next(age_range=ages))
            if rng.random() < 0.8:
                person_set_phone(person, f"1{rng.choice('35789')}{rng.randint(0, 999_999_999):09d}")
            people.append(person)
        if rng.random() < 0.3:
            vehicles.append(
                Vehicle(
                    plate=f"浙A{rng.choice(PLATE_LETTERS)}{rng.randint(0, 9999):04d}",
                    household=household,
                    grid_id=household.grid_id,
                    kind=rng.choices(VehicleKind.values, weights=(70, 3, 5, 22))[0],
                )
            )
    bulk_create_with_history(
        people, Person, batch_size=2000, default_user=admin, default_change_reason=reason
    )
    unique_vehicles = list({v.plate: v for v in vehicles}.values())
    bulk_create_with_history(
        unique_vehicles, Vehicle, batch_size=2000, default_user=admin, default_change_reason=reason
    )

    groups = list(ServiceGroup.objects.all())
    tagged = rng.sample(
        list(Person.objects.filter(grid__in=grids).values_list("pk", flat=True)), k=len(people) // 8
    )
    memberships = [
        GroupMembership(
            person_id=pk, group=rng.choice(groups), grade=rng.choice((1, 2, 2, 3)), since=date(2025, 1, 1)
        )
        for pk in tagged
    ]
    bulk_create_with_history(
        list({(m.person_id, m.group_id): m for m in memberships}.values()),
        GroupMembership,
        batch_size=2000,
        default_user=admin,
        default_change_reason=reason,
    )

    organisations = []
    for grid in grids:
        for _ in range(3):
            phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
            organisations.append(
                Organisation(
                    name=f"凯旋{names.next()[1:]}{rng.choice(ORG_NAMES)}",
                    credit_code=credit_code(rng),
                    kind=rng.choices(OrganisationKind.values, weights=(40, 5, 50, 5))[0],
                    grid=grid,
                    address=f"{ROADS[grids.index(grid) * len(ROADS) // len(grids)]}{rng.randint(1, 300)}号",
                    contact_name=names.next(),
                    contact_phone=phone,
                    contact_phone_masked=mask(phone),
                    staff_count=rng.randint(1, 80),
                )
            )
    bulk_create_with_history(
        organisations, Organisation, batch_size=2000, default_user=admin, default_change_reason=reason
    )
    ctx["stdout"].write(
        f"登记数据：{len(buildings)} 幢楼，{len(rooms)} 间房，{len(households)} 户，{len(people)} 人，"
        f"{len(organisations)} 家单位，{len(unique_vehicles)} 辆车。"
    )
