"""Demo problem-flow centre: the SLA policies of SPEC §4, categories, routing rules, the 2026
holiday calendar, and cases in every state across the street."""

import random
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model

from civicgrid.core import clock
from civicgrid.org.choices import Role
from civicgrid.org.models import Membership, OrgUnit

from . import services, sla
from .choices import Channel, Outcome
from .models import Case, Category, RoutingRule, SlaPolicy

RESPONSE_STEPS = {
    "I": [
        "立即报告街道主要领导",
        "30 分钟内到场处置",
        "启动应急预案，联动派出所",
        "每 2 小时报告进展",
        "事后复盘",
    ],
    "II": ["报告分管领导", "2 小时内到场核实", "协调相关科室处置", "每日报告进展"],
    "III": ["报告综治办", "24 小时内核实", "按期办结"],
}
POLICIES = [
    # code, name, claim, verify, resolve, dispute, working days
    ("ordinary", "一般问题", 24, 24, 168, None, True),
    ("rewarded", "有奖发现（黄金眼）", 4, 24, 48, 24, False),
    ("suggestion", "居民意见建议", 24, None, 72, None, True),
    ("warning_I", "一级预警", Decimal("0.5"), 2, 24, None, False),
    ("warning_II", "二级预警", 2, 12, 72, None, False),
    ("warning_III", "三级预警", 4, 24, 168, None, False),
]
CATEGORIES = [
    # code, name, policy, rewarded, anonymous, department
    ("illegal_activity", "黄赌毒", "rewarded", True, True, "综治办"),
    ("illegal_construction", "违章搭建", "rewarded", True, True, "城管科"),
    ("illegal_renting", "违规出租", "rewarded", True, True, "综治办"),
    ("sanitation", "卫生死角", "rewarded", True, True, "城管科"),
    ("environment", "环境卫生", "ordinary", False, False, "城管科"),
    ("municipal", "市政设施", "ordinary", False, False, "城管科"),
    ("safety", "安全隐患", "ordinary", False, False, "综治办"),
    ("dispute", "邻里纠纷", "ordinary", False, False, "综治办"),
    ("civil_affairs", "民政救助", "ordinary", False, False, "民政科"),
    ("suggestion", "意见建议", "suggestion", False, True, None),
]
DESCRIPTIONS = {
    "illegal_construction": ["楼顶新搭彩钢棚约 20 平方米", "一楼住户私自扩建院墙"],
    "sanitation": ["小区东门垃圾堆积多日无人清理", "绿化带内有大量建筑垃圾"],
    "illegal_renting": ["群租房，一套房住了十余人", "地下室违规出租住人"],
    "illegal_activity": ["疑似有人聚众赌博", "夜间有可疑人员聚集"],
    "environment": ["路面油污严重", "垃圾桶破损"],
    "municipal": ["路灯不亮已一周", "人行道地砖松动"],
    "safety": ["楼道堆放电动车充电", "消防通道被占用"],
    "dispute": ["楼上漏水引发邻里矛盾", "噪音扰民"],
    "civil_affairs": ["独居老人生活困难", "低保家庭需要临时救助"],
    "suggestion": ["建议增设健身器材", "建议延长社区食堂营业时间"],
}


def ensure_policies() -> dict[str, SlaPolicy]:
    """The demo's time-limit policies by code, made when missing (the synthetic city uses them too)."""
    policies = {}
    for code, name, claim, verify, resolve, dispute, working in POLICIES:
        policies[code], _ = SlaPolicy.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "claim_hours": claim,
                "verify_hours": verify,
                "resolve_hours": resolve,
                "dispute_hours": dispute,
                "working_days": working,
                "steps": RESPONSE_STEPS.get(code.removeprefix("warning_"), []),
            },
        )
    return policies


def load(ctx: dict) -> None:
    sla.seed_calendar(2026)
    policies = ensure_policies()
    street = ctx["street"]
    departments = {unit.name: unit for unit, _slug in ctx["departments"]}
    for sort, (code, name, policy, rewarded, anonymous, department) in enumerate(CATEGORIES):
        category, created = Category.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "policy": policies[policy],
                "is_rewarded": rewarded,
                "allows_anonymous": anonymous,
                "sort": sort,
            },
        )
        if created:
            if rewarded:  # 黄金眼: dispatched to the community of the place
                RoutingRule.objects.create(
                    category=category, area=street, to_case_community=True, priority=10
                )
            elif department:
                RoutingRule.objects.create(
                    category=category, area=street, target=departments[department], priority=20
                )
    if Case.objects.exists() or int(ctx.get("scale", 1)) < 1:
        return
    _cases(ctx)


def _cases(ctx: dict) -> None:
    """A few hundred cases across the street, some waiting, some held, some late, most closed."""
    rng = random.Random(44)  # nosec B311
    User = get_user_model()
    now = clock.now()
    categories = list(Category.objects.all())
    grids = ctx["grids"]
    worker_of = {
        m.unit_id: m.user for m in Membership.objects.filter(role=Role.GRID_WORKER).select_related("user")
    }
    head_of = {
        m.unit.path: m.user
        for m in Membership.objects.filter(role=Role.COMMUNITY_HEAD).select_related("user", "unit")
    }
    volunteers = list(User.objects.filter(username__startswith="volunteer"))
    made = 0
    for _ in range(360):
        grid = rng.choice(grids)
        category = rng.choice(categories)
        worker = worker_of[grid.pk]
        reporter = rng.choice(volunteers) if category.is_rewarded else worker
        box = grid.boundary["coordinates"][0]
        lat = box[0][1] + (box[2][1] - box[0][1]) * rng.random()
        lng = box[0][0] + (box[2][0] - box[0][0]) * rng.random()
        reported = now - timedelta(hours=rng.uniform(0.2, 24 * 40))
        channel = Channel.REWARDED_REPORT if category.is_rewarded else Channel.VISIT
        case = services.case_report(
            actor=reporter,
            channel=channel,
            category=category,
            lat=lat,
            lng=lng,
            description=rng.choice(DESCRIPTIONS[category.code]),
            now=reported,
        )
        made += 1
        stage = rng.random()
        if stage < 0.12:
            continue  # waiting in the centre (some past their claim limit: the sweep dispatches them)
        claimed = reported + timedelta(hours=rng.uniform(0.2, 6))
        if claimed > now:
            continue
        case = services.case_claim(case=case, actor=worker, now=claimed)
        if stage < 0.25:
            continue
        verified = claimed + timedelta(hours=rng.uniform(0.5, 20))
        if verified > now:
            continue
        case = services.case_verify(case=case, actor=worker, note="已到现场核实", now=verified)
        if stage < 0.4:
            continue
        resolved = verified + timedelta(hours=rng.expovariate(1 / 30))
        if resolved > now:
            continue
        case = services.case_resolve(case=case, actor=worker, note="已协调处理完毕", now=resolved)
        if stage < 0.5:
            continue
        head = head_of[grid.path[: -OrgUnit.steplen]]
        closed = resolved + timedelta(hours=rng.uniform(1, 24))
        if closed > now:
            continue
        services.case_close(
            case=case, actor=head, outcome=Outcome.RESOLVED, note="经核查已整改到位", now=closed
        )
    ctx["stdout"].write(f"问题流转：{made} 个演示问题。")
