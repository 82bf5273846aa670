"""A small registry on top of the shared `tree`: one household of three in grid A1, one of one in B1.

Grid A1: 凯旋路12号1幢1单元 rooms 301 (household of 张伟, 李娜, 张小明, car 浙A12345) and 302 (empty),
plus a shop. Grid B1: 景芳路8号2幢1单元502 (household of 王芳). 张伟 is in the open group 独居老人,
李娜 in the sensitive group 社区矫正对象 (visible to community heads and platform admins only).
"""

from dataclasses import dataclass

import pytest

from civicgrid.registry.validators import id_check_digit


def make_id(region: str = "330102", birth: str = "19800115", seq: str = "123") -> str:
    """A valid 18-character ID number (the 17th digit is odd for a man)."""
    first17 = f"{region}{birth}{seq}"
    return first17 + id_check_digit(first17)


ZHANG_WEI_ID = make_id(birth="19800115", seq="123")
LI_NA_ID = make_id(birth="19820308", seq="456")
XIAOMING_ID = make_id(birth="20100520", seq="001")
WANG_FANG_ID = make_id(region="330105", birth="19750707", seq="332")
ZHANG_WEI_PHONE = "13812345678"
LI_NA_PHONE = "13987654321"
WANG_FANG_PHONE = "13712340000"
SHOP_PHONE = "13500001111"

CLEAR_ID_NUMBERS = (ZHANG_WEI_ID, LI_NA_ID, XIAOMING_ID, WANG_FANG_ID)
CLEAR_PHONES = (ZHANG_WEI_PHONE, LI_NA_PHONE, WANG_FANG_PHONE, SHOP_PHONE)


@dataclass
class Registry:
    building_a: object
    room_a: object
    empty_room_a: object
    household_a: object
    zhang_wei: object
    li_na: object
    xiaoming: object
    vehicle_a: object
    shop: object
    building_b: object
    room_b: object
    household_b: object
    wang_fang: object
    open_group: object
    sensitive_group: object


def _address(grid, road: str, building: str, entrance: str, *rooms: str):
    from civicgrid.registry.models import Building, Entrance, Room

    b = Building.objects.create(grid=grid, road=road, name=building)
    e = Entrance.objects.create(building=b, name=entrance)
    return b, [Room.objects.create(entrance=e, grid=grid, number=n, floor=int(n[0])) for n in rooms]


@pytest.fixture
def registry(tree) -> Registry:
    from civicgrid.core.crypto import mask
    from civicgrid.registry import services
    from civicgrid.registry.choices import OrganisationKind, Relation, ResidenceType
    from civicgrid.registry.models import Household, Organisation, ServiceGroup

    building_a, (room_a, empty_room_a) = _address(tree.grid_a1, "凯旋路12号", "1幢", "1单元", "301", "302")
    room_a.owner_name = "张伟"
    room_a.save()
    household_a = Household.objects.create(room=room_a, grid=tree.grid_a1)
    building_b, (room_b,) = _address(tree.grid_b1, "景芳路8号", "2幢", "1单元", "502")
    household_b = Household.objects.create(room=room_b, grid=tree.grid_b1)

    def person(household, name, id_number, phone="", relation=Relation.OTHER):
        return services.person_create(
            actor=None,
            household=household,
            full_name=name,
            id_number=id_number,
            phone=phone,
            relation=relation,
            residence_type=ResidenceType.REGISTERED,
            reason="建档",
        )

    zhang_wei = person(household_a, "张伟", ZHANG_WEI_ID, ZHANG_WEI_PHONE, Relation.HEAD)
    li_na = person(household_a, "李娜", LI_NA_ID, LI_NA_PHONE, Relation.SPOUSE)
    xiaoming = person(household_a, "张小明", XIAOMING_ID, "", Relation.CHILD)
    wang_fang = person(household_b, "王芳", WANG_FANG_ID, WANG_FANG_PHONE, Relation.HEAD)
    vehicle_a = services.vehicle_add(
        actor=None, household=household_a, plate="浙A12345", owner=zhang_wei, reason="建档"
    )
    open_group = ServiceGroup.objects.create(code="elderly_alone", name="独居老人")
    sensitive_group = ServiceGroup.objects.create(
        code="community_correction",
        name="社区矫正对象",
        is_sensitive=True,
        visible_roles=["community_head", "platform_admin"],
    )
    services.person_tag(actor=None, person=zhang_wei, group=open_group, grade=2, reason="建档")
    services.person_tag(actor=None, person=li_na, group=sensitive_group, grade=1, reason="司法所通知")
    shop = Organisation.objects.create(
        name="凯旋便利店",
        kind=OrganisationKind.SHOP,
        grid=tree.grid_a1,
        contact_name="赵六",
        contact_phone=SHOP_PHONE,
        contact_phone_masked=mask(SHOP_PHONE),
    )
    return Registry(
        building_a=building_a,
        room_a=room_a,
        empty_room_a=empty_room_a,
        household_a=household_a,
        zhang_wei=zhang_wei,
        li_na=li_na,
        xiaoming=xiaoming,
        vehicle_a=vehicle_a,
        shop=shop,
        building_b=building_b,
        room_b=room_b,
        household_b=household_b,
        wang_fang=wang_fang,
        open_group=open_group,
        sensitive_group=sensitive_group,
    )


def registry_snapshot() -> dict:
    """Every Person and Household row's user-visible and indexed fields, and the row counts."""
    from civicgrid.registry.models import Conflict, Household, Person

    people = {
        p.pk: (
            p.full_name,
            p.id_number,
            p.id_index,
            p.id_masked,
            p.phone,
            p.phone_index,
            p.phone_masked,
            p.residence_type,
            p.relation,
            p.status,
            p.household_id,
            p.grid_id,
            p.birth_date,
            p.sex,
            p.last_verified_at,
        )
        for p in Person.objects.all()
    }
    households = {
        h.pk: (h.room_id, h.grid_id, h.note, h.last_verified_at, h.last_verified_by_id)
        for h in Household.objects.all()
    }
    return {
        "people": people,
        "households": households,
        "counts": (len(people), len(households), Conflict.objects.count()),
    }
