"""Activities fixtures on top of the shared personas: the activity points rule, a resident of the other
community, and a helper that publishes an activity of community A the day after tomorrow."""

from datetime import timedelta

import pytest

from civicgrid.activities import services
from civicgrid.cases.tests.conftest import flow  # noqa: F401
from civicgrid.core import clock
from civicgrid.core.testing import make_user
from civicgrid.org.choices import Role
from civicgrid.portal.models import PointsRule
from civicgrid.registry.tests.conftest import registry  # noqa: F401


@pytest.fixture
def points_rule(db):
    return PointsRule.objects.create(code="activity", name="参加活动", points=10)


@pytest.fixture
def resident_b(tree):
    return make_user(
        "resident_b", unit=tree.community_b, role=Role.RESIDENT, kind="resident", phone="13800000002"
    )


def residents(tree, count: int, *, prefix: str = "r"):
    """`count` residents of community A (phones 1360000xxxx)."""
    return [
        make_user(
            f"{prefix}{i:03d}",
            unit=tree.community_a,
            role=Role.RESIDENT,
            kind="resident",
            phone=f"136{i:08d}",
            full_name=f"居民{i:03d}",
        )
        for i in range(1, count + 1)
    ]


def fields(**overrides) -> dict:
    starts = clock.now() + timedelta(days=2)
    values = {
        "title": "社区乒乓球友谊赛",
        "description": "单打比赛，先到先得。",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "place": "甲社区活动室",
        "capacity": 2,
        "audience": "all",
    }
    return values | overrides


@pytest.fixture
def make_activity(personas, tree):
    def make(*, actor=None, unit=None, **overrides):
        return services.activity_create(
            actor=actor or personas.community_head_a, unit=unit or tree.community_a, **fields(**overrides)
        )

    return make
