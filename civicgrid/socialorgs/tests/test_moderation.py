"""Registering organisations: community heads register them confirmed and name the admin; an
organisation account registers itself and stays invisible until its community confirms it; the
community deactivates with a reason."""

import pytest
from django.core.exceptions import ValidationError

from civicgrid.audit.models import AuditEvent
from civicgrid.core.errors import Conflict, Forbidden, NotFound
from civicgrid.core.testing import log_in
from civicgrid.notifications.models import Notification
from civicgrid.socialorgs import services
from civicgrid.socialorgs.models import SocialOrg

pytestmark = pytest.mark.django_db

REGISTRATION = {
    "name": "甲社区太极拳队",
    "category": "sports",
    "introduction": "每天清晨在社区广场练习二十四式太极拳。",
    "specialities": "杨式太极",
    "contact_name": "周师傅",
    "contact_phone": "0571-86001234",
}


def test_an_organisation_registers_itself_and_is_invisible_until_confirmed(client, personas, people):
    log_in(client, people.org_account)
    assert "登记我的组织" in client.get("/portal/groups/mine/").content.decode()
    assert client.get("/portal/groups/register/").status_code == 200
    response = client.post("/portal/groups/register/", REGISTRATION)
    assert response.status_code == 302
    org = SocialOrg.objects.get()
    assert (org.status, org.admin, org.unit) == (
        "pending",
        people.org_account,
        people.org_account.memberships.get().unit,
    )
    assert Notification.objects.filter(user=personas.community_head_a, kind="socialorgs.registered").exists()
    assert not Notification.objects.filter(user=personas.community_head_b).exists()
    # Its admin already sees (and may prepare) its page.
    assert client.get(f"/portal/groups/{org.pk}/").status_code == 200
    assert client.get(f"/portal/groups/manage/{org.pk}/").status_code == 200
    mine = client.get("/portal/groups/mine/").content.decode()
    assert "待社区确认" in mine and "登记我的组织" not in mine

    log_in(client, personas.resident)
    assert "甲社区太极拳队" not in client.get("/portal/groups/").content.decode()
    assert client.get(f"/portal/groups/{org.pk}/").status_code == 404
    assert client.post(f"/portal/groups/{org.pk}/join/").status_code == 404
    assert client.get("/api/v1/socialorgs").json()["count"] == 0
    assert client.get(f"/api/v1/socialorgs/{org.pk}").status_code == 404
    log_in(client, personas.community_head_b)
    assert client.get(f"/portal/groups/{org.pk}/").status_code == 404
    assert client.get(f"/portal/groups/staff/{org.pk}/").status_code == 404
    assert client.post(f"/portal/groups/staff/{org.pk}/decide/", {"decision": "confirm"}).status_code == 404

    log_in(client, personas.community_head_a)
    assert "甲社区太极拳队" in client.get("/portal/groups/staff/?status=pending").content.decode()
    client.post(f"/portal/groups/staff/{org.pk}/decide/", {"decision": "confirm"})
    org.refresh_from_db()
    assert org.status == "confirmed" and org.decided_by == personas.community_head_a
    assert Notification.objects.filter(user=people.org_account, kind="socialorgs.org.confirmed").exists()

    log_in(client, personas.resident)
    assert "甲社区太极拳队" in client.get("/portal/groups/").content.decode()
    page = client.get(f"/portal/groups/{org.pk}/").content.decode()
    assert "0571-****1234" in page and "0571-86001234" not in page


def test_refusing_a_registration_needs_a_reason(client, personas, people):
    org = services.socialorg_create(
        actor=people.org_account, unit=people.org_account.memberships.get().unit, **REGISTRATION
    )
    log_in(client, personas.community_head_a)
    client.post(f"/portal/groups/staff/{org.pk}/decide/", {"decision": "refuse", "reason": ""})
    org.refresh_from_db()
    assert org.status == "pending"
    client.post(
        f"/portal/groups/staff/{org.pk}/decide/", {"decision": "refuse", "reason": "请补充活动场地说明"}
    )
    org.refresh_from_db()
    assert (org.status, org.status_reason) == ("refused", "请补充活动场地说明")
    assert (
        Notification.objects.get(user=people.org_account, kind="socialorgs.org.refused").body
        == "请补充活动场地说明"
    )
    with pytest.raises(Conflict):
        services.socialorg_decide(actor=personas.community_head_a, org=org, confirm=True)
    # Refused, the organisation may register again (the same name is free again).
    again = services.socialorg_create(actor=people.org_account, unit=org.unit, **REGISTRATION)
    assert again.status == "pending"


def test_one_organisation_per_organisation_account(people):
    unit = people.org_account.memberships.get().unit
    services.socialorg_create(actor=people.org_account, unit=unit, **REGISTRATION)
    with pytest.raises(Conflict) as error:
        services.socialorg_create(
            actor=people.org_account, unit=unit, **(REGISTRATION | {"name": "另一个队"})
        )
    assert str(error.value.message) == "您的单位已登记了一个社会组织。"


def test_residents_and_grid_workers_do_not_register(client, personas, tree):
    log_in(client, personas.resident)
    assert client.get("/portal/groups/register/").status_code == 403
    with pytest.raises(Forbidden):
        services.socialorg_create(actor=personas.resident, unit=tree.community_a, **REGISTRATION)
    log_in(client, personas.grid_worker_a)
    assert client.get("/portal/groups/staff/").status_code == 403
    assert client.get("/portal/groups/staff/new/").status_code == 403
    assert not SocialOrg.objects.exists()


def test_a_head_registers_an_organisation_with_a_named_admin(client, personas, people, tree):
    log_in(client, personas.community_head_a)
    assert client.get("/portal/groups/staff/new/").status_code == 200
    data = REGISTRATION | {"unit": tree.community_a.pk, "admin_phone": "13800000003"}
    response = client.post("/portal/groups/staff/new/", data)
    assert response.status_code == 302
    org = SocialOrg.objects.get()
    assert (org.status, org.admin) == ("confirmed", people.neighbour)
    assert Notification.objects.filter(user=people.neighbour, kind="socialorgs.admin").exists()
    assert AuditEvent.objects.filter(object_type="socialorgs.socialorg", action="create").exists()
    # The resident named admin now runs it from the portal.
    log_in(client, people.neighbour)
    assert client.get(f"/portal/groups/manage/{org.pk}/").status_code == 200


def test_bad_registrations_are_refused_in_chinese_and_change_nothing(client, personas, people, tree, dance):
    log_in(client, personas.community_head_a)
    base = REGISTRATION | {"unit": tree.community_a.pk, "admin_phone": "13800000003"}
    cases = [
        ({"admin_phone": "13999999999"}, "未找到该手机号的居民或单位账号（须为本街道已注册的账号）。"),
        (
            {"admin_phone": "13800000001", "contact_phone": "12345"},
            "请填写正确的手机号或固定电话（如 0571-86001234）。",
        ),
        ({"name": "夕阳红舞蹈队"}, "该社区已有同名的社会组织。"),
        ({"introduction": ""}, "请填写组织介绍。"),
        ({"category": "chess"}, "请选择组织类别。"),
    ]
    for change, message in cases:
        response = client.post("/portal/groups/staff/new/", base | change)
        assert response.status_code == 422, change
        assert message in response.content.decode(), change
    assert SocialOrg.objects.count() == 1
    # A community head registers only in their own units.
    with pytest.raises(Forbidden):
        services.socialorg_create(actor=personas.community_head_a, unit=tree.community_b, **REGISTRATION)
    # A staff account is not a portal account: it cannot be named admin.
    with pytest.raises(ValidationError):
        services.socialorg_create(
            actor=personas.community_head_a, unit=tree.community_a, admin_phone="", **REGISTRATION
        )


def test_the_community_deactivates_with_a_reason_and_reactivates(client, personas, people, dance):
    log_in(client, personas.community_head_a)
    client.post(f"/portal/groups/staff/{dance.pk}/deactivate/", {"reason": ""})
    dance.refresh_from_db()
    assert dance.is_active
    client.post(f"/portal/groups/staff/{dance.pk}/deactivate/", {"reason": "长期未开展活动"})
    dance.refresh_from_db()
    assert not dance.is_active and dance.deactivated_reason == "长期未开展活动"
    assert (
        Notification.objects.get(user=people.org_account, kind="socialorgs.org.deactivated").body
        == "长期未开展活动"
    )
    assert "已停用" in client.get("/portal/groups/staff/?status=inactive").content.decode()

    log_in(client, personas.resident)
    assert "夕阳红舞蹈队" not in client.get("/portal/groups/").content.decode()
    assert client.get(f"/portal/groups/{dance.pk}/").status_code == 404
    log_in(client, people.org_account)
    assert "长期未开展活动" in client.get(f"/portal/groups/manage/{dance.pk}/").content.decode()
    log_in(client, personas.community_head_b)
    assert client.post(f"/portal/groups/staff/{dance.pk}/activate/").status_code == 404

    log_in(client, personas.community_head_a)
    client.post(f"/portal/groups/staff/{dance.pk}/activate/")
    dance.refresh_from_db()
    assert dance.is_active and dance.deactivated_reason == ""


def test_members_of_a_deactivated_organisation_can_still_leave(client, personas, people, dance):
    row = services.join_request_create(actor=personas.resident, org=dance)
    services.join_request_decide(actor=people.org_account, join_request=row, accept=True)
    waiting = services.join_request_create(actor=personas.volunteer, org=dance)
    services.socialorg_deactivate(actor=personas.community_head_a, org=dance, reason="整顿")
    dance.refresh_from_db()
    with pytest.raises(Conflict) as error:
        services.join_request_decide(actor=people.org_account, join_request=waiting, accept=True)
    assert str(error.value.message) == "该组织未通过社区确认或已停用，暂不能进行此操作。"
    with pytest.raises(NotFound):
        services.join_request_create(actor=people.neighbour, org=dance)
    log_in(client, personas.resident)
    assert "该组织已停用。" in client.get("/portal/groups/mine/").content.decode()
    client.post(f"/portal/groups/{dance.pk}/leave/", {"next": "mine"})
    row.refresh_from_db()
    assert row.status == "left"


def test_the_community_names_another_admin(client, personas, people, dance):
    log_in(client, personas.community_head_a)
    client.post(f"/portal/groups/staff/{dance.pk}/admin/", {"admin_phone": "13800000003"})
    dance.refresh_from_db()
    assert dance.admin == people.neighbour
    log_in(client, people.org_account)
    assert client.get(f"/portal/groups/manage/{dance.pk}/").status_code == 404  # not theirs any more
    log_in(client, people.neighbour)
    assert client.get(f"/portal/groups/manage/{dance.pk}/").status_code == 200


def test_the_admin_edits_the_page_and_the_contact_stays_masked(client, personas, people, dance):
    log_in(client, people.org_account)
    page = client.get(f"/portal/groups/manage/{dance.pk}/edit/").content.decode()
    assert "139****5678" in page and "13912345678" not in page
    data = {
        "category": "culture",
        "introduction": "新的介绍",
        "specialities": "新的特色",
        "contact_name": "王阿姨",
    }
    response = client.post(f"/portal/groups/manage/{dance.pk}/edit/", data | {"contact_phone": "86"})
    assert response.status_code == 422
    assert "请填写正确的手机号或固定电话" in response.content.decode()
    dance.refresh_from_db()
    assert dance.introduction == "社区退休居民自发组建的舞蹈队。"
    assert client.post(f"/portal/groups/manage/{dance.pk}/edit/", data).status_code == 302
    dance.refresh_from_db()
    assert (dance.introduction, dance.contact_phone) == ("新的介绍", "13912345678")  # blank keeps the number
    event = AuditEvent.objects.filter(object_type="socialorgs.socialorg", action="update").latest("at")
    assert event.details == {"fields": ["introduction", "specialities"]}
    log_in(client, personas.resident)
    assert client.get(f"/portal/groups/manage/{dance.pk}/edit/").status_code == 403
