"""The audit trail: append-only, searchable by admins only, records admin and permission changes."""

import pytest

from civicgrid.audit.models import AuditEvent
from civicgrid.audit.services import audit_record
from civicgrid.core.testing import log_in

pytestmark = pytest.mark.django_db


def test_events_cannot_be_changed_or_deleted(personas):
    event = audit_record(action="reveal", actor=personas.platform_admin)
    event.details = {"x": 1}
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.filter(pk=event.pk).update(action="login")


def test_only_admins_open_the_audit_page(client, personas):
    for persona in ("grid_worker_a", "community_head_a", "dispatcher"):
        log_in(client, getattr(personas, persona))
        assert client.get("/audit/").status_code == 403
    log_in(client, personas.platform_admin)
    assert client.get("/audit/").status_code == 200


def test_audit_search_filters_by_actor_and_action(client, personas):
    audit_record(action="reveal", actor=personas.grid_worker_a)
    audit_record(action="export", actor=personas.community_head_a)
    log_in(client, personas.platform_admin)
    page = client.get("/audit/", {"actor": "worker_a"}).content.decode()
    assert "worker_a" in page and "head_a" not in page
    page = client.get("/audit/", {"action": "export"}).content.decode()
    assert "head_a" in page and "worker_a" not in page
    assert client.get("/audit/", {"from": "not-a-date", "to": "2026-13-45"}).status_code == 200


def test_membership_grant_and_revoke_are_audited(personas, tree):
    from civicgrid.org.choices import Role
    from civicgrid.org.services import membership_grant, membership_revoke

    membership = membership_grant(
        user=personas.grid_worker_a, unit=tree.grid_a2, role=Role.GRID_WORKER, actor=personas.platform_admin
    )
    membership_revoke(membership=membership, actor=personas.platform_admin)
    changes = AuditEvent.objects.filter(action="permission_change", object_id=str(personas.grid_worker_a.pk))
    assert [e.details for e in changes.order_by("id")] == [
        {"grant": "grid_worker", "unit": tree.grid_a2.code},
        {"revoke": "grid_worker", "unit": tree.grid_a2.code},
    ]


def test_changes_in_the_admin_site_are_audited(client, personas, tree):
    log_in(client, personas.platform_admin)
    personas.platform_admin.is_superuser = True
    personas.platform_admin.save()
    response = client.post(
        f"/admin/accounts/user/{personas.grid_worker_b.pk}/change/",
        {
            "username": "worker_b",
            "full_name": "乙网格员（改）",
            "kind": "staff",
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "password_changed_at_0": "",
            "password_changed_at_1": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="admin_change")
    assert event.actor == personas.platform_admin
    assert event.details["flag"] == "change"
