"""JSON API of 淘社区's own objects (mounted at /api/v1/portal/): points and rewards, real-name
verification, suggestions and their replies, news and publications — and the staff queues that serve
them. The same rules, scoping and masking as the pages (the pages' selectors and services)."""

from datetime import datetime

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from civicgrid.core.api import BoundedLimitOffset, Id
from civicgrid.core.errors import NotFound
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import require

from . import selectors, services

router = Router()


def _require(request, action: str) -> None:
    require(request.user, action)


# ---------------------------------------------------------------- points and rewards


class PortalPointsEntryOut(Schema):
    rule: str = Field(..., description="来源 · what earned or spent them")
    points: int
    note: str
    at: datetime


class PortalRewardOut(Schema):
    id: int
    name: str
    description: str
    cost: int = Field(..., description="所需积分 · points needed")
    stock: int
    unit: str = Field(..., alias="unit.name", description="领取单位 · where to collect it")


class PortalPointsOut(Schema):
    balance: int
    verified: bool = Field(..., description="已实名认证 · only verified residents may redeem")


class PortalRedemptionOut(Schema):
    id: int
    reward: str = Field(..., alias="reward.name")
    unit: str = Field(..., alias="reward.unit.name")
    cost: int
    status: str
    created_at: datetime
    handed_over_at: datetime | None


@router.get("/points", response=PortalPointsOut, summary="我的积分 · My points")
def points(request):
    _require(request, "portal.points")
    return {"balance": selectors.balance(request.user), "verified": services.is_verified(request.user)}


@router.get("/points/entries", response=list[PortalPointsEntryOut], summary="积分明细 · My points ledger")
@paginate(BoundedLimitOffset)
def points_entries(request):
    _require(request, "portal.points")
    return selectors.ledger(request.user)


@router.get("/rewards", response=list[PortalRewardOut], summary="可兑换的奖品 · Rewards I may redeem")
def rewards(request):
    _require(request, "portal.points")
    return list(selectors.rewards_for(request.user))


@router.post(
    "/rewards/{reward_id}/redeem",
    response={201: PortalRedemptionOut},
    summary="兑换奖品 · Redeem a reward",
)
def redeem(request, reward_id: Id):
    _require(request, "portal.points")
    reward = selectors.access_reward(user=request.user, reward_id=reward_id)
    return Status(201, services.redeem(user=request.user, reward=reward))


@router.get("/redemptions", response=list[PortalRedemptionOut], summary="我的兑换 · My redemptions")
@paginate(BoundedLimitOffset)
def my_redemptions(request):
    _require(request, "portal.points")
    return selectors.my_redemptions(request.user).select_related("reward__unit")


# ---------------------------------------------------------------- real-name verification


class VerificationIn(Schema):
    full_name: str = Field(..., max_length=50, description="姓名 · name")
    id_number: str = Field(..., max_length=18, description="身份证号（18 位，由服务校验） · ID number (18)")


class VerificationOut(Schema):
    id: int
    full_name: str
    id_masked: str = Field(..., description="脱敏身份证号 · masked ID number")
    unit: str = Field(..., alias="unit.name", description="办理单位 · who checks it")
    status: str
    reason: str
    created_at: datetime
    decided_at: datetime | None


class VerificationDecisionIn(Schema):
    confirm: bool
    reason: str = Field("", max_length=200, description="退回原因（退回时必填） · reason when refusing")


@router.get(
    "/verification", response={200: VerificationOut, 204: None}, summary="我的实名认证 · My verification"
)
def verification(request):
    _require(request, "portal.points")
    latest = selectors.latest_verification(request.user)
    return latest if latest is not None else Status(204, None)


@router.post("/verification", response={201: VerificationOut}, summary="申请实名认证 · Ask to be verified")
def verification_request(request, payload: VerificationIn):
    _require(request, "portal.points")
    return Status(201, services.verification_request(user=request.user, **payload.dict()))


@router.get(
    "/staff/verifications",
    response=list[VerificationOut],
    summary="待确认的实名认证 · Verifications to decide",
)
@paginate(BoundedLimitOffset)
def verification_queue(request):
    _require(request, "portal.verify")
    return selectors.verification_queue(request.user)


@router.post(
    "/staff/verifications/{verification_id}/decide",
    response=VerificationOut,
    summary="确认或退回实名认证 · Confirm or refuse a verification",
)
def verification_decide(request, verification_id: Id, payload: VerificationDecisionIn):
    _require(request, "portal.verify")
    item = selectors.access_verification(user=request.user, verification_id=verification_id)
    return services.verification_decide(
        actor=request.user, verification=item, confirm=payload.confirm, reason=payload.reason
    )


@router.get(
    "/staff/redemptions",
    response=list[PortalRedemptionOut],
    summary="待领取的兑换 · Redemptions to hand over",
)
@paginate(BoundedLimitOffset)
def redemption_queue(request):
    _require(request, "portal.rewards")
    return selectors.redemptions_to_hand_over(request.user).select_related("reward__unit")


@router.post(
    "/staff/redemptions/{redemption_id}/hand-over",
    response=PortalRedemptionOut,
    summary="登记领取 · Record a hand-over",
)
def hand_over(request, redemption_id: Id):
    _require(request, "portal.rewards")
    item = selectors.access_redemption(user=request.user, redemption_id=redemption_id)
    return services.redemption_hand_over(actor=request.user, redemption=item)


# ---------------------------------------------------------------- suggestions (民情直通)


class SuggestionIn(Schema):
    text: str = Field(..., max_length=4000, description="意见、建议或反映的问题 · what it is about")
    grid: Id = Field(..., description="所在网格 id · the grid it concerns")
    lat: float | None = Field(None, ge=-90, le=90)
    lng: float | None = Field(None, ge=-180, le=180)


class SuggestionReplyOut(Schema):
    body: str
    author: str = Field(..., alias="author.full_name")
    at: datetime


class SuggestionOut(Schema):
    id: int
    number: str
    category: str = Field(..., alias="category.name")
    status: str
    description: str
    reported_at: datetime


class SuggestionDetailOut(SuggestionOut):
    replies: list[SuggestionReplyOut]


class SuggestionReplyIn(Schema):
    body: str = Field(..., min_length=1, max_length=2000, description="答复内容 · the reply")


@router.get("/suggestions", response=list[SuggestionOut], summary="我的意见建议 · My suggestions")
@paginate(BoundedLimitOffset)
def my_suggestions(request):
    _require(request, "portal.suggest")
    return selectors.my_suggestions(request.user).select_related("category")


@router.post("/suggestions", response={201: SuggestionOut}, summary="提交意见建议 · Say it directly")
def suggestion_submit(request, payload: SuggestionIn):
    _require(request, "portal.suggest")
    grid = OrgUnit.objects.filter(pk=payload.grid).first()
    if grid is None:
        raise NotFound()
    case = services.suggestion_submit(
        actor=request.user, text=payload.text, grid=grid, lat=payload.lat, lng=payload.lng
    )
    return Status(201, case)


@router.get(
    "/suggestions/{case_id}",
    response=SuggestionDetailOut,
    summary="意见建议与答复 · A suggestion and its replies",
)
def suggestion(request, case_id: Id):
    _require(request, "portal.suggest")
    case = selectors.access_my_suggestion(user=request.user, case_id=case_id)
    case.replies = list(selectors.replies(case).select_related("author"))
    return case


@router.get(
    "/staff/suggestions", response=list[SuggestionOut], summary="居民意见建议 · Suggestions to answer"
)
@paginate(BoundedLimitOffset)
def staff_suggestions(request):
    _require(request, "portal.reply")
    return selectors.suggestions_for_staff(request.user).select_related("category")


@router.post(
    "/staff/suggestions/{case_id}/replies",
    response={201: SuggestionReplyOut},
    summary="答复居民 · Reply to the resident",
)
def reply(request, case_id: Id, payload: SuggestionReplyIn):
    _require(request, "portal.reply")
    case = selectors.access_staff_suggestion(user=request.user, case_id=case_id)
    return Status(201, services.reply_add(actor=request.user, case=case, body=payload.body))


# ---------------------------------------------------------------- news and publications


class PortalNewsOut(Schema):
    id: int
    title: str
    body: str
    unit: str = Field(..., alias="unit.name")
    is_notice: bool
    published_at: datetime


class PublicationOut(Schema):
    id: int
    title: str
    summary: str = Field(..., description="问题摘要（已去除个人信息） · the problem, personal data removed")
    reply: str
    community: str = Field(..., alias="community.name")
    published_at: datetime


@router.get("/news", response=list[PortalNewsOut], summary="社区新闻与通知 · News of my community")
def news(request):
    return selectors.news_for(request.user, limit=50)


@router.get("/public", response=list[PublicationOut], summary="办理公示 · Published answers")
@paginate(BoundedLimitOffset)
def public(request):
    return selectors.publications(community=selectors.community_of(request.user)).select_related("community")
