"""Demo portal: points rules, the street's rewards catalogue, a verified resident with points and a
verification request waiting for a grid worker."""

from datetime import timedelta

from django.contrib.auth import get_user_model

from civicgrid.core import clock
from civicgrid.core.crypto import mask
from civicgrid.org.choices import Role
from civicgrid.org.models import Membership
from civicgrid.registry.choices import PersonStatus
from civicgrid.registry.models import Person

from .choices import VerificationStatus
from .models import PointsRule, Reward, Verification
from .services import points_award

RULES = [
    ("daily_login", "每日登录", 2, 200),
    ("vote", "参与投票", 2, None),
    ("survey", "参与调研", 5, None),
    ("activity", "参加活动", 10, None),
    ("valid_report", "有效发现（黄金眼）", 10, None),
    ("published_suggestion", "意见建议被公示", 5, None),
]
REWARDS = [
    ("环保购物袋", "可重复使用的帆布袋", 50, 200),
    ("社区理发服务券", "社区便民服务点理发一次", 80, 60),
    ("5 公斤大米", "街道年度积分兑换", 300, 20),
    ("家电小修服务", "志愿者上门小修一次（不含配件）", 120, 30),
]


def load(ctx: dict) -> None:
    for code, name, points, cap in RULES:
        PointsRule.objects.get_or_create(
            code=code, defaults={"name": name, "points": points, "yearly_cap": cap}
        )
    street = ctx["street"]
    for name, description, cost, stock in REWARDS:
        Reward.objects.get_or_create(
            unit=street, name=name, defaults={"description": description, "cost": cost, "stock": stock}
        )
    load_news_and_rules(ctx)
    if int(ctx.get("scale", 1)) < 1 or Verification.objects.exists():
        return
    User = get_user_model()
    now = clock.now()
    for number, status in [(1, VerificationStatus.CONFIRMED), (2, VerificationStatus.PENDING)]:
        user = User.objects.get(username=f"resident{number:02d}")
        community = Membership.objects.filter(user=user, role=Role.RESIDENT).values_list(
            "unit__path", flat=True
        )[0]
        person = (
            Person.objects.filter(household__grid__path__startswith=community, status=PersonStatus.LIVING)
            .exclude(id_masked="")
            .select_related("household__grid")
            .order_by("pk")[number * 7]
        )
        user.full_name = person.full_name
        user.save(update_fields=["full_name"])
        Verification.objects.create(
            user=user,
            full_name=person.full_name,
            id_masked=person.id_masked or mask(""),
            person=person,
            unit=person.household.grid,
            status=status,
            created_at=now - timedelta(days=3),
            decided_at=now - timedelta(days=2) if status == VerificationStatus.CONFIRMED else None,
        )
        if status == VerificationStatus.CONFIRMED:
            for day in range(1, 31):
                points_award(
                    user=user,
                    rule_code="daily_login",
                    once_key=f"daily_login:{day}",
                    now=now - timedelta(days=day),
                )
            points_award(user=user, rule_code="activity", note="重阳节敬老活动", now=now - timedelta(days=5))
            points_award(user=user, rule_code="survey", note="加装电梯意愿调查", now=now - timedelta(days=4))


NEWS = [
    (
        "凯旋街道开展冬季消防安全大检查",
        "街道联合消防救援站对辖区老旧小区、沿街商铺开展消防安全检查，提醒居民不在楼道堆放杂物、不私拉电线给电动车充电。",
        False,
    ),
    (
        "关于 12 月社区卫生服务中心门诊时间调整的通知",
        "12 月起，社区卫生服务中心周六上午增设全科门诊，方便上班族就诊。",
        True,
    ),
    (
        "景芳社区“邻里节”圆满举办",
        "近百户居民参加了百家宴、旧物交换和志愿服务展示，社区书记为优秀楼道长颁发证书。",
        False,
    ),
]


def load_news_and_rules(ctx: dict) -> None:
    from civicgrid.cases.models import Category

    from .models import News, SuggestionRule

    admin = get_user_model().objects.get(username="admin")
    now = clock.now()
    street, communities = ctx["street"], ctx["communities"]
    for i, (title, body, notice) in enumerate(NEWS):
        unit = street if i != 2 else communities[1]
        News.objects.get_or_create(
            title=title,
            defaults={
                "unit": unit,
                "body": body,
                "is_notice": notice,
                "author": admin,
                "published_at": now - timedelta(days=i),
            },
        )
    categories = {c.code: c for c in Category.objects.all()}
    for keyword, code in [("路灯", "municipal"), ("井盖", "municipal"), ("噪音", "suggestion")]:
        if code in categories:
            SuggestionRule.objects.get_or_create(keyword=keyword, defaults={"category": categories[code]})
