"""A grid's register as XLSX: scoped, masked unless the user may reveal and asks to, always audited."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core.errors import Forbidden
from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import user_can

from .choices import PersonStatus
from .selectors import memberships_prefetch, people_for


def grid_register_xlsx(
    *, actor, grid: OrgUnit, reason: str, full_id_numbers: bool = False, request=None
) -> bytes:
    if not user_can(actor, "registry.export"):
        raise Forbidden()
    if full_id_numbers and not user_can(actor, "registry.reveal"):
        raise Forbidden(_("您的角色无权导出完整身份证号。"))
    people = (
        people_for(actor, "registry.export")
        .filter(grid=grid, status=PersonStatus.LIVING)
        .select_related("household__room__entrance__building")
        .prefetch_related(memberships_prefetch(actor, grid))
        .order_by(
            "household__room__entrance__building__road",
            "household__room__entrance__building__name",
            "household__room__entrance__name",
            "household__room__number",
            "relation",
        )
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=grid.name[:31])
    sheet.append(
        [
            _("地址"),
            _("姓名"),
            _("身份证号"),
            _("性别"),
            _("出生日期"),
            _("联系电话"),
            _("与户主关系"),
            _("人口类型"),
            _("服务群体"),
            _("最近核实"),
        ]
    )
    count = 0
    for person in people:
        room = person.household.room if person.household_id else None
        sheet.append(
            [
                str(room) if room else "",
                person.full_name,
                person.id_number if full_id_numbers else person.id_masked,
                person.get_sex_display(),
                person.birth_date.isoformat() if person.birth_date else "",
                person.phone_masked,
                person.get_relation_display(),
                person.get_residence_type_display(),
                "、".join(f"{m.group.name}（{m.get_grade_display()}）" for m in person.visible_memberships),
                timezone.localtime(person.last_verified_at).date().isoformat()
                if person.last_verified_at
                else "",
            ]
        )
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        obj=grid,
        request=request,
        details={
            "what": "grid_register",
            "rows": count,
            "reason": reason[:100],
            "full_id_numbers": full_id_numbers,
        },
    )
    return buffer.getvalue()
