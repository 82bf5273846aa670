"""Problem-flow fixtures on top of the shared personas: policies, categories and routing rules."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from civicgrid.cases.models import Category, RoutingRule, SlaPolicy

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Monday in an ordinary week (no holiday near): the default moment of these tests.
MONDAY_9AM = datetime(2026, 11, 2, 9, 0, tzinfo=SHANGHAI)
# 60 m east of the first point in grid A1 (lng 120.02 at lat 30.05: 1° lng ≈ 96 km).
A1_POINT = (30.05, 120.02)
A1_POINT_60M = (30.05, 120.02062)


@dataclass
class Flow:
    ordinary: Category
    rewarded: Category
    suggestion: Category
    ordinary_policy: SlaPolicy
    rewarded_policy: SlaPolicy


@pytest.fixture
def flow(tree, personas) -> Flow:
    ordinary = SlaPolicy.objects.create(
        code="ordinary",
        name="一般问题",
        claim_hours=24,
        verify_hours=24,
        resolve_hours=168,
        working_days=True,
    )
    rewarded = SlaPolicy.objects.create(
        code="rewarded", name="黄金眼", claim_hours=4, verify_hours=24, resolve_hours=48, dispute_hours=24
    )
    suggestion = SlaPolicy.objects.create(
        code="suggestion", name="意见建议", claim_hours=24, resolve_hours=72, working_days=True
    )
    for level, (claim, verify, resolve) in {
        "I": ("0.5", 2, 24),
        "II": (2, 12, 72),
        "III": (4, 24, 168),
    }.items():
        SlaPolicy.objects.create(
            code=f"warning_{level}",
            name=f"{level}级预警",
            claim_hours=claim,
            verify_hours=verify,
            resolve_hours=resolve,
            steps=["到场", "处置", "报告"],
        )
    municipal = Category.objects.create(code="municipal", name="市政设施", policy=ordinary)
    sanitation = Category.objects.create(
        code="sanitation", name="卫生死角", policy=rewarded, is_rewarded=True, allows_anonymous=True
    )
    advice = Category.objects.create(
        code="suggestion", name="意见建议", policy=suggestion, allows_anonymous=True
    )
    RoutingRule.objects.create(category=sanitation, area=tree.street, to_case_community=True, priority=10)
    RoutingRule.objects.create(category=municipal, area=tree.street, target=tree.department, priority=20)
    tree.department.name = "城管科"
    return Flow(municipal, sanitation, advice, ordinary, rewarded)


@pytest.fixture
def stability_centre(tree, personas):
    """Make the test department the stability centre (综治办) that sets warning levels."""
    tree.department.name = "综治办"
    tree.department.save(update_fields=["name"])
    return tree.department
