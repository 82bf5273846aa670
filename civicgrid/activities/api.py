"""JSON API of 社区活动 (mounted at /api/v1/activities/): list, read, sign up and cancel, attendance."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicgrid.core.api import BoundedLimitOffset, DateTimeIn, Id
from civicgrid.core.errors import Forbidden
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import is_staff_member, user_can

from . import selectors, services
from .choices import Audience

router = Router()


class ActivityRow(Schema):
    id: int
    title: str
    unit_id: int
    unit: str = Field(..., alias="unit.name")
    starts_at: datetime
    ends_at: datetime
    place: str
    audience: str = Field(
        ..., description="all / elderly / youth / children / families / disabled / volunteers"
    )
    capacity: int
    confirmed_count: int
    waiting_count: int
    status: str = Field(..., description="draft 待审核 / published 已发布 / cancelled 已取消")


class ActivityOut(ActivityRow):
    description: str
    booking_id: int | None = Field(None, description="场地预约编号（资源共享）")
    by_resident: bool
    is_hidden: bool
    published_at: datetime | None
    cancel_reason: str
    my_status: str | None = Field(None, description="confirmed 已报名 / waiting 候补 / null 未报名")
    my_position: int | None = Field(None, description="候补顺序，1 为下一个递补")


class ActivityIn(Schema):
    unit_id: Id
    title: str = Field(..., max_length=60)
    description: str = Field(..., max_length=4000)
    starts_at: DateTimeIn
    ends_at: DateTimeIn
    place: str = Field(..., max_length=120)
    capacity: int
    audience: str = Audience.ALL
    booking_id: Id | None = None


class SignupOut(Schema):
    id: int
    activity_id: int
    status: str = Field(..., description="confirmed 已报名 / waiting 候补 / cancelled 已取消")
    position: int | None
    attended: bool
    created_at: datetime


class AttendanceRow(Schema):
    user_id: int
    name: str = Field(..., alias="user.full_name")
    attended: bool


class AttendanceIn(Schema):
    user_ids: list[Id] = Field(..., description="到场者的账号 id（须为已报名、非候补的人）")


class AttendanceOut(Schema):
    attended: int
    absent: int
    points_awarded: int


def _detail(request, activity_id: int):
    activity = selectors.access_activity(user=request.user, activity_id=activity_id)
    signup = selectors.my_signup(user=request.user, activity=activity)
    activity.my_status = signup.status if signup else None
    activity.my_position = signup.position if signup else None
    return activity


@router.get("", response=list[ActivityRow], summary="活动列表（未结束） · Upcoming activities")
@paginate(BoundedLimitOffset)
def activity_list(request, audience: str = ""):
    if not (user_can(request.user, "activities.join") or is_staff_member(request.user)):
        raise Forbidden()
    return selectors.upcoming(request.user, audience=audience)


@router.post("", response={201: ActivityOut}, summary="发起活动 · Organise an activity")
def activity_create(request, payload: ActivityIn):
    unit = OrgUnit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise ValidationError({"unit_id": [_("请选择您可以发起活动的社区或街道。")]})
    data = payload.model_dump(exclude={"unit_id"})
    activity = services.activity_create(actor=request.user, unit=unit, **data)
    return Status(201, _detail(request, activity.pk))


@router.get("/{activity_id}", response=ActivityOut, summary="活动详情 · Activity")
def activity_detail(request, activity_id: int):
    return _detail(request, activity_id)


@router.post("/{activity_id}/signup", response={201: SignupOut}, summary="报名 · Sign up")
def signup(request, activity_id: int):
    activity = selectors.access_activity(user=request.user, activity_id=activity_id)
    return Status(201, services.signup_create(actor=request.user, activity=activity))


@router.delete("/{activity_id}/signup", response=SignupOut, summary="取消报名 · Cancel my sign-up")
def signup_cancel(request, activity_id: int):
    if not user_can(request.user, "activities.join"):  # as the page: only those who may sign up
        raise Forbidden()
    activity = selectors.access_activity(user=request.user, activity_id=activity_id)
    return services.signup_cancel(actor=request.user, activity=activity)


@router.get("/{activity_id}/attendance", response=list[AttendanceRow], summary="签到名单 · Attendance list")
def attendance_list(request, activity_id: int):
    activity = selectors.access_managed_activity(user=request.user, activity_id=activity_id)
    return list(selectors.confirmed(activity))


@router.post("/{activity_id}/attendance", response=AttendanceOut, summary="登记签到 · Record attendance")
def attendance_mark(request, activity_id: int, payload: AttendanceIn):
    activity = selectors.access_managed_activity(user=request.user, activity_id=activity_id)
    return services.attendance_mark(actor=request.user, activity=activity, attended_user_ids=payload.user_ids)
