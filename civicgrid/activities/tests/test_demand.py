"""Demand menus: per group, what sign-ups, suggestions and the registry say, with activity ideas that
turn into a pre-filled activity — for the community's head, within their community."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from civicgrid.activities import selectors, services
from civicgrid.activities.selectors import DemandSource
from civicgrid.core.testing import log_in
from civicgrid.portal import services as portal_services
from civicgrid.registry.models import GroupMembership, Person, ServiceGroup

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demand(registry, flow, personas, tree, make_activity, resident_b):
    """Community A: an old man (disabled group), a child of 8 beside 张伟's family, 16-year-old 张小明;
    two suggestions (elderly, children); a past activity for the elderly with two people."""
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        past = make_activity(audience="elderly", capacity=10, title="防三高讲座")
        services.signup_create(actor=personas.resident, activity=past)
        services.signup_create(actor=personas.volunteer, activity=past)
    old = Person.objects.create(
        full_name="王大爷", birth_date=date(1950, 5, 1), grid=tree.grid_a1, household=registry.household_a
    )
    Person.objects.create(
        full_name="张小妹", birth_date=date(2018, 6, 1), grid=tree.grid_a1, household=registry.household_a
    )
    disabled = ServiceGroup.objects.create(code="disabled", name="残疾人")
    GroupMembership.objects.create(person=old, group=disabled)
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        portal_services.suggestion_submit(
            actor=personas.resident, text="希望社区多组织老人助餐和养生讲座", grid=tree.grid_a1
        )
        portal_services.suggestion_submit(
            actor=personas.resident, text="小区孩子放学后没人照看，希望有托管班", grid=tree.grid_a2
        )
        portal_services.suggestion_submit(
            actor=resident_b, text="乙社区的老年人希望有助餐点", grid=tree.grid_b1
        )
    return past


def figures(menu, audience: str) -> dict:
    row = next(r for r in menu.rows if r.audience == audience)
    return dict(zip([s.key for s in menu.sources], row.figures, strict=True)) | {"held": row.held}


def test_the_head_sees_each_groups_demand_in_their_community(client, demand, personas, tree):
    with time_machine.travel(NOW, tick=False):
        menu = selectors.demand_menu(user=personas.community_head_a)
        assert menu.community == tree.community_a  # the only one they lead
        assert figures(menu, "elderly") == {
            "signups": 2,
            "suggestions": 1,
            "population": 1,
            "polls": 0,
            "held": 1,
        }
        assert figures(menu, "children") == {
            "signups": 0,
            "suggestions": 1,
            "population": 1,
            "polls": 0,
            "held": 0,
        }
        assert figures(menu, "youth")["population"] == 1  # 张小明 (16); 张伟 (46) and 李娜 (44) are not
        assert figures(menu, "families")["population"] == 1
        assert figures(menu, "disabled")["population"] == 1
        assert figures(menu, "volunteers")["population"] == 1
        log_in(client, personas.community_head_a)
        page = client.get("/portal/activities/staff/demand/").content.decode()
    elderly = re.search(r'<tr data-audience="elderly">(.*?)</tr>', page, re.S).group(1)
    assert re.findall(r'<td class="text-end">(\d+)</td>', elderly) == ["2", "1", "1", "0", "1"]
    assert "老年人如何防三高健康讲座" in page
    assert f"/portal/activities/new/?idea=elderly-health&amp;unit={tree.community_a.pk}" in page


def test_ideas_turn_into_a_pre_filled_activity(client, personas, tree):
    log_in(client, personas.community_head_a)
    page = client.get(f"/portal/activities/new/?idea=children-volunteer&unit={tree.community_a.pk}")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="我是小小志愿者"' in html
    assert '<option value="children" selected>' in html
    assert f'<option value="{tree.community_a.pk}" selected>' in html
    assert re.search(r'name="starts_at" id="id_starts_at" value="\d{4}-\d\d-\d\dT09:00"', html)


def test_a_head_cannot_look_at_another_community_and_a_leader_sees_all(client, demand, personas, tree):
    log_in(client, personas.community_head_b)
    response = client.get(f"/portal/activities/staff/demand/?community={tree.community_a.pk}")
    assert response.status_code == 404
    with time_machine.travel(NOW, tick=False):
        menu = selectors.demand_menu(user=personas.street_leader)
        assert [c.name for c in menu.communities] == ["甲社区", "乙社区"] and menu.community is None
        assert figures(menu, "elderly")["suggestions"] == 2  # both communities
        only_b = selectors.demand_menu(user=personas.street_leader, community_id=tree.community_b.pk)
        assert figures(only_b, "elderly") == {
            "signups": 0,
            "suggestions": 1,
            "population": 0,
            "polls": 0,
            "held": 0,
        }


def test_other_apps_add_their_own_demand_source(client, personas, monkeypatch):
    sources = list(selectors.DEMAND_SOURCES)
    monkeypatch.setattr(selectors, "DEMAND_SOURCES", sources)
    selectors.register_demand_source(
        DemandSource("markets", "集市意向", lambda scope: {"youth": 7 * len(scope.communities)})
    )
    selectors.register_demand_source(DemandSource("markets", "重复", lambda scope: {}))  # once per key
    menu = selectors.demand_menu(user=personas.community_head_a)
    assert [s.key for s in menu.sources] == ["signups", "suggestions", "population", "polls", "markets"]
    assert figures(menu, "youth")["markets"] == 7
    log_in(client, personas.community_head_a)
    assert "集市意向" in client.get("/portal/activities/staff/demand/").content.decode()
