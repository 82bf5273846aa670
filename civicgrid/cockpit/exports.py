"""A figure's records as XLSX: a purpose is required, and the export is audited with its row count."""

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record

from .listings import Listing

# A drill-down answers one figure; more rows than this is not a figure's list.
EXPORT_LIMIT = 50_000


def listing_xlsx(*, actor, listing: Listing, reason: str, request=None) -> bytes:
    area = listing.area.name if listing.area else ""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("驾驶舱明细"))
    sheet.append([f"{area} {listing.month.key} {listing.title}"])
    sheet.append(listing.columns)
    count = 0
    for row in listing.rows[:EXPORT_LIMIT].iterator(chunk_size=2000):
        sheet.append([text for text, _link in listing.cells(row)])
        count += 1
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        request=request,
        details={"what": "cockpit", "rows": count, "reason": reason, "filters": listing.filters},
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
