"""Resident verification against the registry, the points ledger with its caps, and redemption that
never overdraws the stock or the balance."""

import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicgrid.audit.models import AuditEvent
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.notifications.models import Notification
from civicgrid.portal import services
from civicgrid.portal.models import PointsAccount, PointsEntry, PointsRule, Redemption, Reward, Verification
from civicgrid.registry.tests.conftest import ZHANG_WEI_ID


@pytest.fixture
def rules(db):
    PointsRule.objects.create(code="daily_login", name="每日登录", points=2, yearly_cap=6)
    PointsRule.objects.create(code="activity", name="参加活动", points=10)


@pytest.fixture
def reward(tree):
    return Reward.objects.create(unit=tree.street, name="5 公斤大米", cost=10, stock=1)


def verify(client, **data):
    return client.post("/portal/verify/", {"full_name": "张伟", "id_number": ZHANG_WEI_ID} | data)


def test_request_confirm_and_notify(client, registry, personas):
    log_in(client, personas.resident)
    assert verify(client).status_code == 302
    request = Verification.objects.get()
    assert request.person == registry.zhang_wei and request.unit == registry.household_a.grid
    assert (
        request.id_masked.startswith("3301")
        and ZHANG_WEI_ID not in client.get("/portal/verify/").content.decode()
    )
    # Another grid's worker does not see it; the household's worker confirms it.
    log_in(client, personas.grid_worker_b)
    assert "张伟" not in client.get("/portal/staff/verifications/").content.decode()
    assert (
        client.post(f"/portal/staff/verifications/{request.pk}/", {"decision": "confirm"}).status_code == 404
    )
    log_in(client, personas.grid_worker_a)
    assert "张伟" in client.get("/portal/staff/verifications/").content.decode()
    assert (
        client.post(f"/portal/staff/verifications/{request.pk}/", {"decision": "confirm"}).status_code == 302
    )
    assert services.is_verified(personas.resident)
    assert Notification.objects.filter(user=personas.resident, kind="portal.verification.confirmed").exists()
    assert AuditEvent.objects.filter(object_type="portal.verification", action="state_change").exists()
    with pytest.raises(Conflict):
        services.verification_decide(
            actor=personas.grid_worker_a, verification=request, confirm=False, reason="x"
        )


def test_refusal_needs_a_reason_and_the_resident_may_ask_again(client, registry, personas):
    request = services.verification_request(user=personas.resident, full_name="张伟", id_number=ZHANG_WEI_ID)
    with pytest.raises(ValidationError):
        services.verification_decide(actor=personas.grid_worker_a, verification=request, confirm=False)
    services.verification_decide(
        actor=personas.grid_worker_a, verification=request, confirm=False, reason="信息不符"
    )
    assert not services.is_verified(personas.resident)
    log_in(client, personas.resident)
    page = client.get("/portal/verify/").content.decode()
    assert "信息不符" in page and 'data-testid="verification-form"' in page
    assert verify(client).status_code == 302
    assert Verification.objects.filter(status="pending").count() == 1


def test_a_name_that_does_not_match_gets_the_same_answer_and_only_a_refusal(client, registry, personas):
    log_in(client, personas.resident)
    assert verify(client, full_name="李四").status_code == 302  # same answer as a match: nothing learnt
    request = Verification.objects.get()
    assert request.person is None and request.unit == personas.resident.memberships.get().unit
    with pytest.raises(ValidationError):
        services.verification_decide(actor=personas.community_head_a, verification=request, confirm=True)


def test_bad_id_numbers_are_refused_with_a_clear_message(client, registry, personas):
    log_in(client, personas.resident)
    response = verify(client, id_number="330102198001151234")
    assert response.status_code == 422
    assert not Verification.objects.exists()


def test_one_person_one_account(registry, personas):
    first = services.verification_request(user=personas.resident, full_name="张伟", id_number=ZHANG_WEI_ID)
    second = services.verification_request(user=personas.volunteer, full_name="张伟", id_number=ZHANG_WEI_ID)
    services.verification_decide(actor=personas.grid_worker_a, verification=first, confirm=True)
    with pytest.raises(Conflict):
        services.verification_decide(actor=personas.grid_worker_a, verification=second, confirm=True)


def test_daily_login_counts_once_a_day_and_stops_at_the_yearly_cap(client, rules, personas):
    with time_machine.travel("2026-03-01 08:00 +0800", tick=False):
        log_in(client, personas.resident)  # signing in earns the day's points …
        client.logout()
        log_in(client, personas.resident)  # … once
        services.daily_login(user=personas.resident)
    assert PointsEntry.objects.filter(user=personas.resident).count() == 1
    for day in ("2026-03-02", "2026-03-03", "2026-03-04"):
        with time_machine.travel(f"{day} 09:00 +0800", tick=False):
            services.daily_login(user=personas.resident)
    # 2 points a day, 6 a year: the fourth day earns nothing.
    assert PointsAccount.objects.get(user=personas.resident).balance == 6
    with time_machine.travel("2027-01-01 09:00 +0800", tick=False):
        assert services.daily_login(user=personas.resident).points == 2


def test_unverified_residents_cannot_redeem(client, rules, reward, personas):
    services.points_award(user=personas.resident, rule_code="activity")
    log_in(client, personas.resident)
    client.post(f"/portal/points/rewards/{reward.pk}/redeem/")
    assert not Redemption.objects.exists()
    reward.refresh_from_db()
    assert reward.stock == 1
    with pytest.raises(Forbidden):
        services.redeem(user=personas.resident, reward=reward)


def _verified(user, person, worker):
    request = services.verification_request(user=user, full_name=person.full_name, id_number=person.id_number)
    services.verification_decide(actor=worker, verification=request, confirm=True)


def test_redeem_hand_over_and_refusals(client, registry, rules, reward, personas):
    _verified(personas.resident, registry.zhang_wei, personas.grid_worker_a)
    log_in(client, personas.resident)
    client.post(f"/portal/points/rewards/{reward.pk}/redeem/")
    assert not Redemption.objects.exists()  # 0 points
    services.points_award(user=personas.resident, rule_code="activity")
    client.post(f"/portal/points/rewards/{reward.pk}/redeem/")
    redemption = Redemption.objects.get()
    assert PointsAccount.objects.get(user=personas.resident).balance == 2  # the day's log-in points remain
    assert PointsEntry.objects.filter(user=personas.resident, points=-10).exists()
    services.points_award(user=personas.resident, rule_code="activity")
    with pytest.raises(Conflict):
        services.redeem(user=personas.resident, reward=reward)  # stock is 0 now
    log_in(client, personas.grid_worker_a)
    assert client.post(f"/portal/staff/redemptions/{redemption.pk}/").status_code == 403
    log_in(client, personas.street_leader)
    assert client.post(f"/portal/staff/redemptions/{redemption.pk}/").status_code == 302
    redemption.refresh_from_db()
    assert redemption.status == "handed_over"


def test_most_active_residents_of_the_year_for_the_community_head(client, rules, personas):
    with time_machine.travel("2026-06-01 10:00 +0800", tick=False):
        services.points_award(user=personas.resident, rule_code="activity")
        services.points_award(user=personas.volunteer, rule_code="activity")
        services.points_award(user=personas.volunteer, rule_code="activity", note="第二次活动")
    with time_machine.travel("2025-06-01 10:00 +0800", tick=False):
        services.points_award(user=personas.resident, rule_code="activity")  # last year: not counted
    with time_machine.travel("2026-11-02 10:00 +0800", tick=False):
        log_in(client, personas.community_head_a)
        rows = client.get("/portal/staff/most-active/").context["rows"]
        assert [(r["user_id"], r["earned"]) for r in rows] == [
            (personas.volunteer.pk, 20),
            (personas.resident.pk, 10),
        ]
        log_in(client, personas.community_head_b)
        assert client.get("/portal/staff/most-active/").context["rows"] == []
        log_in(client, personas.resident)
        assert client.get("/portal/staff/most-active/").status_code == 403


def test_a_valid_rewarded_report_earns_its_reporter_points_once(personas, django_capture_on_commit_callbacks):
    from civicgrid.cases import services as case_services
    from civicgrid.cases.models import Category, SlaPolicy

    PointsRule.objects.create(code="valid_report", name="有效发现", points=10)
    policy = SlaPolicy.objects.create(
        code="r", name="黄金眼", claim_hours=4, verify_hours=24, resolve_hours=48
    )
    rewarded = Category.objects.create(code="sanitation", name="卫生死角", policy=policy, is_rewarded=True)
    with django_capture_on_commit_callbacks(execute=True):
        case = case_services.case_report(
            actor=personas.volunteer,
            channel="rewarded_report",
            category=rewarded,
            description="垃圾堆积",
            lat=30.05,
            lng=120.02,
        )
        case = case_services.case_claim(case=case, actor=personas.community_head_a)
        case = case_services.case_verify(case=case, actor=personas.community_head_a, note="属实")
        case = case_services.case_resolve(case=case, actor=personas.community_head_a, note="已清理")
        case_services.case_close(case=case, actor=personas.community_head_a, outcome="resolved", note="核查")
    assert PointsEntry.objects.get(user=personas.volunteer, rule="valid_report").points == 10
