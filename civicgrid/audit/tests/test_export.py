"""Exporting the audit trail: admins only, the current search only, a reason required, the export
itself audited with its row count."""

import io

import pytest
from openpyxl import load_workbook

from civicgrid.audit.models import AuditEvent
from civicgrid.audit.services import audit_record
from civicgrid.core.testing import log_in

pytestmark = pytest.mark.django_db
EXPORT = "/audit/export/"


def test_an_admin_exports_what_the_search_shows_with_a_reason(client, personas):
    audit_record(action="reveal", actor=personas.grid_worker_a, details={"field": "phone"})
    audit_record(action="reveal", actor=personas.community_head_a, details={"field": "id_number"})
    audit_record(action="login", actor=personas.grid_worker_a)
    log_in(client, personas.platform_admin)
    page = client.get("/audit/", {"action": "reveal"}).content.decode()
    assert 'data-testid="audit-export"' in page and 'name="action" value="reveal"' in page

    response = client.post(EXPORT, {"action": "reveal", "reason": "核查查看身份证号的记录"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("时间", "操作人", "操作")
    assert sorted(r[1] for r in rows[1:]) == sorted(
        [personas.grid_worker_a.username, personas.community_head_a.username]
    )
    assert {r[2] for r in rows[1:]} == {"查看完整个人信息"}
    export = AuditEvent.objects.get(action="export", actor=personas.platform_admin)
    assert export.details == {
        "what": "audit",
        "rows": 2,
        "reason": "核查查看身份证号的记录",
        "filters": {"action": "reveal"},
    }


def test_an_export_without_a_reason_is_refused_and_nothing_is_exported(client, personas):
    log_in(client, personas.platform_admin)
    response = client.post(EXPORT, {"action": "reveal", "reason": "  "})
    assert response.status_code == 422
    assert "请填写导出用途。" in response.content.decode()
    assert not AuditEvent.objects.filter(action="export").exists()


def test_only_admins_export(client, personas):
    assert client.post(EXPORT, {"reason": "x"}).status_code == 302  # to the log-in page
    log_in(client, personas.community_head_a)
    assert client.post(EXPORT, {"reason": "x"}).status_code == 403
    log_in(client, personas.platform_admin)
    assert client.get(EXPORT).status_code == 405
    assert not AuditEvent.objects.filter(action="export").exists()
