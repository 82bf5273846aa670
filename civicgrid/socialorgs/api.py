"""JSON API of 社会组织 (mounted at /api/v1/socialorgs/): browse, read, ask to join, leave, and — for an
organisation's admin — read and decide its requests. Same rules and messages as the pages."""

from datetime import datetime

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicgrid.core.api import BoundedLimitOffset, Id
from civicgrid.core.errors import Forbidden

from . import selectors, services
from .choices import JoinStatus, SocialOrgCategory

router = Router()


def _url(field) -> str:
    return field.url if field else ""


class OrgRow(Schema):
    id: int
    name: str
    category: str
    category_label: str
    unit_id: int
    unit_name: str = Field(..., alias="unit.name")
    introduction: str
    member_count: int
    logo_url: str

    @staticmethod
    def resolve_category_label(org) -> str:
        return str(org.get_category_display())

    @staticmethod
    def resolve_logo_url(org) -> str:
        return _url(org.logo)


class PhotoOut(Schema):
    id: int
    url: str
    caption: str
    posted_at: datetime

    @staticmethod
    def resolve_url(photo) -> str:
        return photo.image.url


class OrgOut(OrgRow):
    specialities: str
    contact_name: str
    contact_phone_masked: str = Field(..., alias="masked_phone")
    status: str
    is_active: bool
    photos: list[PhotoOut]
    my_status: str | None = Field(
        None, description="调用者的申请状态：pending/accepted/refused/withdrawn/left/removed"
    )

    @staticmethod
    def resolve_photos(org) -> list:
        return list(selectors.photos(org)[:60])


class JoinIn(Schema):
    message: str = Field("", max_length=200, description="申请留言（选填）")


class JoinDecisionIn(Schema):
    accept: bool
    reason: str = Field("", max_length=200, description="拒绝时必填")


class JoinRequestOut(Schema):
    id: int
    org_id: int
    status: str
    message: str
    reason: str
    created_at: datetime
    decided_at: datetime | None


class ApplicantOut(JoinRequestOut):
    """What an organisation's admin sees of an applicant: the name and a masked phone."""

    user_name: str
    user_phone_masked: str

    @staticmethod
    def resolve_user_name(row) -> str:
        return row.user.get_full_name()

    @staticmethod
    def resolve_user_phone_masked(row) -> str:
        return row.user.masked_phone


@router.get("", response=list[OrgRow], summary="社会组织列表 · List organisations")
@paginate(BoundedLimitOffset)
def list_orgs(request, category: SocialOrgCategory | None = None, community: Id | None = None):
    return selectors.public_orgs(category=category or "", community_id=community)


@router.get("/{org_id}", response=OrgOut, summary="组织详情 · Organisation")
def get_org(request, org_id: int):
    org = selectors.access_org(user=request.user, org_id=org_id)
    mine = selectors.my_request(user=request.user, org=org)
    org.my_status = mine.status if mine else None
    return org


@router.post("/{org_id}/join", response={201: JoinRequestOut}, summary="申请加入 · Ask to join")
def join(request, org_id: int, payload: JoinIn):
    org = selectors.access_org(user=request.user, org_id=org_id)
    return Status(201, services.join_request_create(actor=request.user, org=org, message=payload.message))


@router.post("/{org_id}/leave", response=JoinRequestOut, summary="退出或撤回申请 · Leave or withdraw")
def leave(request, org_id: int):
    org = selectors.access_joined_org(user=request.user, org_id=org_id)
    return services.member_leave(actor=request.user, org=org)


@router.get(
    "/{org_id}/requests", response=list[ApplicantOut], summary="入会申请（组织管理员） · Requests to join"
)
@paginate(BoundedLimitOffset)
def list_requests(request, org_id: int, status: JoinStatus = JoinStatus.PENDING):
    if not selectors.manages_any(request.user):
        raise Forbidden()
    org = selectors.access_admin_org(user=request.user, org_id=org_id)
    return selectors.join_requests(org, status=status)


@router.post(
    "/requests/{request_id}/decide", response=JoinRequestOut, summary="审核入会申请 · Decide a request"
)
def decide(request, request_id: int, payload: JoinDecisionIn):
    if not selectors.manages_any(request.user):
        raise Forbidden()
    row = selectors.access_join_request(user=request.user, request_id=request_id)
    return services.join_request_decide(
        actor=request.user, join_request=row, accept=payload.accept, reason=payload.reason
    )
