"""The social organisations API: list and read, ask to join and leave, decide — structured errors."""

import pytest

from civicgrid.core.testing import log_in
from civicgrid.socialorgs import services
from civicgrid.socialorgs.models import JoinRequest

pytestmark = pytest.mark.django_db
API = "/api/v1/socialorgs"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def run(personas, people, tree, dance, choir):
    return services.socialorg_create(
        actor=personas.platform_admin,
        name="红马甲志愿服务队",
        category="volunteering",
        unit=tree.street,
        introduction="街道志愿者队伍。",
        admin_phone="13900000001",
    )


def test_list_filters_by_category_and_community(client, personas, dance, choir, run, tree):
    log_in(client, personas.resident)
    body = client.get(API).json()
    assert body["count"] == 3
    row = next(r for r in body["items"] if r["name"] == "夕阳红舞蹈队")
    assert row | {"id": 0} == {
        "id": 0,
        "name": "夕阳红舞蹈队",
        "category": "culture",
        "category_label": "文化团队",
        "unit_id": tree.community_a.pk,
        "unit_name": "甲社区",
        "introduction": "社区退休居民自发组建的舞蹈队。",
        "member_count": 0,
        "logo_url": "",
    }
    names = lambda response: sorted(r["name"] for r in response.json()["items"])  # noqa: E731
    assert names(client.get(API, {"category": "volunteering"})) == ["红马甲志愿服务队"]
    # A community's list also holds the street-wide organisations.
    assert names(client.get(API, {"community": tree.community_b.pk})) == ["乙社区合唱团", "红马甲志愿服务队"]
    bad = client.get(API, {"category": "chess"})
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_error" and "category" in bad.json()["errors"]


def test_join_decide_and_leave_through_the_api(client, personas, people, dance):
    log_in(client, personas.resident)
    created = post(client, f"{API}/{dance.pk}/join", {"message": "想学跳舞"})
    assert created.status_code == 201, created.content
    request_id = created.json()["id"]
    assert created.json()["status"] == "pending"
    assert client.get(f"{API}/{dance.pk}").json()["my_status"] == "pending"
    again = post(client, f"{API}/{dance.pk}/join")
    assert again.status_code == 409
    assert again.json() == {
        "code": "already_pending",
        "message": "您已提交过申请，请等待组织管理员审核。",
        "errors": {},
    }

    log_in(client, people.org_account)
    queue = client.get(f"{API}/{dance.pk}/requests").json()
    assert [(r["id"], r["user_name"], r["user_phone_masked"]) for r in queue["items"]] == [
        (request_id, "resident", "138****0001")
    ]
    refused = post(client, f"{API}/requests/{request_id}/decide", {"accept": False})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"reason": ["请填写原因。"]}
    accepted = post(client, f"{API}/requests/{request_id}/decide", {"accept": True})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    twice = post(client, f"{API}/requests/{request_id}/decide", {"accept": True})
    assert (twice.status_code, twice.json()["code"]) == (409, "already_decided")

    log_in(client, personas.resident)
    detail = client.get(f"{API}/{dance.pk}").json()
    assert (detail["my_status"], detail["member_count"]) == ("accepted", 1)
    assert detail["contact_phone_masked"] == "139****5678" and "13912345678" not in str(detail)
    left = post(client, f"{API}/{dance.pk}/leave")
    assert left.json()["status"] == "left"


def test_who_may_not_decide_through_the_api(client, personas, people, dance, choir):
    row = services.join_request_create(actor=personas.resident, org=dance)
    url = f"{API}/requests/{row.pk}/decide"
    log_in(client, people.neighbour)
    response = post(client, url, {"accept": True})
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    assert client.get(f"{API}/{dance.pk}/requests").status_code == 403
    log_in(client, personas.community_head_a)
    response = post(client, url, {"accept": True})
    assert response.status_code == 403
    assert response.json()["message"] == "只有该组织的管理员可以进行此操作。"
    log_in(client, people.resident_b)
    assert post(client, url, {"accept": True}).status_code == 404
    assert client.get(f"{API}/{dance.pk}/requests").status_code == 404
    assert post(client, f"{API}/requests/999999/decide", {"accept": True}).status_code == 404
    assert JoinRequest.objects.get().status == "pending"


def test_unhappy_paths_of_joining(client, personas, people, dance):
    client.logout()
    assert client.get(API).status_code == 401
    log_in(client, people.org_account)
    response = post(client, f"{API}/{dance.pk}/join")
    assert (
        response.status_code == 403 and response.json()["message"] == "只有居民和志愿者可以申请加入社会组织。"
    )
    log_in(client, personas.resident)
    assert post(client, f"{API}/999999/join").json()["code"] == "not_found"
    too_long = post(client, f"{API}/{dance.pk}/join", {"message": "长" * 201})
    assert too_long.status_code == 422
    leave = post(client, f"{API}/{dance.pk}/leave")
    assert (leave.status_code, leave.json()["code"]) == (409, "not_a_member")
    assert not JoinRequest.objects.exists()


def test_the_list_reads_in_a_fixed_number_of_queries(
    client, personas, dance, choir, run, django_assert_max_num_queries
):
    log_in(client, personas.resident)
    client.get(API)
    with django_assert_max_num_queries(8):
        assert client.get(API).status_code == 200
