"""Scope: each role reaches exactly its grids' registry; outside it, pages and API answer 404 like a
missing record, edits are refused with nothing changed, and sensitive group tags stay hidden."""

import pytest
from django.urls import reverse

from civicgrid.audit.models import AuditEvent
from civicgrid.core.testing import log_in, make_user
from civicgrid.org.choices import Role
from civicgrid.org.services import membership_grant
from civicgrid.registry.models import Vehicle

from .conftest import registry_snapshot

pytestmark = pytest.mark.django_db

MISSING = 999_999


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def b1_pages(tree, registry) -> dict[str, str]:
    return {
        "grid": url("grid", tree.grid_b1.pk),
        "export": url("export", tree.grid_b1.pk),
        "building": url("building", registry.building_b.pk),
        "room": url("room", registry.room_b.pk),
        "household": url("household", registry.household_b.pk),
        "history": url("household_history", registry.household_b.pk),
        "person": url("person", registry.wang_fang.pk),
    }


def missing_pages() -> dict[str, str]:
    return {
        "grid": url("grid", MISSING),
        "export": url("export", MISSING),
        "building": url("building", MISSING),
        "room": url("room", MISSING),
        "household": url("household", MISSING),
        "history": url("household_history", MISSING),
        "person": url("person", MISSING),
    }


def b1_edits(registry) -> list[tuple[str, dict]]:
    household, person = registry.household_b.pk, registry.wang_fang.pk
    return [
        (url("household_room", household), {"use": "rented", "owner_name": "某人", "reason": "越权"}),
        (
            url("household_add_person", household),
            {
                "new-full_name": "某人",
                "new-id_number": "",
                "new-relation": "other",
                "new-residence_type": "floating",
                "new-reason": "越权",
            },
        ),
        (
            url("household_add_vehicle", household),
            {"car-plate": "浙A99999", "car-kind": "car", "car-owner": "", "car-reason": "越权"},
        ),
        (url("household_verify", household), {}),
        (url("vehicle_remove", registry.vehicle_b.pk), {"reason": "越权"}),
        (
            url("person_edit", person),
            {
                "full_name": "某人",
                "id_number": "",
                "phone": "",
                "relation": "head",
                "residence_type": "registered",
                "reason": "越权",
            },
        ),
        (url("person_move_out", person), {"reason": "越权"}),
        (url("person_tag", person), {"group": registry.open_group.pk, "grade": 1, "reason": "越权"}),
    ]


@pytest.fixture
def registry_with_b_vehicle(registry):
    registry.vehicle_b = Vehicle.objects.create(
        plate="浙A77777", household=registry.household_b, grid=registry.household_b.grid
    )
    return registry


def test_worker_of_a1_reaches_their_own_pages(client, personas, tree, registry):
    log_in(client, personas.grid_worker_a)
    for page in (
        url("grid", tree.grid_a1.pk),
        url("building", registry.building_a.pk),
        url("household", registry.household_a.pk),
        url("household_history", registry.household_a.pk),
        url("person", registry.zhang_wei.pk),
    ):
        assert client.get(page).status_code == 200, page
    assert client.get(url("room", registry.room_a.pk))["Location"] == url(
        "household", registry.household_a.pk
    )


def test_worker_of_a1_gets_404_for_every_page_of_grid_b1_like_a_missing_record(
    client, personas, tree, registry
):
    log_in(client, personas.grid_worker_a)
    outside, missing = b1_pages(tree, registry), missing_pages()
    for name, page in outside.items():
        response = client.get(page)
        assert response.status_code == 404, name
        assert client.get(missing[name]).status_code == 404, name
        body = response.content.decode()
        assert "王芳" not in body
        assert "景芳路" not in body


def test_worker_of_a1_gets_the_same_api_404_for_grid_b1_as_for_a_missing_record(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    for path, pk in (
        ("people", registry.wang_fang.pk),
        ("households", registry.household_b.pk),
    ):
        outside = client.get(f"/api/v1/registry/{path}/{pk}")
        missing = client.get(f"/api/v1/registry/{path}/{MISSING}")
        assert outside.status_code == missing.status_code == 404
        assert (
            outside.json()
            == missing.json()
            == {
                "code": "not_found",
                "message": "未找到该记录，或您无权查看。",
                "errors": {},
            }
        )


def test_worker_of_a1_cannot_edit_grid_b1_and_nothing_changes(client, personas, registry_with_b_vehicle):
    log_in(client, personas.grid_worker_a)
    before = registry_snapshot()
    vehicles = list(Vehicle.objects.values_list("plate", "is_active", "household_id"))
    for path, data in b1_edits(registry_with_b_vehicle):
        assert client.post(path, data).status_code == 404, path
    patch = client.patch(
        f"/api/v1/registry/people/{registry_with_b_vehicle.wang_fang.pk}",
        {"reason": "越权", "full_name": "某人"},
        content_type="application/json",
    )
    assert patch.status_code == 404
    assert (
        client.post(
            f"/api/v1/registry/households/{registry_with_b_vehicle.household_b.pk}/verify"
        ).status_code
        == 404
    )
    assert registry_snapshot() == before
    assert list(Vehicle.objects.values_list("plate", "is_active", "household_id")) == vehicles


def test_assistant_may_view_but_not_edit_and_sees_no_edit_forms(client, personas, registry):
    log_in(client, personas.assistant_a)
    page = client.get(url("household", registry.household_a.pk))
    assert page.status_code == 200
    assert "张伟" in page.content.decode()
    assert 'data-testid="room-form"' not in page.content.decode()
    assert 'data-testid="verify"' not in page.content.decode()
    before = registry_snapshot()
    household, person = registry.household_a.pk, registry.zhang_wei.pk
    for path, data in (
        (url("household_room", household), {"use": "rented", "owner_name": "", "reason": "试图修改"}),
        (url("household_verify", household), {}),
        (url("person_move_out", person), {"reason": "试图修改"}),
        (url("vehicle_remove", registry.vehicle_a.pk), {"reason": "试图修改"}),
    ):
        assert client.post(path, data).status_code == 403, path
    api = client.patch(
        f"/api/v1/registry/people/{person}",
        {"reason": "试图修改", "full_name": "某人"},
        content_type="application/json",
    )
    assert api.status_code == 403
    assert api.json()["code"] == "forbidden"
    assert registry_snapshot() == before
    assert Vehicle.objects.get(pk=registry.vehicle_a.pk).is_active


def test_resident_is_refused_every_registry_page_and_the_api(client, personas, tree, registry):
    log_in(client, personas.resident)
    for page in (
        url("home"),
        url("search") + "?q=张",
        url("grid", tree.grid_a1.pk),
        url("household", registry.household_a.pk),
        url("person", registry.zhang_wei.pk),
        url("coverage"),
        url("imports"),
    ):
        assert client.get(page).status_code == 403, page
    for api in (
        "/api/v1/registry/people?q=张",
        f"/api/v1/registry/people/{registry.zhang_wei.pk}",
        f"/api/v1/registry/households/{registry.household_a.pk}",
    ):
        assert client.get(api).status_code == 403, api


def test_department_staff_without_registry_role_is_refused(client, personas, registry):
    log_in(client, personas.department_staff)
    assert client.get(url("household", registry.household_a.pk)).status_code == 403
    assert client.get(f"/api/v1/registry/households/{registry.household_a.pk}").status_code == 403


def test_anonymous_is_sent_to_log_in_and_the_api_answers_401(client, registry):
    response = client.get(url("household", registry.household_a.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get(f"/api/v1/registry/households/{registry.household_a.pk}").status_code == 401


def test_community_head_reaches_all_grids_of_their_community_only(client, personas, tree, registry):
    log_in(client, personas.community_head_a)
    assert client.get(url("household", registry.household_a.pk)).status_code == 200
    assert client.get(url("grid", tree.grid_a2.pk)).status_code == 200
    assert client.get(url("household", registry.household_b.pk)).status_code == 404
    home = client.get(url("home")).content.decode()
    assert "甲一网格" in home
    assert "甲二网格" in home
    assert "乙一网格" not in home


def test_reveal_outside_the_scope_is_404_and_writes_no_audit(client, personas, registry):
    log_in(client, personas.community_head_b)
    assert client.post(url("person_reveal", registry.zhang_wei.pk)).status_code == 404
    assert client.post(f"/api/v1/registry/people/{registry.zhang_wei.pk}/reveal").status_code == 404
    assert not AuditEvent.objects.filter(action="reveal").exists()


# --- sensitive service groups --------------------------------------------------------------------------


def test_sensitive_tag_is_hidden_from_the_grid_worker_on_pages_and_api(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    card = client.get(url("household", registry.household_a.pk)).content.decode()
    assert "独居老人" in card
    assert "社区矫正对象" not in card
    person = client.get(url("person", registry.li_na.pk)).content.decode()
    assert "社区矫正对象" not in person.split('data-testid="history"')[0]
    api = client.get(f"/api/v1/registry/households/{registry.household_a.pk}").json()
    tags = {m["full_name"]: [t["group"] for t in m["tags"]] for m in api["members"]}
    assert tags == {"张伟": ["独居老人"], "李娜": [], "张小明": []}


def test_sensitive_tag_is_shown_to_the_community_head(client, personas, registry):
    log_in(client, personas.community_head_a)
    assert "社区矫正对象" in client.get(url("household", registry.household_a.pk)).content.decode()
    assert "社区矫正对象" in client.get(url("person", registry.li_na.pk)).content.decode()
    api = client.get(f"/api/v1/registry/households/{registry.household_a.pk}").json()
    tags = {m["full_name"]: [(t["group"], t["grade"]) for t in m["tags"]] for m in api["members"]}
    assert tags["李娜"] == [("社区矫正对象", 1)]


def test_grid_worker_cannot_offer_or_remove_a_sensitive_tag(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    form = client.get(url("person", registry.xiaoming.pk)).content.decode()
    assert "独居老人</option>" in form
    assert "社区矫正对象" not in form
    response = client.post(
        url("person_tag", registry.xiaoming.pk),
        {"group": registry.sensitive_group.pk, "grade": 1, "reason": "试图标记"},
    )
    assert response.status_code == 422
    assert not registry.xiaoming.group_memberships.exists()
    membership = registry.li_na.group_memberships.get()
    response = client.post(url("person_untag", registry.li_na.pk, membership.pk), {"reason": "试图移除"})
    assert response.status_code == 404
    membership.refresh_from_db()
    assert membership.is_active


def test_sensitive_tag_does_not_leak_through_the_change_history(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    history = client.get(url("household_history", registry.household_a.pk)).content.decode()
    person = client.get(url("person", registry.li_na.pk)).content.decode()
    assert "社区矫正对象" not in history
    assert "社区矫正对象" not in person


# --- people with more than one role ---------------------------------------------------------------------


def test_worker_of_a1_who_assists_in_b1_may_view_but_not_edit_b1(client, tree, registry):
    user = make_user("worker_a_assistant_b", unit=tree.grid_a1, role=Role.GRID_WORKER)
    membership_grant(user=user, unit=tree.grid_b1, role=Role.GRID_ASSISTANT)
    log_in(client, user)
    assert client.get(url("household", registry.household_b.pk)).status_code == 200
    before = registry_snapshot()
    response = client.post(url("household_verify", registry.household_b.pk))
    assert registry_snapshot() == before
    assert response.status_code in (403, 404)


def test_street_dispatcher_who_is_also_worker_of_a1_reads_only_a1(client, tree, registry):
    user = make_user("worker_and_dispatcher", unit=tree.grid_a1, role=Role.GRID_WORKER)
    membership_grant(user=user, unit=tree.street, role=Role.DISPATCHER)
    log_in(client, user)
    assert client.get(url("household", registry.household_a.pk)).status_code == 200
    assert client.get(url("household", registry.household_b.pk)).status_code == 404
