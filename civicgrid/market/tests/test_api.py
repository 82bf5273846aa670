"""The market's JSON API: the same rules and scopes as the pages, with structured errors."""

import pytest

from civicgrid.core.testing import log_in
from civicgrid.market.models import Listing, ListingReport

from .conftest import photo

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_list_create_moderate_and_report_through_the_api(client, personas, resident_b, tree):
    log_in(client, personas.resident)
    created = client.post(
        "/api/v1/market/listings",
        {"title": "电饭煲", "price": "35.5", "description": "三人份", "photos": [photo(), photo("b.jpg")]},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["price"], body["is_free"], len(body["photos"])) == (
        "pending",
        "35.50",
        False,
        2,
    )
    assert body["seller_name"] != personas.resident.full_name
    listing_id = body["id"]
    assert [row["id"] for row in client.get("/api/v1/market/listings/mine").json()] == [listing_id]
    assert client.get("/api/v1/market/listings").json()["count"] == 0  # not yet published
    client.logout()
    log_in(client, resident_b)
    assert client.get(f"/api/v1/market/listings/{listing_id}").status_code == 404
    assert (
        post(client, f"/api/v1/market/listings/{listing_id}/moderate", {"decision": "publish"}).status_code
        == 403
    )
    client.logout()
    log_in(client, personas.community_head_a)
    assert [r["id"] for r in client.get("/api/v1/market/listings/moderation").json()] == [listing_id]
    moderated = post(client, f"/api/v1/market/listings/{listing_id}/moderate", {"decision": "publish"})
    assert moderated.json()["status"] == "published"
    again = post(client, f"/api/v1/market/listings/{listing_id}/moderate", {"decision": "publish"})
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    client.logout()
    log_in(client, resident_b)
    rows = client.get(f"/api/v1/market/listings?community={tree.community_a.pk}").json()
    assert rows["count"] == 1 and rows["items"][0]["cover_url"].startswith("/media/market/")
    assert client.get("/api/v1/market/listings?free=true").json()["count"] == 0
    reported = post(client, f"/api/v1/market/listings/{listing_id}/report", {"reason": "疑似商家广告"})
    assert reported.status_code == 201 and reported.json()["status"] == "open"
    twice = post(client, f"/api/v1/market/listings/{listing_id}/report", {"reason": "再来一次"})
    assert twice.status_code == 409 and twice.json()["code"] == "already_reported"
    assert ListingReport.objects.count() == 1
    contact = post(client, f"/api/v1/market/listings/{listing_id}/contact", {"message": "还在吗？"})
    assert contact.status_code == 204


def test_api_errors_are_structured_and_change_nothing(client, personas, resident_b):
    log_in(client, personas.resident)
    bad = client.post("/api/v1/market/listings", {"title": "", "price": "abc"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"code", "message", "errors"} and {"title", "price"} <= set(
        bad.json()["errors"]
    )
    assert not Listing.objects.exists()
    client.logout()
    log_in(client, personas.grid_worker_a)  # staff browse but do not sell
    refused = client.post("/api/v1/market/listings", {"title": "桌子"})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert client.get("/api/v1/market/listings/999").status_code == 404
