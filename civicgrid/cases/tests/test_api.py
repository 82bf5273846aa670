"""The cases API: report, list with lights, claim and act — with structured errors."""

import pytest

from civicgrid.cases.models import Case
from civicgrid.core.testing import log_in

from .conftest import A1_POINT

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_report_list_claim_and_resolve_through_the_api(client, personas, flow):
    log_in(client, personas.volunteer)
    created = post(
        client,
        "/api/v1/cases",
        {
            "category": "sanitation",
            "description": "垃圾堆积",
            "lat": A1_POINT[0],
            "lng": A1_POINT[1],
            "channel": "rewarded_report",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["light"]) == ("awaiting_claim", "green")
    client.logout()
    log_in(client, personas.grid_worker_a)
    rows = client.get("/api/v1/cases").json()
    assert [r["number"] for r in rows["items"]] == [body["number"]]
    assert rows["items"][0]["light"] == "green"
    claimed = post(client, f"/api/v1/cases/{body['id']}/claim", {})
    assert claimed.json()["status"] == "claimed"
    again = post(client, f"/api/v1/cases/{body['id']}/claim", {})
    assert again.status_code == 409
    assert again.json()["code"] == "already_claimed"
    verified = post(client, f"/api/v1/cases/{body['id']}/actions/verify", {"note": "到场"})
    assert verified.json()["status"] == "verified"
    refused = post(client, f"/api/v1/cases/{body['id']}/actions/close", {})
    assert refused.status_code == 409
    assert refused.json()["code"] == "invalid_transition"


def test_a_bad_report_gives_field_errors_and_saves_nothing(client, personas, flow):
    log_in(client, personas.grid_worker_a)
    response = post(
        client, "/api/v1/cases", {"category": "municipal", "description": "", "lat": 80, "lng": 0}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"description", "grid"}
    assert not Case.objects.exists()
    assert post(client, "/api/v1/cases", {"category": "nope", "description": "x"}).status_code == 400


def test_cases_outside_the_scope_are_404_and_residents_may_not_report(client, personas, flow):
    log_in(client, personas.grid_worker_a)
    case_id = post(
        client,
        "/api/v1/cases",
        {"category": "municipal", "description": "井盖", "lat": A1_POINT[0], "lng": A1_POINT[1]},
    ).json()["id"]
    client.logout()
    log_in(client, personas.grid_worker_b)
    assert client.get(f"/api/v1/cases/{case_id}").status_code == 404
    assert post(client, f"/api/v1/cases/{case_id}/claim", {}).status_code == 404
    client.logout()
    log_in(client, personas.resident)
    assert post(client, "/api/v1/cases", {"category": "municipal", "description": "x"}).status_code == 403


def test_a_report_sent_again_with_its_idempotency_key_is_one_case(client, personas, flow):
    """The answer to a report can be lost after the case was saved (a dropped connection, a killed
    server): the client sends it again with the same key and gets the first case, never a second."""
    payload = {"category": "municipal", "description": "井盖缺失", "lat": A1_POINT[0], "lng": A1_POINT[1]}
    key = "5f0c4d0e-7f4b-4b8e-9c61-0d7d3b3e2a11"
    log_in(client, personas.grid_worker_a)
    first = client.post("/api/v1/cases", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post("/api/v1/cases", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert Case.objects.count() == 1
    # Another key is another report; a malformed key is refused and changes nothing.
    other = client.post(
        "/api/v1/cases",
        payload,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key.replace("5f", "6f"),
    )
    assert other.status_code == 201
    bad = client.post("/api/v1/cases", payload, content_type="application/json", HTTP_IDEMPOTENCY_KEY="x")
    assert bad.status_code == 400 and bad.json()["errors"]["idempotency_key"] == ["提交编号无效。"]
    assert Case.objects.count() == 2
