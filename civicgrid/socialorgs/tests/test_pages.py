"""The browse page by category (cards, htmx), the organisation's page, the staff list, the demo."""

import pytest

from civicgrid.core.testing import log_in, make_user
from civicgrid.org.choices import Role
from civicgrid.socialorgs import demo, services
from civicgrid.socialorgs.models import JoinRequest, SocialOrg

pytestmark = pytest.mark.django_db


@pytest.fixture
def football(personas, people, tree):
    return services.socialorg_create(
        actor=personas.community_head_a,
        name="甲社区少年足球队",
        category="youth",
        unit=tree.community_a,
        introduction="周末带孩子们踢球。",
        admin_phone="13800000003",
    )


def test_browse_by_category_shows_cards_to_anyone(client, dance, choir, football):
    page = client.get("/portal/groups/").content.decode()  # signed out: what the street offers
    assert page.count('data-testid="org-card"') == 3
    assert "夕阳红舞蹈队" in page and "文化团队" in page and "0 名成员" in page
    youth = client.get("/portal/groups/", {"category": "youth"}).content.decode()
    assert "甲社区少年足球队" in youth and "夕阳红舞蹈队" not in youth


def test_htmx_swaps_only_the_cards(client, personas, dance, choir, tree):
    log_in(client, personas.resident)
    response = client.get(
        "/portal/groups/", {"community": tree.community_b.pk}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.startswith('<div id="org-browser"') and "<html" not in body
    assert "乙社区合唱团" in body and "夕阳红舞蹈队" not in body


def test_the_browse_page_reads_in_a_fixed_number_of_queries(
    client, personas, dance, choir, football, django_assert_max_num_queries
):
    log_in(client, personas.resident)
    client.get("/portal/groups/")
    with django_assert_max_num_queries(10):
        assert client.get("/portal/groups/").status_code == 200


def test_the_organisation_page_offers_joining_by_role(client, personas, people, dance):
    page = client.get(f"/portal/groups/{dance.pk}/").content.decode()
    assert "登录后申请加入" in page and "民族舞、广场舞" in page and "139****5678" in page
    log_in(client, personas.resident)
    assert 'data-testid="join-form"' in client.get(f"/portal/groups/{dance.pk}/").content.decode()
    log_in(client, people.org_account)
    page = client.get(f"/portal/groups/{dance.pk}/").content.decode()
    assert "管理本组织" in page and 'data-testid="join-form"' not in page
    assert client.get("/portal/groups/999999/").status_code == 404


def test_the_staff_list_shows_the_heads_own_community(client, personas, dance, choir):
    log_in(client, personas.community_head_a)
    page = client.get("/portal/groups/staff/").content.decode()
    assert "夕阳红舞蹈队" in page and "乙社区合唱团" not in page
    assert "137****0001" in page and "13700000001" not in page
    assert "/portal/groups/staff/" in client.get("/").content.decode()  # in the staff menu
    log_in(client, personas.platform_admin)
    page = client.get("/portal/groups/staff/").content.decode()
    assert "夕阳红舞蹈队" in page and "乙社区合唱团" in page


def test_the_demo_loads_teams_and_loads_again_without_change(personas, tree):
    for username, unit, role, kind, phone in [
        ("resident01", tree.community_a, Role.RESIDENT, "resident", "13805710001"),
        ("resident02", tree.community_b, Role.RESIDENT, "resident", "13805710002"),
        ("resident03", tree.community_b, Role.RESIDENT, "resident", "13805710003"),
        ("resident15", tree.community_a, Role.RESIDENT, "resident", "13805710015"),
        ("resident16", tree.community_b, Role.RESIDENT, "resident", "13805710016"),
        ("volunteer01", tree.community_a, Role.VOLUNTEER, "resident", "13905710001"),
        ("volunteer02", tree.community_b, Role.VOLUNTEER, "resident", "13905710002"),
        ("head01", tree.community_a, Role.COMMUNITY_HEAD, "staff", ""),
        ("head02", tree.community_b, Role.COMMUNITY_HEAD, "staff", ""),
        ("org01", tree.community_a, Role.ORG_ADMIN, "organisation", "13705710001"),
        ("org02", tree.community_b, Role.ORG_ADMIN, "organisation", "13705710002"),
    ]:
        make_user(username, unit=unit, role=role, kind=kind, phone=phone)
    ctx = {"street": tree.street, "communities": [tree.community_a, tree.community_b, tree.community_b]}
    demo.load(ctx)
    first = (SocialOrg.objects.count(), JoinRequest.objects.count())
    demo.load(ctx)
    assert (SocialOrg.objects.count(), JoinRequest.objects.count()) == first
    assert {"夕阳红舞蹈队", "翰墨书法协会", "红马甲志愿服务队"} <= set(
        SocialOrg.objects.values_list("name", flat=True)
    )
    assert SocialOrg.objects.get(name="凯旋商贸职工乒乓球队").status == "pending"
    assert JoinRequest.objects.filter(status="pending").exists()
