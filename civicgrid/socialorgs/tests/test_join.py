"""Joining: a resident asks, the organisation's admin accepts or refuses with a reason, the resident
reads the outcome in the inbox; one open request per resident; only the admin decides."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from civicgrid.audit.models import AuditEvent
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.notifications.models import Notification
from civicgrid.socialorgs import services
from civicgrid.socialorgs.models import JoinRequest

pytestmark = pytest.mark.django_db


def ask(client, org, message="想一起跳舞。"):
    return client.post(f"/portal/groups/{org.pk}/join/", {"message": message})


def decide(client, org, row, **data):
    return client.post(f"/portal/groups/manage/{org.pk}/requests/{row.pk}/", data)


def test_join_then_accept_makes_a_member(client, personas, people, dance):
    log_in(client, personas.resident)
    assert ask(client, dance).status_code == 302
    row = JoinRequest.objects.get()
    assert (row.user, row.status, row.message) == (personas.resident, "pending", "想一起跳舞。")
    assert "待审核" in client.get(f"/portal/groups/{dance.pk}/").content.decode()
    assert Notification.objects.filter(user=people.org_account, kind="socialorgs.request").exists()

    client.logout()
    log_in(client, people.org_account)
    queue = client.get(f"/portal/groups/manage/{dance.pk}/").content.decode()
    assert "想一起跳舞。" in queue and "138****0001" in queue
    assert decide(client, dance, row, decision="accept").status_code == 302
    row.refresh_from_db()
    assert row.status == "accepted" and row.decided_by == people.org_account
    assert Notification.objects.get(user=personas.resident, kind="socialorgs.request.accepted").title == (
        "您已加入“夕阳红舞蹈队”"
    )
    assert AuditEvent.objects.filter(
        object_type="socialorgs.joinrequest", object_id=str(row.pk), action="state_change"
    ).exists()

    client.logout()
    log_in(client, personas.resident)
    page = client.get(f"/portal/groups/{dance.pk}/").content.decode()
    assert "已加入" in page and "1 名成员" in page
    assert "夕阳红舞蹈队" in client.get("/portal/groups/mine/").content.decode()


def test_refusal_needs_a_reason_and_the_reason_reaches_the_inbox(client, personas, people, dance):
    row = services.join_request_create(actor=personas.resident, org=dance)
    log_in(client, people.org_account)
    response = decide(client, dance, row, decision="refuse", reason="")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.status == "pending"  # nothing changed
    with pytest.raises(ValidationError) as error:
        services.join_request_decide(actor=people.org_account, join_request=row, accept=False)
    assert error.value.message_dict == {"reason": [str(services.REASON_REQUIRED)]}

    decide(client, dance, row, decision="refuse", reason="本期名额已满，欢迎下半年再报名。")
    row.refresh_from_db()
    assert row.status == "refused" and row.reason == "本期名额已满，欢迎下半年再报名。"
    note = Notification.objects.get(user=personas.resident, kind="socialorgs.request.refused")
    assert note.title == "“夕阳红舞蹈队”未通过您的入会申请"
    assert note.body == "本期名额已满，欢迎下半年再报名。"

    client.logout()
    log_in(client, personas.resident)
    page = client.get(f"/portal/groups/{dance.pk}/").content.decode()
    assert "本期名额已满" in page and 'data-testid="join-form"' in page  # may ask again
    assert ask(client, dance).status_code == 302
    assert JoinRequest.objects.filter(status="pending").count() == 1


def test_a_second_request_is_refused_with_a_clear_message(client, personas, people, dance):
    log_in(client, personas.resident)
    ask(client, dance)
    response = ask(client, dance)
    assert response.status_code == 302
    assert "您已提交过申请，请等待组织管理员审核。" in client.get(response.url).content.decode()
    assert JoinRequest.objects.count() == 1
    services.join_request_decide(
        actor=people.org_account, join_request=JoinRequest.objects.get(), accept=True
    )
    with pytest.raises(Conflict) as error:
        services.join_request_create(actor=personas.resident, org=dance)
    assert (error.value.code, str(error.value.message)) == ("already_member", "您已是该组织成员。")
    # The database itself holds the rule, whatever the code path.
    with pytest.raises(IntegrityError), transaction.atomic():
        JoinRequest.objects.create(org=dance, user=personas.resident, created_at=dance.created_at)


def test_htmx_join_answers_with_the_box_and_a_refusal_in_place(client, personas, dance):
    log_in(client, personas.resident)
    response = client.post(
        f"/portal/groups/{dance.pk}/join/", {"message": ""}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="join-box"' in response.content.decode() and "待审核" in response.content.decode()
    again = client.post(f"/portal/groups/{dance.pk}/join/", {"message": ""}, headers={"HX-Request": "true"})
    assert again.status_code == 422
    assert "您已提交过申请" in again.content.decode()


def test_a_too_long_message_is_refused_and_changes_nothing(client, personas, dance):
    log_in(client, personas.resident)
    response = client.post(
        f"/portal/groups/{dance.pk}/join/", {"message": "长" * 201}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert not JoinRequest.objects.exists()


def test_only_the_admin_decides(client, personas, people, dance, choir):
    row = services.join_request_create(actor=personas.resident, org=dance)
    # A resident who runs nothing: 403.
    log_in(client, people.neighbour)
    assert decide(client, dance, row, decision="accept").status_code == 403
    # The community head of the organisation's community oversees it, but does not decide: 403.
    log_in(client, personas.community_head_a)
    assert decide(client, dance, row, decision="accept").status_code == 403
    # The admin of another organisation: as if the request did not exist.
    log_in(client, people.resident_b)
    assert decide(client, dance, row, decision="accept").status_code == 404
    assert decide(client, choir, row, decision="accept").status_code == 404
    with pytest.raises(Forbidden):
        services.join_request_decide(actor=people.resident_b, join_request=row, accept=True)
    row.refresh_from_db()
    assert row.status == "pending"


def test_a_request_is_decided_once(personas, people, dance):
    row = services.join_request_create(actor=personas.resident, org=dance)
    services.join_request_decide(actor=people.org_account, join_request=row, accept=True)
    with pytest.raises(Conflict) as error:
        services.join_request_decide(actor=people.org_account, join_request=row, accept=False, reason="x")
    assert error.value.code == "already_decided"


def test_only_residents_and_volunteers_join(client, personas, people, dance):
    for user in (personas.grid_worker_a, people.org_account):
        log_in(client, user)
        assert ask(client, dance).status_code == 403
    log_in(client, personas.volunteer)
    assert ask(client, dance).status_code == 302
    assert list(JoinRequest.objects.values_list("user__username", flat=True)) == ["volunteer"]


def test_a_member_leaves_and_a_request_can_be_withdrawn(client, personas, people, dance):
    row = services.join_request_create(actor=personas.resident, org=dance)
    log_in(client, personas.resident)
    client.post(f"/portal/groups/{dance.pk}/leave/")
    row.refresh_from_db()
    assert row.status == "withdrawn"
    member = services.join_request_create(actor=personas.resident, org=dance)
    services.join_request_decide(actor=people.org_account, join_request=member, accept=True)
    response = client.post(f"/portal/groups/{dance.pk}/leave/", {"next": "mine"})
    assert response.url == "/portal/groups/mine/"
    member.refresh_from_db()
    assert member.status == "left" and member.ended_at is not None
    assert Notification.objects.filter(user=people.org_account, kind="socialorgs.member.left").exists()
    assert "0 名成员" in client.get(f"/portal/groups/{dance.pk}/").content.decode()
    with pytest.raises(Conflict) as error:
        services.member_leave(actor=personas.resident, org=dance)
    assert str(error.value.message) == "您不是该组织成员，也没有待审核的申请。"


def test_the_admin_removes_a_member_with_a_reason(client, personas, people, dance):
    member = services.join_request_create(actor=personas.resident, org=dance)
    services.join_request_decide(actor=people.org_account, join_request=member, accept=True)
    log_in(client, people.org_account)
    url = f"/portal/groups/manage/{dance.pk}/members/{member.pk}/remove/"
    client.post(url, {"reason": ""})
    member.refresh_from_db()
    assert member.status == "accepted"
    client.post(url, {"reason": "连续半年未参加活动"})
    member.refresh_from_db()
    assert member.status == "removed"
    assert Notification.objects.get(user=personas.resident, kind="socialorgs.member.removed").body == (
        "连续半年未参加活动"
    )


def test_members_names_are_for_the_admin_and_the_community_only(client, personas, people, dance, choir):
    member = services.join_request_create(actor=people.neighbour, org=dance)
    services.join_request_decide(actor=people.org_account, join_request=member, accept=True)
    log_in(client, personas.resident)
    page = client.get(f"/portal/groups/{dance.pk}/").content.decode()
    assert "1 名成员" in page and "邻居刘阿姨" not in page
    assert client.get(f"/portal/groups/manage/{dance.pk}/").status_code == 403
    log_in(client, people.resident_b)  # runs another organisation
    assert client.get(f"/portal/groups/manage/{dance.pk}/").status_code == 404
    log_in(client, people.org_account)
    assert "邻居刘阿姨" in client.get(f"/portal/groups/manage/{dance.pk}/").content.decode()
    log_in(client, personas.community_head_a)
    assert "邻居刘阿姨" in client.get(f"/portal/groups/staff/{dance.pk}/").content.decode()
    log_in(client, personas.community_head_b)
    assert client.get(f"/portal/groups/staff/{dance.pk}/").status_code == 404


def test_the_admin_sees_waiting_requests_on_the_portal_home(client, personas, people, dance):
    log_in(client, people.org_account)
    assert 'data-testid="socialorgs-pending"' not in client.get("/portal/").content.decode()
    row = services.join_request_create(actor=personas.resident, org=dance)
    assert "1 条申请待审核" in client.get("/portal/").content.decode()
    services.join_request_decide(actor=people.org_account, join_request=row, accept=True)
    assert 'data-testid="socialorgs-pending"' not in client.get("/portal/").content.decode()
