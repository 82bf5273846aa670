"""The JSON API: session auth, structured errors with the right status codes."""

import pytest

from civicgrid.core.testing import log_in

pytestmark = pytest.mark.django_db


def test_me_describes_the_user_and_their_places(client, personas):
    log_in(client, personas.community_head_a)
    body = client.get("/api/v1/me").json()
    assert body["username"] == "head_a"
    assert body["memberships"] == [
        {
            "role": "community_head",
            "role_label": "社区负责人",
            "unit": {
                "id": personas.community_head_a.memberships.get().unit_id,
                "name": "甲社区",
                "kind": "community",
                "kind_label": "社区",
                "code": "339901001001",
                "depth": 4,
            },
        }
    ]


def test_bad_query_parameters_give_a_structured_422(client, personas):
    log_in(client, personas.community_head_a)
    response = client.get("/api/v1/org/units?limit=abc")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["message"] == "请求参数有误。"
    assert "limit" in body["errors"]


def test_json_keeps_chinese_readable(client, personas):
    log_in(client, personas.community_head_a)
    assert "甲社区".encode() in client.get("/api/v1/me").content


def test_members_endpoint_is_scoped(client, personas, tree):
    log_in(client, personas.community_head_a)
    members = client.get(f"/api/v1/org/units/{tree.grid_a1.pk}/members").json()
    assert {m["full_name"] for m in members} == {"甲网格员", "assistant_a"}
    assert client.get(f"/api/v1/org/units/{tree.grid_b1.pk}/members").status_code == 404


def test_healthz_answers_without_log_in(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
