"""A figure's cases as XLSX: a purpose is required, and the export is audited with its row count."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.cases.choices import CaseStatus

# A drill-down answers one figure; more rows than this is not a figure's list.
EXPORT_LIMIT = 50_000


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def cases_xlsx(*, actor, rows, title: str, reason: str, filters: dict, request=None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("驾驶舱明细"))
    sheet.append([title])
    sheet.append(
        [
            _("编号"),
            _("类别"),
            _("网格"),
            _("承办单位"),
            _("状态"),
            _("上报时间"),
            _("办结期限"),
            _("结案时间"),
        ]
    )
    statuses = dict(CaseStatus.choices)
    count = 0
    for row in rows[:EXPORT_LIMIT].iterator(chunk_size=2000):
        sheet.append(
            [
                row["number"],
                row["category__name"],
                row["grid__name"],
                row["holder__name"] or "",
                str(statuses.get(row["status"], row["status"])),
                _when(row["reported_at"]),
                _when(row["resolve_due_at"]),
                _when(row["closed_at"]),
            ]
        )
        count += 1
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        request=request,
        details={"what": "cockpit", "rows": count, "reason": reason, "filters": filters},
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
