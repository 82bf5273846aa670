"""JSON API of 资源共享 (mounted at /api/v1/bookings/): the same rules and scopes as the pages."""

from datetime import date, datetime, time
from typing import Annotated

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from civicgrid.core import clock
from civicgrid.core.api import BoundedLimitOffset, DateTimeIn, Id
from civicgrid.core.errors import Forbidden
from civicgrid.org.selectors import user_can

from . import selectors, services
from .choices import ResourceKind

router = Router()


# A wall-clock time of the resource's place, without an offset: JSON Schema's "time" format requires
# one (RFC 3339 full-time), so the schema says what is sent instead.
LocalTime = Annotated[
    time,
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{2}:\d{2}:\d{2}(\.\d+)?$",
            "description": "当地时间 HH:MM:SS（Asia/Shanghai，不带时区）· local time, no offset",
            "examples": ["08:00:00"],
        }
    ),
]


class HoursOut(Schema):
    weekday: int = Field(..., description="0 = 周一 … 6 = 周日")
    opens: LocalTime
    closes: LocalTime


class ResourceOut(Schema):
    id: int
    kind: str
    name: str
    location: str
    capacity: int
    needs_approval: bool
    slot_minutes: int
    days_ahead: int
    unit_id: int
    unit: str = Field(..., alias="unit.name")
    owner: str = Field(..., alias="owner_name")
    hours: list[HoursOut]


class ResourceDetailOut(ResourceOut):
    description: str
    rules: str


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    free: bool
    past: bool


class BookingIn(Schema):
    starts_at: DateTimeIn = Field(..., description="不带时区时按 Asia/Shanghai 理解")
    ends_at: DateTimeIn
    attendees: int = Field(..., ge=1, le=10_000)
    purpose: str = Field(..., max_length=200)


class BookingOut(Schema):
    id: int
    resource_id: int
    resource: str = Field(..., alias="resource.name")
    starts_at: datetime
    ends_at: datetime
    purpose: str
    attendees: int
    status: str
    reason: str
    decided_at: datetime | None
    created_at: datetime


class QueueRow(BookingOut):
    booker: str = ""
    booker_phone: str = Field("", description="脱敏手机号")

    @staticmethod
    def resolve_booker(booking) -> str:
        return booking.booker.get_full_name()

    @staticmethod
    def resolve_booker_phone(booking) -> str:
        return booking.booker.masked_phone


class BookingDecisionIn(Schema):
    confirm: bool
    reason: str = Field("", max_length=200)


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@router.get("/resources", response=list[ResourceOut], summary="可预约的资源 · Resources to book")
@paginate(BoundedLimitOffset)
def resources(request, kind: str = "", community: Id | None = None, date: date | None = None):
    return selectors.bookable_resources(
        request.user, kind=kind if kind in ResourceKind.values else "", community=community, day=date
    )


@router.get("/resources/{resource_id}", response=ResourceDetailOut, summary="资源详情 · Resource")
def resource(request, resource_id: int):
    return selectors.access_resource(user=request.user, resource_id=resource_id)


@router.get("/resources/{resource_id}/slots", response=list[SlotOut], summary="某日时段 · Slots of a day")
def slots(request, resource_id: int, date: date | None = None):
    found = selectors.access_resource(user=request.user, resource_id=resource_id)
    return selectors.day_slots(found, date or clock.today())


@router.post("/resources/{resource_id}/bookings", response={201: BookingOut}, summary="预约 · Book a slot")
def book(request, resource_id: int, payload: BookingIn):
    found = selectors.access_resource(user=request.user, resource_id=resource_id)
    booking = services.booking_create(
        actor=request.user,
        resource=found,
        starts_at=_aware(payload.starts_at),
        ends_at=_aware(payload.ends_at),
        attendees=payload.attendees,
        purpose=payload.purpose,
    )
    return Status(201, booking)


@router.get("/mine", response=list[BookingOut], summary="我的预约 · My bookings")
@paginate(BoundedLimitOffset)
def mine(request):
    if not user_can(request.user, "bookings.book"):
        raise Forbidden()
    return selectors.my_bookings(request.user)


@router.post("/{booking_id}/cancel", response=BookingOut, summary="取消预约 · Cancel")
def cancel(request, booking_id: int):
    booking = selectors.access_my_booking(user=request.user, booking_id=booking_id)
    return services.booking_cancel(actor=request.user, booking=booking)


@router.get("/queue", response=list[QueueRow], summary="待审核的预约 · Bookings to decide")
@paginate(BoundedLimitOffset)
def queue(request):
    return selectors.pending_queue(request.user)


@router.post("/{booking_id}/decide", response=BookingOut, summary="审核预约 · Confirm or refuse")
def decide(request, booking_id: int, payload: BookingDecisionIn):
    booking = selectors.access_managed_booking(user=request.user, booking_id=booking_id)
    return services.booking_decide(
        actor=request.user, booking=booking, confirm=payload.confirm, reason=payload.reason
    )


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=200)


@router.post("/{booking_id}/withdraw", response=BookingOut, summary="管理方取消预约 · Withdraw (owner)")
def withdraw(request, booking_id: int, payload: WithdrawIn):
    booking = selectors.access_managed_booking(user=request.user, booking_id=booking_id)
    return services.booking_withdraw(actor=request.user, booking=booking, reason=payload.reason)
