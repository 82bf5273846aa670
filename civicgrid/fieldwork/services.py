"""Every write of the field workbench: validated, scoped to where the actor works, audited."""

import re
import uuid
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.cases import services as case_services
from civicgrid.cases.choices import Channel
from civicgrid.cases.models import Case, Category
from civicgrid.core import clock
from civicgrid.core.errors import Forbidden
from civicgrid.core.idempotency import once
from civicgrid.core.images import clean_image
from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit
from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import roles_at, user_can
from civicgrid.registry import services as registry_services
from civicgrid.registry.imports import read_table
from civicgrid.registry.models import Household, Organisation, ServiceGroup

from . import search
from .choices import DocumentLevel
from .models import (
    CaseStudy,
    CaseStudyComment,
    Consultation,
    PolicyDocument,
    ServiceItem,
    ServiceLine,
    Visit,
    VisitPhoto,
    VisitProgramme,
    WorkLogEntry,
)

MAX_PHOTOS = 6
MAX_PROBLEMS = 5
# A queued offline visit may arrive days later; a clock a few minutes ahead is tolerated.
CLOCK_SKEW = timedelta(minutes=10)
MAX_VISIT_AGE = timedelta(days=30)


def require_at(actor, unit: OrgUnit, action: str) -> None:
    """The actor must hold, over `unit`, a role that allows `action`."""
    if getattr(actor, "is_superuser", False):
        return
    if not roles_at(actor, unit) & PERMISSIONS[action]:
        raise Forbidden()


def _text(value, limit: int) -> str:
    return (value or "").strip()[:limit]


# ---------------------------------------------------------------- visits


def visit_record(
    *,
    actor,
    household: Household | None = None,
    organisation: Organisation | None = None,
    visited_at: datetime | None = None,
    met: str = "",
    companions: str = "",
    lat: float | None = None,
    lng: float | None = None,
    accuracy_m: float | None = None,
    notes: str = "",
    photos=(),
    confirm_data: bool = False,
    problems=(),
    programme: VisitProgramme | None = None,
    idempotency_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> tuple[Visit, bool]:
    """Record a visit and turn each problem found into a case (channel 走访发现), in one transaction.
    Sent again with the same idempotency key, it returns the first visit: (visit, created)."""
    now = now or clock.now()
    with transaction.atomic():
        return once(
            user=actor,
            key=idempotency_key,
            kind="visit",
            model=Visit,
            make=lambda: _visit_create(
                actor=actor,
                household=household,
                organisation=organisation,
                visited_at=visited_at or now,
                met=met,
                companions=companions,
                lat=lat,
                lng=lng,
                accuracy_m=accuracy_m,
                notes=notes,
                photos=photos,
                confirm_data=confirm_data,
                problems=problems,
                programme=programme,
                now=now,
            ),
        )


def _visit_create(*, actor, household, organisation, visited_at, problems, photos, now, **fields) -> Visit:
    target = household or organisation
    if target is None or (household is not None and organisation is not None):
        raise ValidationError({"household": [_("请选择走访的一户或一家单位。")]})
    grid = target.grid
    require_at(actor, grid, "fieldwork.visit")
    errors: dict[str, list] = {}
    if visited_at > now + CLOCK_SKEW:
        errors["visited_at"] = [_("走访时间不能晚于现在。")]
    elif visited_at < now - MAX_VISIT_AGE:
        errors["visited_at"] = [_("只能补录30天内的走访。")]
    lat, lng = fields["lat"], fields["lng"]
    if (lat is None) != (lng is None) or (lat is not None and not (-90 <= lat <= 90 and -180 <= lng <= 180)):
        errors["lat"] = [_("定位坐标无效。")]
    if fields["confirm_data"] and household is None:
        errors["confirm_data"] = [_("只有走访住户时才能确认户信息。")]
    elif fields["confirm_data"] and not roles_at(actor, grid) & PERMISSIONS["registry.edit"]:
        errors["confirm_data"] = [_("您无权确认户信息，请由网格责任社工确认。")]
    problems = [(c, _text(d, 4000)) for c, d in problems]
    if len(problems) > MAX_PROBLEMS:
        errors["problems"] = [_("一次走访最多上报 %(n)d 个问题。") % {"n": MAX_PROBLEMS}]
    elif any(not description for _category, description in problems):
        errors["problems"] = [_("请描述发现的问题。")]
    elif any(category is None or not category.is_active for category, _d in problems):
        errors["problems"] = [_("请选择问题类别。")]
    if not fields["notes"].strip() and not problems:
        errors["notes"] = [_("请填写走访情况。")]
    photos = list(photos or [])
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}]
    if errors:
        raise ValidationError(errors)
    try:
        images = [clean_image(p) for p in photos]
    except ValidationError as error:
        raise ValidationError({"photos": error.messages}) from None
    visit = Visit.objects.create(
        grid=grid,
        household=household,
        organisation=organisation,
        visitor=actor,
        companions=_text(fields["companions"], 100),
        met=_text(fields["met"], 100),
        visited_at=visited_at,
        lat=lat,
        lng=lng,
        accuracy_m=fields["accuracy_m"],
        notes=_text(fields["notes"], 4000),
        data_confirmed=bool(fields["confirm_data"]),
        programme=fields["programme"],
    )
    for image in images:
        photo = VisitPhoto(visit=visit)
        photo.image.save(image.name, image, save=True)
    cases = [
        case_services.case_report(
            actor=actor,
            channel=Channel.VISIT,
            category=category,
            description=description,
            lat=lat,
            lng=lng,
            address=str(target)[:200],
            grid=grid,
            now=now,
        )
        for category, description in problems
    ]
    if cases:
        visit.cases.add(*cases)
    if fields["confirm_data"]:
        registry_services.household_verify(actor=actor, household=household, now=now)
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=visit,
        details={"cases": [c.number for c in cases], "confirmed": visit.data_confirmed},
    )
    return visit


@transaction.atomic
def programme_create(
    *,
    actor,
    unit: OrgUnit,
    name: str,
    starts_on: date,
    ends_on: date,
    groups=(),
    visits_per_target: int = 1,
    description: str = "",
) -> VisitProgramme:
    require_at(actor, unit, "fieldwork.programmes_manage")
    errors = {}
    if unit.kind not in (UnitKind.STREET, UnitKind.COMMUNITY):
        errors["unit"] = [_("走访计划由街道或社区发起。")]
    if not (name or "").strip():
        errors["name"] = [_("请填写计划名称。")]
    if ends_on < starts_on:
        errors["ends_on"] = [_("结束日期不能早于开始日期。")]
    if not 1 <= visits_per_target <= 24:
        errors["visits_per_target"] = [_("每户走访次数应在 1–24 之间。")]
    if errors:
        raise ValidationError(errors)
    programme = VisitProgramme.objects.create(
        unit=unit,
        name=_text(name, 80),
        description=_text(description, 2000),
        starts_on=starts_on,
        ends_on=ends_on,
        visits_per_target=visits_per_target,
        created_by=actor,
    )
    programme.groups.set([g for g in groups if isinstance(g, ServiceGroup)])
    audit_record(action=AuditAction.CREATE, actor=actor, obj=programme)
    return programme


# ---------------------------------------------------------------- policy library


def item_reindex(item: ServiceItem) -> None:
    """Refresh the words the search index reads (the index itself follows in the database)."""
    documents = " ".join(d.title for d in item.documents.all()) if item.pk else ""
    body = " ".join(
        [item.eligibility, " ".join(item.materials), " ".join(item.process), item.office, documents]
    )
    item.search_title, item.search_body = search.index_text(item.title, body)


def _split(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in re.split(r"[\n；;]+", value or "") if part.strip()]


@transaction.atomic
def item_save(
    *,
    line: ServiceLine,
    code: str,
    title: str,
    eligibility: str = "",
    materials=(),
    process=(),
    office: str = "",
    time_limit: str = "",
    fee: str = "",
    documents=(),
) -> tuple[ServiceItem, bool]:
    """Create or update an item by its code, with its documents; returns (item, created)."""
    item = ServiceItem.objects.filter(code=code).first()
    created = item is None
    item = item or ServiceItem(code=code)
    item.line = line
    item.title = title
    item.eligibility = eligibility
    item.materials = _split(materials)
    item.process = _split(process)
    item.office = office
    item.time_limit = time_limit
    item.fee = fee
    item.is_active = True
    item.save()
    if documents:
        item.documents.all().delete()
        PolicyDocument.objects.bulk_create(
            PolicyDocument(item=item, level=d["level"], title=d["title"], number=d.get("number", ""))
            for d in documents
        )
    item_reindex(item)
    item.save(update_fields=["search_title", "search_body"])
    return item, created


ITEM_COLUMNS = {
    "line": "条线",
    "code": "事项编码",
    "title": "事项名称",
    "eligibility": "办理条件",
    "materials": "所需材料",
    "process": "办理流程",
    "office": "责任科室",
    "time_limit": "办理时限",
    "fee": "收费",
    "documents": "政策依据",
}
LEVELS_BY_LABEL = {str(label): value for value, label in DocumentLevel.choices} | {
    value: value for value in DocumentLevel.values
}


def _documents(text: str, row_number: int, errors: list) -> list[dict]:
    """`层级:文件名称` per line, e.g. `中央:《社会救助暂行办法》`."""
    documents = []
    for line in _split(text):
        level, _sep, title = line.replace("：", ":").partition(":")
        if not title or level.strip() not in LEVELS_BY_LABEL:
            errors.append(
                _("第 %(row)d 行：政策依据应写成“层级:文件名称”（层级为中央/省/市/区/街道）。")
                % {"row": row_number}
            )
            return []
        documents.append({"level": LEVELS_BY_LABEL[level.strip()], "title": title.strip()[:200]})
    return documents


def items_import(*, actor, file_name: str, content: bytes) -> dict:
    """Import service items from XLSX/CSV: all rows or none. Returns counts, or raises with every
    row's error so the file can be corrected in one go."""
    if not user_can(actor, "fieldwork.policy_manage"):
        raise Forbidden()
    rows = read_table(file_name=file_name, content=content)
    errors: list[str] = []
    if not rows:
        raise ValidationError({"file": [_("文件中没有数据行。")]})
    missing = [
        label
        for key, label in ITEM_COLUMNS.items()
        if key in ("line", "code", "title") and label not in rows[0]
    ]
    if missing:
        raise ValidationError({"file": [_("缺少列：%(cols)s。") % {"cols": "、".join(missing)}]})
    lines = {line.name: line for line in ServiceLine.objects.all()} | {
        line.code: line for line in ServiceLine.objects.all()
    }
    parsed = []
    seen = set()
    for number, row in enumerate(rows, start=2):
        value = {key: (row.get(label) or "").strip() for key, label in ITEM_COLUMNS.items()}
        if value["line"] not in lines:
            errors.append(_("第 %(row)d 行：条线“%(line)s”不存在。") % {"row": number, "line": value["line"]})
        if not value["code"] or not value["title"]:
            errors.append(_("第 %(row)d 行：事项编码和事项名称必填。") % {"row": number})
        elif value["code"] in seen:
            errors.append(
                _("第 %(row)d 行：事项编码 %(code)s 重复。") % {"row": number, "code": value["code"]}
            )
        seen.add(value["code"])
        value["documents"] = _documents(value["documents"], number, errors)
        parsed.append(value)
    if errors:
        raise ValidationError({"file": errors[:50]})
    created = updated = 0
    with transaction.atomic():
        for value in parsed:
            _item, was_created = item_save(
                line=lines[value["line"]],
                code=value["code"][:30],
                title=value["title"][:120],
                eligibility=value["eligibility"],
                materials=value["materials"],
                process=value["process"],
                office=value["office"][:100],
                time_limit=value["time_limit"][:40],
                fee=value["fee"][:40],
                documents=value["documents"],
            )
            created += was_created
            updated += not was_created
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            details={
                "import": "service_items",
                "file": file_name[:100],
                "created": created,
                "updated": updated,
            },
        )
    return {"created": created, "updated": updated}


def consultation_record(
    *,
    actor,
    grid: OrgUnit,
    item: ServiceItem | None,
    asker_name: str,
    question: str,
    answer: str,
    asker_phone: str = "",
    case_category: Category | None = None,
    idempotency_key: uuid.UUID | None = None,
    now: datetime | None = None,
) -> tuple[Consultation, bool]:
    """Log an answered question; with a category, it also becomes a case in the same step."""
    now = now or clock.now()

    def make() -> Consultation:
        require_at(actor, grid, "fieldwork.consult")
        errors = {}
        if grid.kind != UnitKind.GRID:
            errors["grid"] = [_("请选择网格。")]
        if not (asker_name or "").strip():
            errors["asker_name"] = [_("请填写咨询人。")]
        if not (question or "").strip():
            errors["question"] = [_("请填写咨询内容。")]
        if not (answer or "").strip():
            errors["answer"] = [_("请填写答复。")]
        phone = re.sub(r"\D", "", asker_phone or "")
        if asker_phone and not re.fullmatch(r"1\d{10}|0\d{9,11}", phone):
            errors["asker_phone"] = [_("请填写正确的电话号码。")]
        if case_category is not None and not case_category.is_active:
            errors["case_category"] = [_("该类别已停用。")]
        if errors:
            raise ValidationError(errors)
        case = None
        if case_category is not None:
            case = case_services.case_report(
                actor=actor,
                channel=case_services.channel_for(user=actor, category=case_category),
                category=case_category,
                description=_text(question, 2000),
                grid=grid,
                now=now,
            )
        consultation = Consultation.objects.create(
            item=item,
            grid=grid,
            asker_name=_text(asker_name, 50),
            asker_phone=phone,
            question=_text(question, 2000),
            answer=_text(answer, 4000),
            answered_by=actor,
            at=now,
            case=case,
        )
        audit_record(
            action=AuditAction.CREATE, actor=actor, obj=consultation, details={"case": case and case.number}
        )
        return consultation

    with transaction.atomic():
        return once(user=actor, key=idempotency_key, kind="consultation", model=Consultation, make=make)


# ---------------------------------------------------------------- case studies


def _tags(value) -> list[str]:
    parts = value if isinstance(value, list) else re.split(r"[,，、\s]+", value or "")
    return list(dict.fromkeys(p.strip()[:20] for p in parts if p.strip()))[:8]


@transaction.atomic
def study_create(
    *, actor, community: OrgUnit, title: str, body: str, tags=(), case: Case | None = None
) -> CaseStudy:
    from .selectors import study_communities

    if community.pk not in {c.pk for c in study_communities(actor)}:
        raise Forbidden()
    errors = {}
    if community.kind != UnitKind.COMMUNITY:
        errors["community"] = [_("请选择社区。")]
    if not (title or "").strip():
        errors["title"] = [_("请填写标题。")]
    if len((body or "").strip()) < 20:
        errors["body"] = [_("正文至少 20 个字。")]
    if errors:
        raise ValidationError(errors)
    tags = _tags(tags)
    study = CaseStudy.objects.create(
        community=community,
        author=actor,
        title=_text(title, 120),
        body=_text(body, 20000),
        tags=tags,
        tags_text=f"|{'|'.join(tags)}|",
        case=case,
    )
    audit_record(action=AuditAction.CREATE, actor=actor, obj=study)
    return study


@transaction.atomic
def study_comment(*, actor, study: CaseStudy, body: str) -> CaseStudyComment:
    if not (body or "").strip():
        raise ValidationError({"body": [_("请填写评论内容。")]})
    return CaseStudyComment.objects.create(study=study, author=actor, body=_text(body, 2000))


@transaction.atomic
def study_pin(*, actor, study: CaseStudy, pinned: bool) -> CaseStudy:
    """Pin or unpin (community head of the study's community, or an admin above it)."""
    require_at(actor, study.community, "fieldwork.studies_pin")
    CaseStudy.objects.filter(pk=study.pk).update(is_pinned=pinned, pinned_by=actor if pinned else None)
    study.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=study, details={"pinned": pinned})
    return study


# ---------------------------------------------------------------- work log


@transaction.atomic
def worklog_add(
    *, actor, unit: OrgUnit, day: date, body: str, cases=(), visits=(), now: datetime | None = None
) -> WorkLogEntry:
    require_at(actor, unit, "fieldwork.worklog")
    today = clock.localdate(now) if now else clock.today()
    errors = {}
    if day > today:
        errors["day"] = [_("不能填写未来日期的日志。")]
    elif day < today - timedelta(days=31):
        errors["day"] = [_("只能补写31天内的日志。")]
    if not (body or "").strip():
        errors["body"] = [_("请填写日志内容。")]
    if errors:
        raise ValidationError(errors)
    entry = WorkLogEntry.objects.create(author=actor, unit=unit, day=day, body=_text(body, 4000))
    entry.cases.set(cases)
    entry.visits.set(visits)
    return entry
