"""多网合一: importing a departmental spreadsheet as a batch — preview, apply, roll back.

1. Preview parses the file with the source's saved column mapping, validates every row, matches
   it to an existing person (ID number) and room (address), and stores the rows encrypted.
2. Apply creates the new people (with history), fills fields the registry lacks, and sends every
   field where source and registry disagree to the conflict queue; it never overwrites.
3. Roll back removes what the batch created and restores what it filled, refusing when someone
   has changed those records since.
"""

import csv
import io
import json
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from python_calamine import CalamineError, CalamineWorkbook
from simple_history.utils import bulk_create_with_history

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.crypto import blind_index, mask
from civicgrid.core.errors import Conflict as ConflictError
from civicgrid.core.errors import Forbidden
from civicgrid.org.selectors import user_can

from .choices import BatchStatus, ConflictStatus, ImportSourceKind, Relation, ResidenceType, RowStatus
from .models import (
    Conflict,
    Household,
    ImportBatch,
    ImportChange,
    ImportRow,
    ImportSource,
    Person,
    Room,
    SourceRecord,
)
from .selectors import ADDRESS_RE
from .services import person_set_identity, person_set_phone, person_update
from .validators import normalise_id_number

MAX_ROWS = 200_000
PERSON_FIELDS = ("full_name", "id_number", "phone", "residence_type", "relation")
ADDRESS_FIELDS = ("road", "building", "entrance", "room")
FIELD_LABELS = {
    "full_name": _("姓名"),
    "id_number": _("身份证号"),
    "phone": _("联系电话"),
    "residence_type": _("人口类型"),
    "relation": _("与户主关系"),
    "address": _("完整地址"),
    "road": _("道路门牌"),
    "building": _("楼幢"),
    "entrance": _("单元"),
    "room": _("室号"),
}
# What each kind of source usually calls its columns; saved per source and editable.
DEFAULT_MAPPINGS = {
    ImportSourceKind.PUBLIC_SECURITY: {
        "full_name": "姓名",
        "id_number": "公民身份号码",
        "phone": "联系电话",
        "residence_type": "人口类别",
        "relation": "与户主关系",
        "address": "居住地址",
    },
    ImportSourceKind.GOVERNANCE: {
        "full_name": "姓名",
        "id_number": "身份证号",
        "phone": "手机号",
        "road": "道路门牌",
        "building": "楼幢",
        "entrance": "单元",
        "room": "室号",
    },
    ImportSourceKind.SOCIAL_WORK: {
        "full_name": "姓名",
        "id_number": "身份证号码",
        "phone": "联系方式",
        "address": "地址",
    },
    ImportSourceKind.CIVIL_AFFAIRS: {
        "full_name": "姓名",
        "id_number": "身份证号",
        "phone": "电话",
        "address": "家庭住址",
    },
}
RESIDENCE_WORDS = {
    "户籍": ResidenceType.REGISTERED,
    "常住": ResidenceType.REGISTERED,
    "流动": ResidenceType.FLOATING,
    "暂住": ResidenceType.FLOATING,
    "境外": ResidenceType.OVERSEAS,
}
RELATION_WORDS = {label: value for value, label in Relation.choices} | {
    "本人": Relation.HEAD,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
}

TOO_MANY_ROWS = _("文件超过 %(n)d 行，请拆分后再导入。")
UNREADABLE = _("无法读取文件：请上传 CSV（UTF-8 或 GBK 编码）或 XLSX 文件。")
MISSING_COLUMNS = _("文件缺少列：%(columns)s。请检查列映射。")
NOT_PREVIEWED = _("该批次已导入或已撤销，不能重复导入。")
NOT_APPLIED = _("只有已导入的批次可以撤销。")
CHANGED_SINCE = _("有 %(n)d 条记录在导入后被修改过（如 %(name)s），不能整批撤销，请逐条处理。")


def _cell(value) -> str:
    """Spreadsheet cell as text: numbers typed into Excel (phones, IDs) come back as floats."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(*, file_name: str, content: bytes) -> list[dict[str, str]]:
    """Rows of a CSV (UTF-8 with or without BOM, or GBK) or XLSX file as header → text."""
    try:
        if file_name.lower().endswith(".xlsx"):
            sheet = CalamineWorkbook.from_filelike(io.BytesIO(content)).get_sheet_by_index(0)
            rows = iter(sheet.iter_rows())
            header = [_cell(c) for c in next(rows)]
            return [
                {h: _cell(v) for h, v in zip(header, row, strict=False)}
                for row in rows
                if any(v not in (None, "") for v in row)
            ]
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = content.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("encoding")
        reader = csv.DictReader(io.StringIO(text))
        return [
            {(k or "").strip(): (v or "").strip() for k, v in row.items()}
            for row in reader
            if any(row.values())
        ]
    except (
        ValueError,
        KeyError,
        StopIteration,
        OSError,
        CalamineError,
    ) as exc:
        raise ValidationError({"file": UNREADABLE}) from exc


@dataclass
class _Parsed:
    number: int
    data: dict
    errors: list[str] = field(default_factory=list)
    status: str = RowStatus.NEW
    person_id: int | None = None
    room_id: int | None = None


def _room_key(road: str, building: str, entrance: str, room: str) -> tuple[str, str, str, str]:
    def tidy(value: str, suffix: str) -> str:
        value = value.replace(" ", "")
        return value if not suffix or value.endswith(suffix) or not value else value + suffix

    return tidy(road, ""), tidy(building, "幢"), tidy(entrance, "单元"), tidy(room, "").removesuffix("室")


def _room_index() -> dict[tuple[str, str, str, str], tuple[int, int]]:
    rows = Room.objects.values_list(
        "pk", "grid_id", "number", "entrance__name", "entrance__building__name", "entrance__building__road"
    )
    return {
        (road, building, entrance, number): (pk, grid) for pk, grid, number, entrance, building, road in rows
    }


def _normalise(row: dict, mapping: dict) -> tuple[dict, list[str]]:
    data = {name: row.get(column, "") for name, column in mapping.items() if column}
    errors = []
    if "address" in data:
        match = ADDRESS_RE.match(data.pop("address").replace(" ", ""))
        parts = match.groupdict() if match else {}
        for part in ADDRESS_FIELDS:
            data[part] = parts.get(part) or ""
    if not data.get("full_name"):
        errors.append(_("缺少姓名。"))
    data["id_number"] = normalise_id_number(data.get("id_number", ""))
    residence = data.get("residence_type", "")
    data["residence_type"] = next((v for word, v in RESIDENCE_WORDS.items() if word in residence), "")
    data["relation"] = RELATION_WORDS.get(data.get("relation", "").strip(), "")
    return data, errors


@transaction.atomic
def import_preview(*, actor, source: ImportSource, file_name: str, content: bytes) -> ImportBatch:
    """Parse, validate and match a file; nothing in the registry changes until it is applied."""
    if not user_can(actor, "registry.import"):
        raise Forbidden()
    table = read_table(file_name=file_name, content=content)
    if len(table) > MAX_ROWS:
        raise ValidationError({"file": TOO_MANY_ROWS % {"n": MAX_ROWS}})
    mapping = {k: v for k, v in source.column_mapping.items() if v}
    headers = set(table[0]) if table else set()
    missing = [column for column in mapping.values() if column not in headers]
    if table and missing:
        raise ValidationError({"file": MISSING_COLUMNS % {"columns": "、".join(missing)}})

    rooms = _room_index()
    parsed: list[_Parsed] = []
    for number, row in enumerate(table, start=2):  # row 1 is the header
        data, errors = _normalise(row, mapping)
        item = _Parsed(number=number, data=data, errors=errors)
        probe = Person()
        for name, setter in (("id_number", person_set_identity), ("phone", person_set_phone)):
            try:
                setter(probe, data.get(name, ""))
            except ValidationError as error:
                item.errors += error.messages
        if not data["id_number"]:
            item.errors.append(_("缺少身份证号。"))
        key = _room_key(*(data.get(part, "") for part in ADDRESS_FIELDS))
        found = rooms.get(key)
        if found is None:
            item.errors.append(_("地址不存在：%(address)s。") % {"address": "".join(key) or "—"})
        else:
            item.room_id, data["grid_id"] = found
        parsed.append(item)

    seen = Counter(p.data["id_number"] for p in parsed if not p.errors)
    indexes = {blind_index(p.data["id_number"], purpose="id"): p for p in parsed if not p.errors}
    existing = {}
    keys = list(indexes)
    for start in range(0, len(keys), 5000):
        for person in Person.objects.filter(id_index__in=keys[start : start + 5000]).only(
            "id",
            "id_index",
            "full_name",
            "phone",
            "residence_type",
            "relation",
            "household__room_id",
            "grid_id",
        ):
            existing[person.id_index] = person
    first_seen: set[str] = set()
    for item in parsed:
        if item.errors:
            item.status = RowStatus.ERROR
            continue
        number = item.data["id_number"]
        if seen[number] > 1 and number in first_seen:
            item.status = RowStatus.DUPLICATE
            item.errors.append(_("与本文件前面的行重复（同一身份证号）。"))
            continue
        first_seen.add(number)
        person = existing.get(blind_index(number, purpose="id"))
        if person is None:
            continue
        item.person_id = person.pk
        item.status = RowStatus.CONFLICT if _differences(person, item.data) else RowStatus.MATCHED

    batch = ImportBatch.objects.create(source=source, file_name=file_name[:200], created_by=actor)
    ImportRow.objects.bulk_create(
        [
            ImportRow(
                batch=batch,
                number=p.number,
                data=json.dumps(p.data, ensure_ascii=False),
                status=p.status,
                errors=p.errors,
                person_id=p.person_id,
                room_id=p.room_id,
            )
            for p in parsed
        ],
        batch_size=2000,
    )
    batch.counts = dict(Counter(p.status for p in parsed)) | {"total": len(parsed)}
    batch.save(update_fields=["counts"])
    return batch


def _differences(person: Person, data: dict) -> dict[str, tuple[str, str]]:
    """Fields where the source gives a value that differs from a non-empty registry value."""
    diffs = {}
    for name in ("full_name", "phone", "residence_type", "relation"):
        source_value, registry_value = data.get(name) or "", getattr(person, name) or ""
        if source_value and registry_value and source_value != registry_value:
            diffs[name] = (registry_value, source_value)
    return diffs


def _fills(person: Person, data: dict) -> dict[str, str]:
    """Fields the registry lacks and the source provides: filled in directly, not conflicts."""
    return {
        name: data[name]
        for name in ("phone", "residence_type", "relation")
        if data.get(name) and not getattr(person, name)
    }


@transaction.atomic
def import_apply(*, actor, batch: ImportBatch) -> ImportBatch:
    """Apply a previewed batch in one transaction."""
    if not user_can(actor, "registry.import"):
        raise Forbidden()
    now = clock.now()
    won = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREVIEWED).update(
        status=BatchStatus.APPLIED, applied_at=now
    )
    if won != 1:
        raise ConflictError(NOT_PREVIEWED)
    batch.refresh_from_db()
    reason = _("批量导入：%(source)s（批次 %(id)d）") % {"source": batch.source.name, "id": batch.pk}
    rows = list(batch.rows.exclude(status__in=[RowStatus.ERROR, RowStatus.DUPLICATE]).order_by("number"))
    new_rows = [r for r in rows if r.status == RowStatus.NEW]

    households = _households_for_rooms({r.room_id for r in new_rows}, actor=actor, reason=reason)
    people = []
    for row in new_rows:
        data = json.loads(row.data)
        person = Person(
            full_name=data["full_name"][:50],
            household_id=households[row.room_id].pk,
            grid_id=data["grid_id"],
            residence_type=data.get("residence_type") or ResidenceType.REGISTERED,
            relation=data.get("relation") or Relation.OTHER,
        )
        person_set_identity(person, data["id_number"])
        person_set_phone(person, data.get("phone", ""))
        people.append(person)
    created = bulk_create_with_history(
        people, Person, batch_size=2000, default_user=actor, default_change_reason=reason, default_date=now
    )
    if any(p.pk is None for p in created):  # backends that do not return keys from bulk inserts
        keys = dict(
            Person.objects.filter(id_index__in=[p.id_index for p in people]).values_list("id_index", "pk")
        )
        for person in people:
            person.pk = keys[person.id_index]
    sources = [
        SourceRecord(batch=batch, person_id=person.pk, row_number=row.number, created=True)
        for row, person in zip(new_rows, people, strict=True)
    ]

    matched = {r.person_id: r for r in rows if r.status in (RowStatus.MATCHED, RowStatus.CONFLICT)}
    conflicts, changes = [], []
    for person in Person.objects.filter(pk__in=list(matched)):
        data = json.loads(matched[person.pk].data)
        for name, (registry_value, source_value) in _differences(person, data).items():
            conflicts.append(
                Conflict(
                    batch=batch,
                    person=person,
                    grid_id=person.grid_id,
                    field=name,
                    registry_value=registry_value,
                    source_value=source_value,
                )
            )
        fills = _fills(person, data)
        if fills:
            changes.append(
                ImportChange(
                    batch=batch,
                    model="person",
                    object_id=person.pk,
                    created=False,
                    before=json.dumps({name: getattr(person, name) for name in fills}, ensure_ascii=False),
                )
            )
            person_update(actor=None, person=person, reason=reason, **fills)
    Conflict.objects.bulk_create(conflicts, batch_size=2000)
    ImportChange.objects.bulk_create(changes, batch_size=2000)
    sources += [
        SourceRecord(batch=batch, person_id=r.person_id, row_number=r.number) for r in matched.values()
    ]
    SourceRecord.objects.bulk_create(sources, batch_size=2000)
    batch.counts = batch.counts | {
        "created": len(new_rows),
        "conflicts": len(conflicts),
        "filled": len(changes),
    }
    batch.save(update_fields=["counts"])
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=batch, details={"apply": batch.counts})
    return batch


def _households_for_rooms(room_ids: set[int], *, actor, reason: str) -> dict[int, Household]:
    """The household of each room, creating one (recorded for roll-back) where a room has none."""
    households: dict[int, Household] = {}
    for household in Household.objects.filter(room_id__in=room_ids).order_by("room_id", "id"):
        households.setdefault(household.room_id, household)
    missing = [rid for rid in room_ids if rid not in households]
    grids = dict(Room.objects.filter(pk__in=missing).values_list("pk", "grid_id"))
    made = bulk_create_with_history(
        [Household(room_id=rid, grid_id=grids[rid]) for rid in missing],
        Household,
        batch_size=2000,
        default_user=actor,
        default_change_reason=reason,
    )
    if any(h.pk is None for h in made):
        made = list(Household.objects.filter(room_id__in=missing, members__isnull=True))
    for household in made:
        households[household.room_id] = household
    return households


@transaction.atomic
def import_rollback(*, actor, batch: ImportBatch) -> ImportBatch:
    """Undo a batch exactly: remove what it created, restore what it filled, drop its conflicts."""
    if not user_can(actor, "registry.import"):
        raise Forbidden()
    if batch.status != BatchStatus.APPLIED:
        raise ConflictError(NOT_APPLIED)
    created_ids = list(
        batch.rows.filter(status=RowStatus.NEW, person_id__isnull=False).values_list("person_id", flat=True)
    )
    changes = list(batch.changes.all())
    touched = set(created_ids) | {c.object_id for c in changes}
    later = Person.history.filter(id__in=touched, history_date__gt=batch.applied_at).exclude(
        history_change_reason__contains=f"（批次 {batch.pk}）"
    )
    if later.exists():
        sample = later.first()
        raise ConflictError(
            CHANGED_SINCE % {"n": later.values("id").distinct().count(), "name": sample.full_name}
        )
    won = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.APPLIED).update(
        status=BatchStatus.ROLLED_BACK, rolled_back_at=clock.now()
    )
    if won != 1:
        raise ConflictError(NOT_APPLIED)
    reason = _("撤销批量导入（批次 %(id)d）") % {"id": batch.pk}
    for change in changes:
        person = Person.objects.get(pk=change.object_id)
        for name, value in json.loads(change.before).items():
            setattr(person, name, value)
        if "phone" in json.loads(change.before):
            person_set_phone(person, person.phone)
        person._history_user, person._change_reason = actor, reason
        person.save()
    households = set(Person.objects.filter(pk__in=created_ids).values_list("household_id", flat=True))
    SourceRecord.objects.filter(batch=batch).delete()
    batch.conflicts.all().delete()
    Person.objects.filter(pk__in=created_ids).delete()
    # Households this batch created (no other member, no history before the batch) go too.
    Household.objects.filter(
        pk__in=households, members__isnull=True, created_at__gte=batch.applied_at
    ).delete()
    batch.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=batch, details={"rollback": True})
    return batch


@transaction.atomic
def conflict_resolve(*, actor, conflict: Conflict, accept: bool) -> Conflict:
    """Take the source's value (accept) or keep the registry's (reject)."""
    if not user_can(actor, "registry.conflicts"):
        raise Forbidden()
    status = ConflictStatus.ACCEPTED if accept else ConflictStatus.REJECTED
    won = Conflict.objects.filter(pk=conflict.pk, status=ConflictStatus.OPEN).update(
        status=status, resolved_by=actor, resolved_at=clock.now()
    )
    if won != 1:
        raise ConflictError(_("该冲突已被处理。"))
    conflict.refresh_from_db()
    if accept and conflict.person_id:
        person_update(
            actor=actor,
            person=conflict.person,
            reason=_("采用来源数据（批次 %(id)d）") % {"id": conflict.batch_id},
            **{conflict.field: conflict.source_value},
        )
    return conflict


@transaction.atomic
def source_set_mapping(*, actor, source: ImportSource, mapping: dict[str, str]) -> ImportSource:
    """Save which column of the source file holds each registry field."""
    if not user_can(actor, "registry.import"):
        raise Forbidden()
    known = {name: column for name, column in mapping.items() if name in FIELD_LABELS and column}
    if "address" in known:
        known = {k: v for k, v in known.items() if k not in ADDRESS_FIELDS}
    source.column_mapping = known
    source.save(update_fields=["column_mapping"])
    audit_record(action=AuditAction.UPDATE, actor=actor, obj=source, details={"column_mapping": known})
    return source


def conflict_display(conflict: Conflict) -> dict[str, str]:
    """Labels and values of a conflict for people: phones masked, choices by their Chinese label."""
    choices = {"residence_type": dict(ResidenceType.choices), "relation": dict(Relation.choices)}

    def show(value: str) -> str:
        if conflict.field == "phone":
            return mask(value)
        return str(choices.get(conflict.field, {}).get(value, value))

    return {
        "field_label": str(FIELD_LABELS.get(conflict.field, conflict.field)),
        "registry_display": show(conflict.registry_value),
        "source_display": show(conflict.source_value),
    }
