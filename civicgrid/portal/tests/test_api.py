"""The portal's JSON API (/api/v1/portal/): the same rules, scoping and masking as its pages —
verification, points and rewards, suggestions and replies, news — with structured errors."""

import pytest
from django.test import Client

from civicgrid.core import clock
from civicgrid.core.testing import log_in
from civicgrid.portal import services
from civicgrid.portal.models import News, PointsRule, Redemption, Reward, Verification
from civicgrid.registry.tests.conftest import ZHANG_WEI_ID

from .test_suggestions_signup_news import categories  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1/portal"


def signed_in(user) -> Client:
    client = Client()
    log_in(client, user)
    return client


def post(client, path, body=None):
    return client.post(f"{API}{path}", body or {}, content_type="application/json")


def test_verification_points_and_a_redemption_through_the_api(registry, personas, tree):
    resident = signed_in(personas.resident)
    assert resident.get(f"{API}/verification").status_code == 204
    bad = post(resident, "/verification", {"full_name": "张伟", "id_number": "330104199001011235"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "id_number" in bad.json()["errors"]
    made = post(resident, "/verification", {"full_name": "张伟", "id_number": ZHANG_WEI_ID})
    assert made.status_code == 201
    assert made.json()["id_masked"].startswith("3301") and ZHANG_WEI_ID not in made.content.decode()

    reward = Reward.objects.create(unit=tree.street, name="5 公斤大米", cost=10, stock=3)
    refused = post(resident, f"/rewards/{reward.pk}/redeem")  # not verified yet, and no points
    assert refused.status_code in (403, 409) and refused.json()["code"] and not Redemption.objects.exists()

    outsider = signed_in(personas.grid_worker_b)
    verification_id = Verification.objects.get().pk
    assert [v["id"] for v in outsider.get(f"{API}/staff/verifications").json()["items"]] == []
    assert (
        post(outsider, f"/staff/verifications/{verification_id}/decide", {"confirm": True}).status_code == 404
    )
    worker = signed_in(personas.grid_worker_a)
    assert [v["id"] for v in worker.get(f"{API}/staff/verifications").json()["items"]] == [verification_id]
    no_reason = post(worker, f"/staff/verifications/{verification_id}/decide", {"confirm": False})
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "invalid"
    decided = post(worker, f"/staff/verifications/{verification_id}/decide", {"confirm": True})
    assert decided.status_code == 200 and decided.json()["status"] == "confirmed"

    PointsRule.objects.create(code="activity", name="参加活动", points=10)
    services.points_award(user=personas.resident, rule_code="activity")
    assert resident.get(f"{API}/points").json() == {"balance": 10, "verified": True}
    assert resident.get(f"{API}/points/entries").json()["items"][0]["points"] == 10
    assert [r["name"] for r in resident.get(f"{API}/rewards").json()] == ["5 公斤大米"]
    redeemed = post(resident, f"/rewards/{reward.pk}/redeem")
    assert redeemed.status_code == 201 and redeemed.json()["status"] == "requested"
    assert resident.get(f"{API}/points").json()["balance"] == 0
    street = signed_in(personas.street_leader)  # the reward is the street's: its office hands it over
    assert signed_in(personas.community_head_b).get(f"{API}/staff/redemptions").json()["items"] == []
    queue = street.get(f"{API}/staff/redemptions").json()["items"]
    handed = post(street, f"/staff/redemptions/{queue[0]['id']}/hand-over")
    assert handed.status_code == 200 and handed.json()["handed_over_at"]


def test_a_suggestion_its_reply_and_the_news(personas, tree, categories):  # noqa: F811
    resident = signed_in(personas.resident)
    short = post(resident, "/suggestions", {"text": "灯坏", "grid": tree.grid_a1.pk})
    assert short.status_code == 400 and "text" in short.json()["errors"]
    elsewhere = post(resident, "/suggestions", {"text": "小区路灯坏了三天", "grid": tree.grid_b1.pk})
    assert elsewhere.status_code == 400 and "grid" in elsewhere.json()["errors"]
    made = post(resident, "/suggestions", {"text": "小区路灯坏了三天", "grid": tree.grid_a1.pk})
    assert made.status_code == 201 and made.json()["category"] == "市政设施"
    case_id = made.json()["id"]
    assert [s["id"] for s in resident.get(f"{API}/suggestions").json()["items"]] == [case_id]

    assert (
        post(
            signed_in(personas.grid_worker_b), f"/staff/suggestions/{case_id}/replies", {"body": "x"}
        ).status_code
        == 404
    )
    worker = signed_in(personas.grid_worker_a)
    assert case_id in [s["id"] for s in worker.get(f"{API}/staff/suggestions").json()["items"]]
    replied = post(worker, f"/staff/suggestions/{case_id}/replies", {"body": "已安排维修"})
    assert replied.status_code == 201
    detail = resident.get(f"{API}/suggestions/{case_id}").json()
    assert [r["body"] for r in detail["replies"]] == ["已安排维修"]
    assert signed_in(personas.volunteer).get(f"{API}/suggestions/{case_id}").status_code == 404  # not theirs

    News.objects.create(
        unit=tree.community_a,
        title="停水通知",
        body="周六停水。",
        author=personas.community_head_a,
        published_at=clock.now(),
    )
    assert "停水通知" in [n["title"] for n in resident.get(f"{API}/news").json()]


def test_each_side_keeps_to_its_own_endpoints(personas):
    anonymous = Client()
    assert anonymous.get(f"{API}/points").status_code == 401
    worker = signed_in(personas.grid_worker_a)
    assert worker.get(f"{API}/points").status_code == 403
    assert post(worker, "/suggestions", {"text": "小区路灯坏了三天", "grid": 1}).status_code == 403
    resident = signed_in(personas.resident)
    for path in ("/staff/verifications", "/staff/suggestions", "/staff/redemptions"):
        answer = resident.get(f"{API}{path}")
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
