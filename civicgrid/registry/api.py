"""Registry API: the same scoping and masking as the pages (full ID numbers only through reveal)."""

from datetime import date, datetime

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from civicgrid.core.api import BoundedLimitOffset, Id
from civicgrid.core.errors import Forbidden
from civicgrid.org.selectors import user_can

from . import selectors, services

router = Router()


class PersonOut(Schema):
    id: int
    full_name: str
    id_number: str = Field(..., alias="id_masked", description="身份证号（脱敏）· masked ID number")
    phone: str = Field(..., alias="phone_masked", description="联系电话（脱敏）· masked phone")
    sex: str
    birth_date: date | None
    residence_type: str
    relation: str
    status: str
    grid_id: int
    household_id: int | None
    last_verified_at: datetime | None


class TagOut(Schema):
    group: str = Field(..., alias="group.name")
    grade: int


class HouseholdMemberOut(PersonOut):
    tags: list[TagOut] = Field(..., alias="visible_memberships")


class VehicleOut(Schema):
    plate: str
    kind: str
    owner_id: int | None


class HouseholdOut(Schema):
    id: int
    address: str
    room_use: str
    owner_name: str
    grid_id: int
    last_verified_at: datetime | None
    stale: bool
    members: list[HouseholdMemberOut]
    vehicles: list[VehicleOut]


class RevealOut(Schema):
    id_number: str


class PersonPatch(Schema):
    reason: str = Field(..., description="变更原因 · reason for the change")
    full_name: str | None = None
    phone: str | None = None
    id_number: str | None = None
    relation: str | None = None
    residence_type: str | None = None


def _require(request, action: str) -> None:
    if not user_can(request.user, action):
        raise Forbidden()


@router.get("/people", response=list[PersonOut], summary="搜索人员 · Search people")
@paginate(BoundedLimitOffset)
def search_people(request, q: str = "", grid_id: Id | None = None):
    """By name prefix, mobile number, full ID number, last four ID characters or address."""
    _require(request, "registry.view")
    return selectors.person_search(user=request.user, query=q[:60], grid_id=grid_id, limit=500)


@router.get("/people/{person_id}", response=PersonOut, summary="人员详情 · Person")
def get_person(request, person_id: int):
    _require(request, "registry.view")
    return selectors.access_person(user=request.user, person_id=person_id)


@router.patch("/people/{person_id}", response=PersonOut, summary="更正人员信息 · Correct a person")
def patch_person(request, person_id: int, payload: PersonPatch):
    _require(request, "registry.edit")
    # In the places where the user may edit, not merely see (a role held elsewhere does not count).
    person = selectors.access_person(user=request.user, person_id=person_id, action="registry.edit")
    # Absent or null means "keep": clearing an ID number is not done by accident through the API.
    changes = {k: v for k, v in payload.dict(exclude_unset=True, exclude={"reason"}).items() if v is not None}
    return services.person_update(actor=request.user, person=person, reason=payload.reason, **changes)


@router.post(
    "/people/{person_id}/reveal", response=RevealOut, summary="查看完整身份证号（审计）· Reveal ID (audited)"
)
def reveal_person(request, person_id: int):
    _require(request, "registry.reveal")
    person = selectors.access_person(user=request.user, person_id=person_id, action="registry.reveal")
    return {"id_number": services.person_reveal_id(actor=request.user, person=person, request=request)}


def _household_out(request, household):
    card = selectors.household_card(user=request.user, household=household)
    return {
        "id": household.pk,
        "address": str(household.room),
        "room_use": household.room.use,
        "owner_name": household.room.owner_name,
        "grid_id": household.grid_id,
        "last_verified_at": household.last_verified_at,
        "stale": card.stale,
        "members": card.members,
        "vehicles": card.vehicles,
    }


@router.get("/households/{household_id}", response=HouseholdOut, summary="户卡 · Household card")
def get_household(request, household_id: int):
    _require(request, "registry.view")
    return _household_out(request, selectors.access_household(user=request.user, household_id=household_id))


@router.post(
    "/households/{household_id}/verify", response=HouseholdOut, summary="标记已上门核实 · Mark verified"
)
def verify_household(request, household_id: int):
    _require(request, "registry.edit")
    household = selectors.access_household(
        user=request.user, household_id=household_id, action="registry.edit"
    )
    services.household_verify(actor=request.user, household=household)
    return _household_out(request, household)
