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
