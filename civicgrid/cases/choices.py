from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    VISIT = "visit", _("走访发现")
    PATROL = "patrol", _("巡查上报")
    SUGGESTION = "suggestion", _("居民意见建议")
    REWARDED_REPORT = "rewarded_report", _("有奖发现（黄金眼）")
    AGENCY = "agency", _("部门上报")
    INSPECTION = "inspection", _("督查发现")
    HOTLINE = "hotline", _("热线")
    OPEN311 = "open311", _("开放接口")


class CaseStatus(models.TextChoices):
    REPORTED = "reported", _("待网格员核实")
    AWAITING_CLAIM = "awaiting_claim", _("待领办")
    DISPATCHER_QUEUE = "dispatcher_queue", _("待人工派单")
    CLAIMED = "claimed", _("已领办")
    DISPATCHED = "dispatched", _("已派单")
    VERIFIED = "verified", _("处置中")
    RESOLVED = "resolved", _("已办结待核查")
    DISPUTED = "disputed", _("异议甄别中")
    CLOSED = "closed", _("已结案")
    MERGED = "merged", _("已合并")


OPEN_STATUSES = frozenset(
    {
        CaseStatus.REPORTED,
        CaseStatus.AWAITING_CLAIM,
        CaseStatus.DISPATCHER_QUEUE,
        CaseStatus.CLAIMED,
        CaseStatus.DISPATCHED,
        CaseStatus.VERIFIED,
        CaseStatus.RESOLVED,
        CaseStatus.DISPUTED,
    }
)
# States in which someone holds the case and its clock is theirs.
HELD_STATUSES = frozenset({CaseStatus.CLAIMED, CaseStatus.DISPATCHED, CaseStatus.VERIFIED})


class Outcome(models.TextChoices):
    """How a case ended; only RESOLVED counts as solved in any figure."""

    RESOLVED = "resolved", _("已解决")
    NOT_OURS = "not_ours", _("非本辖区/本部门职责（已转交）")
    UNABLE = "unable", _("无法解决")
    DUPLICATE = "duplicate", _("重复问题")
    INVALID = "invalid", _("不实报告")


class Light(models.TextChoices):
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")
    PAUSED = "paused", _("暂停计时")
    NONE = "none", _("—")


class WarningLevel(models.TextChoices):
    I = "I", _("一级预警（最严重）")  # noqa: E741
    II = "II", _("二级预警")
    III = "III", _("三级预警")


class ReturnReason(models.TextChoices):
    NOT_OUR_DUTY = "not_our_duty", _("不属于本单位职责")
    WRONG_PLACE = "wrong_place", _("地点不在本辖区")
    WRONG_CATEGORY = "wrong_category", _("问题类别有误")
    NEED_HIGHER = "need_higher", _("需上级协调")


class EventKind(models.TextChoices):
    REPORTED = "reported", _("上报")
    CONFIRMED = "confirmed", _("网格员核实确认")
    REJECTED = "rejected", _("核实不属实")
    CLAIMED = "claimed", _("领办")
    DISPATCHED = "dispatched", _("派单")
    QUEUED = "queued", _("转人工派单")
    VERIFIED = "verified", _("现场核实")
    WORK_LOG = "work_log", _("处置记录")
    RESOLVED = "resolved", _("办结")
    CLOSED = "closed", _("核查结案")
    REOPENED = "reopened", _("返工")
    RETURNED = "returned", _("退回")
    DISPUTED = "disputed", _("提出异议")
    DISPUTE_UPHELD = "dispute_upheld", _("异议成立")
    DISPUTE_REJECTED = "dispute_rejected", _("异议不成立")
    MERGED = "merged", _("合并")
    RECATEGORISED = "recategorised", _("更正类别")
    WARNING_SET = "warning_set", _("设定预警等级")
    CHECKLIST = "checklist", _("处置步骤")
    INSPECTED = "inspected", _("督查")
    YELLOW = "yellow", _("黄灯提醒")
    RED = "red", _("红灯告警")
    EXTENSION_REQUESTED = "extension_requested", _("申请延期/缓办")
    EXTENSION_DECIDED = "extension_decided", _("延期/缓办审批")
    RESUMED = "resumed", _("恢复计时")
    RATED = "rated", _("评价")
    NOTIFIED = "notified", _("反馈报告人")


class ExtensionKind(models.TextChoices):
    EXTENSION = "extension", _("延期")
    PAUSE = "pause", _("缓办（暂停计时）")


class DecisionStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("未批准")
