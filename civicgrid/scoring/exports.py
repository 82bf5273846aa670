"""Rankings as XLSX for performance pay: a purpose is required, and the export is audited with its row count."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record

from .selectors import Ranking


def ranking_xlsx(*, actor, ranking: Ranking, reason: str, request=None) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("绩效考核"))
    period = f"{ranking.year}-{ranking.month:02d}" if ranking.month else str(ranking.year)
    sheet.append([_("考核方案"), str(ranking.scheme), _("考核期间"), period])
    sheet.append([_("排名"), _("考核对象"), _("所在网格"), _("基础分"), _("加分"), _("扣分"), _("得分")])
    for row in ranking.rows:
        sheet.append(
            [
                row.rank,
                row.name,
                row.unit_name,
                float(ranking.scheme.base_score),
                float(row.bonus),
                float(row.deduction),
                float(row.score),
            ]
        )
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        request=request,
        details={
            "what": "scoring",
            "rows": len(ranking.rows),
            "reason": reason,
            "filters": {"scheme": ranking.scheme.pk, "period": period},
        },
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
