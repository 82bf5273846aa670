"""The audit trail as XLSX: a reason is required, and the export is itself audited with its row count."""

import io
import json

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .choices import AuditAction
from .services import audit_record

# An export is for a question (a person, a period, an object), not a copy of the whole trail.
EXPORT_LIMIT = 50_000


def events_xlsx(*, actor, events, reason: str, filters: dict, request=None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("审计日志"))
    sheet.append(
        [
            _("时间"),
            _("操作人"),
            _("操作"),
            _("对象类型"),
            _("对象编号"),
            _("对象"),
            _("IP 地址"),
            _("详情"),
            _("链序号"),
        ]
    )
    count = 0
    for event in events[:EXPORT_LIMIT].iterator(chunk_size=2000):
        sheet.append(
            [
                timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"),
                event.actor_name,
                event.get_action_display(),
                event.object_type,
                event.object_id,
                event.object_repr,
                event.ip or "",
                json.dumps(event.details, ensure_ascii=False),
                event.seq or "",
            ]
        )
        count += 1
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        request=request,
        details={"what": "audit", "rows": count, "reason": reason, "filters": filters},
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
