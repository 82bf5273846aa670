"""Scoping: each role reaches exactly its place in the tree — via selectors, pages and API."""

import pytest

from civicgrid.core.testing import log_in
from civicgrid.org import selectors
from civicgrid.org.choices import UnitKind
from civicgrid.org.services import org_unit_create

pytestmark = pytest.mark.django_db


def names(units) -> set[str]:
    return {u.name for u in units}


def test_grid_worker_sees_only_their_grid(personas, tree):
    assert names(selectors.units_visible_to(personas.grid_worker_a)) == {"甲一网格"}


def test_community_head_sees_their_community_and_all_its_grids_and_nothing_else(personas):
    assert names(selectors.units_visible_to(personas.community_head_a)) == {"甲社区", "甲一网格", "甲二网格"}


def test_street_roles_see_the_whole_street(personas):
    expected = {"测试街道", "甲社区", "乙社区", "甲一网格", "甲二网格", "乙一网格", "城管科", "派出所"}
    for user in (personas.street_leader, personas.dispatcher, personas.platform_admin, personas.supervisor):
        assert names(selectors.units_visible_to(user)) == expected, user.username


def test_department_and_agency_staff_see_their_own_body(personas):
    assert names(selectors.units_visible_to(personas.department_staff)) == {"城管科"}
    assert names(selectors.units_visible_to(personas.agency_staff)) == {"派出所"}


def test_portal_roles_reach_no_staff_units(personas):
    for user in (personas.volunteer, personas.resident):
        assert not selectors.units_visible_to(user).exists()


def test_users_visible_follow_the_units(personas):
    visible = set(selectors.users_visible_to(personas.community_head_a).values_list("username", flat=True))
    assert {"head_a", "worker_a", "assistant_a", "volunteer", "resident"} <= visible
    assert not visible & {"worker_b", "head_b", "dept", "leader"}
    assert set(selectors.users_visible_to(personas.grid_worker_a).values_list("username", flat=True)) == {
        "worker_a",
        "assistant_a",
    }


def test_revoked_membership_reaches_nothing(personas):
    from civicgrid.org.models import Membership
    from civicgrid.org.services import membership_revoke

    membership = Membership.objects.get(user=personas.community_head_a)
    membership_revoke(membership=membership, actor=personas.platform_admin)
    assert not selectors.units_visible_to(personas.community_head_a).exists()


def test_unit_page_of_a_neighbouring_grid_is_404(client, personas, tree):
    log_in(client, personas.grid_worker_a)
    assert client.get(f"/org/units/{tree.grid_a1.pk}/").status_code == 200
    assert client.get(f"/org/units/{tree.grid_b1.pk}/").status_code == 404
    assert client.get("/org/units/999999/").status_code == 404


def test_api_unit_outside_scope_is_the_same_404_as_a_missing_one(client, personas, tree):
    log_in(client, personas.grid_worker_a)
    outside = client.get(f"/api/v1/org/units/{tree.grid_b1.pk}")
    missing = client.get("/api/v1/org/units/999999")
    assert outside.status_code == missing.status_code == 404
    assert outside.json() == missing.json()
    assert outside.json()["code"] == "not_found"


def test_api_lists_only_units_in_scope(client, personas, tree):
    log_in(client, personas.community_head_a)
    body = client.get("/api/v1/org/units?limit=100").json()
    assert {item["name"] for item in body["items"]} == {"甲社区", "甲一网格", "甲二网格"}
    assert body["count"] == 3


def test_people_page_lists_only_people_in_scope(client, personas):
    log_in(client, personas.community_head_a)
    page = client.get("/org/people/").content.decode()
    assert "甲网格员" in page
    assert "乙网格员" not in page


def test_assistant_may_not_open_the_people_page(client, personas):
    log_in(client, personas.assistant_a)
    assert client.get("/org/people/").status_code == 403


def test_resident_is_refused_staff_pages(client, personas, tree):
    log_in(client, personas.resident)
    assert client.get("/org/").status_code == 403
    assert client.get(f"/org/units/{tree.grid_a1.pk}/").status_code == 403
    assert client.get("/").status_code == 302  # sent to the portal home
    assert client.get("/api/v1/org/units").status_code == 403


def test_anonymous_is_sent_to_log_in_and_api_answers_401(client, tree):
    response = client.get("/org/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    api = client.get("/api/v1/org/units")
    assert api.status_code == 401
    assert api.json()["code"] == "not_authenticated"


# The units under a user's places are kept in the shared cache between requests (one read for
# every user with the same places); any change to a unit must show at once.


def test_a_new_grid_is_in_scope_at_once(personas, tree):
    head = personas.community_head_a
    paths = selectors.scope_paths(head)
    before = selectors.unit_ids_under(paths)
    assert selectors.unit_ids_under(paths) == before  # now from the cache
    grid = org_unit_create(
        parent=tree.community_a, kind=UnitKind.GRID, name="甲三网格", code="339901001001003"
    )
    assert set(selectors.unit_ids_under(paths)) == set(before) | {grid.pk}


def test_a_deactivated_community_leaves_the_filter_choices_at_once(personas, tree):
    leader = personas.street_leader
    paths = selectors.scope_paths(leader)
    assert {name for _, name in selectors.units_under(paths, kind="community")} == {"甲社区", "乙社区"}
    tree.community_b.is_active = False
    tree.community_b.save()
    assert {name for _, name in selectors.units_under(paths, kind="community")} == {"甲社区"}
