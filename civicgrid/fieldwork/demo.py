"""Demo workbench: the policy library (10 service lines), the street's 六六三 visit programme, a
visit history that leaves some households due and some overdue, case studies and work logs."""

import json
import random
from datetime import date, timedelta

from django.contrib.auth import get_user_model

from civicgrid.core import clock
from civicgrid.org.choices import Role
from civicgrid.org.models import Membership
from civicgrid.registry.choices import PersonStatus
from civicgrid.registry.models import GroupMembership, Household, ServiceGroup

from .models import CaseStudy, CaseStudyComment, ServiceLine, Visit, VisitProgramme, WorkLogEntry
from .search import DATA
from .services import item_save

STUDIES = [
    (
        "独居老人家中漏水，三方协调一天解决",
        "## 情况\n\n走访时发现 3 单元独居的王奶奶家卫生间顶板渗水，楼上住户长期在外地。\n\n"
        "## 做法\n\n- 先联系物业关闭楼上总阀，临时止水；\n- 通过社区党员志愿者联系到楼上业主，视频确认后由物业入户维修；\n"
        "- 维修费用由楼上业主承担，社区全程见证并拍照留档。\n\n## 体会\n\n**先止损、再找人、最后定责**，老人当天就能正常用水。",
        ["独居老人", "邻里纠纷", "物业"],
    ),
    (
        "楼道堆物反复出现，用“楼道长”机制管住",
        "## 情况\n\n2 幢楼道长期堆放纸板和旧家具，清理后一周又堆回来。\n\n## 做法\n\n"
        "- 每个单元推选一名楼道长，建微信群；\n- 清理当天邀请住户一起参与，拍照公示；\n- 每周五网格员和楼道长一起巡查。\n\n"
        "## 效果\n\n连续三个月未再出现堆物，消防通道保持畅通。",
        ["消防安全", "楼道堆物", "居民自治"],
    ),
    (
        "失业人员再就业：从政策咨询到上岗的全流程陪办",
        "## 情况\n\n走访中了解到李先生失业半年，不清楚可以领取失业保险金，也不知道有免费技能培训。\n\n## 做法\n\n"
        "- 用政策库查到“失业保险金申领”，当场告知所需材料；\n- 陪同到街道社保服务中心办理；\n"
        "- 推荐参加区里的电工培训，结业后对接辖区企业招聘。\n\n## 体会\n\n政策要**讲清楚、跑一次**，比发传单有用得多。",
        ["就业帮扶", "失业保险", "政策咨询"],
    ),
]


def load_policy_library() -> int:
    """The ten service lines and their items (idempotent: items are matched by code)."""
    data = json.loads((DATA / "service_items.json").read_text(encoding="utf-8"))
    lines = {}
    for line in data["lines"]:
        lines[line["code"]], _ = ServiceLine.objects.update_or_create(
            code=line["code"], defaults={"name": line["name"], "sort": line.get("sort", 0)}
        )
    for item in data["items"]:
        item_save(
            line=lines[item["line"]],
            code=item["code"],
            title=item["title"],
            eligibility=item.get("eligibility", ""),
            materials=item.get("materials", []),
            process=item.get("process", []),
            office=item.get("office", ""),
            time_limit=item.get("time_limit", ""),
            fee=item.get("fee", ""),
            documents=item.get("documents", []),
        )
    return len(data["items"])


def _quarter(today: date) -> tuple[date, date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    start = date(today.year, first_month, 1)
    end = date(today.year + (first_month == 10), (first_month + 3) % 12 or 12, 1) - timedelta(days=1)
    return start, end


def load(ctx: dict) -> None:
    if int(ctx.get("scale", 1)) < 1:
        return
    count = load_policy_library()
    street, grids = ctx["street"], ctx["grids"]
    User = get_user_model()
    admin = User.objects.get(username="admin")
    start, end = _quarter(clock.today())
    programme, _ = VisitProgramme.objects.get_or_create(
        unit=street,
        name=f"六六三走访（{start.year}年第{(start.month + 2) // 3}季度）",
        defaults={
            "description": "六类重点对象每季度走访、六项内容逐户核实、三级网格分级落实。",
            "starts_on": start,
            "ends_on": end,
            "visits_per_target": 1,
            "created_by": admin,
        },
    )
    programme.groups.set(
        ServiceGroup.objects.filter(
            code__in=[
                "elderly_alone",
                "disabled",
                "low_income",
                "assistance",
                "elderly_80",
                "left_behind_child",
            ]
        )
    )
    if Visit.objects.exists():
        ctx["stdout"].write(f"网格微管站：{count} 个服务事项；走访记录已存在，跳过。")
        return
    _visits(grids, programme)
    _studies(ctx)
    ctx["stdout"].write(f"网格微管站：{count} 个服务事项，{Visit.objects.count()} 条走访记录。")


def _visits(grids, programme) -> None:
    """One past visit per scheduled household, spread so about a fifth are due or overdue today."""
    rng = random.Random(663)  # nosec B311
    now = clock.now()
    worker_of = {
        m.unit_id: m.user_id for m in Membership.objects.filter(role=Role.GRID_WORKER, unit__in=grids)
    }
    shortest = {}
    rows = GroupMembership.objects.filter(is_active=True, person__status=PersonStatus.LIVING).values_list(
        "person__household_id",
        "grade",
        "group__visit_days_grade_1",
        "group__visit_days_grade_2",
        "group__visit_days_grade_3",
    )
    for household_id, grade, *days in rows:
        interval = days[grade - 1]
        if household_id and interval:
            shortest[household_id] = min(shortest.get(household_id, interval), interval)
    households = Household.objects.filter(pk__in=shortest).values_list("pk", "grid_id")
    notes = [
        "入户走访，家庭情况稳定。",
        "了解近期生活情况，无特殊需求。",
        "宣传防诈骗知识。",
        "核实家庭成员信息。",
    ]
    visits = []
    for household_id, grid_id in households:
        if grid_id not in worker_of:
            continue
        ago = rng.uniform(0.1, 1.25) * shortest[household_id]
        visited = now - timedelta(days=ago, hours=rng.uniform(0, 8))
        visits.append(
            Visit(
                grid_id=grid_id,
                household_id=household_id,
                visitor_id=worker_of[grid_id],
                visited_at=visited,
                notes=rng.choice(notes),
                met="户主",
                programme=programme if visited.date() >= programme.starts_on else None,
            )
        )
    Visit.objects.bulk_create(visits, batch_size=2000)


def _studies(ctx) -> None:
    User = get_user_model()
    communities = ctx["communities"]
    head = User.objects.get(username="head01")
    for i, (title, body, tags) in enumerate(STUDIES):
        author = User.objects.get(username=f"grid{i + 1:03d}")
        study = CaseStudy.objects.create(
            community=communities[0],
            author=author,
            title=title,
            body=body,
            tags=tags,
            tags_text=f"|{'|'.join(tags)}|",
            is_pinned=i == 2,
            pinned_by=head if i == 2 else None,
        )
        CaseStudyComment.objects.create(study=study, author=head, body="做法很实用，各网格可以参考。")
    worker = User.objects.get(username="grid001")
    grid = (
        Membership.objects.filter(user=worker, role=Role.GRID_WORKER)
        .values_list("unit_id", flat=True)
        .first()
    )
    for days_ago, body in [
        (1, "上午走访 6 户重点对象，下午处理楼道堆物问题。"),
        (0, "整理本周走访记录，参加社区例会。"),
    ]:
        WorkLogEntry.objects.create(
            author=worker, unit_id=grid, day=clock.today() - timedelta(days=days_ago), body=body
        )
