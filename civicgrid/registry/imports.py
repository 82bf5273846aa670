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
from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook
from simple_history.utils import bulk_create_with_history

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.crypto import blind_index, mask
from civicgrid.core.errors import Conflict as ConflictError
from civicgrid.core.errors import Forbidden
from civicgrid.org.selectors import user_can

from .choices import (
    BatchStatus,
    ConflictStatus,
    ImportEntity,
    ImportSourceKind,
    OrganisationKind,
    Relation,
    ResidenceType,
    RowStatus,
)
from .models import (
    Conflict,
    Household,
    ImportBatch,
    ImportChange,
    ImportRow,
    ImportSource,
    Organisation,
    Person,
    Room,
    SourceRecord,
)
from .selectors import ADDRESS_RE
from .services import organisation_update, person_set_identity, person_set_phone, person_update
from .validators import normalise_id_number, validate_credit_code, validate_mobile

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
    "name": _("单位名称"),
    "credit_code": _("统一社会信用代码"),
    "kind": _("单位类型"),
    "contact_name": _("联系人"),
    "contact_phone": _("单位联系电话"),
}
ENTITY_FIELDS = {
    ImportEntity.PERSON: (
        "full_name",
        "id_number",
        "phone",
        "residence_type",
        "relation",
        "address",
        *ADDRESS_FIELDS,
    ),
    ImportEntity.ORGANISATION: (
        "name",
        "credit_code",
        "kind",
        "contact_name",
        "contact_phone",
        "address",
        *ADDRESS_FIELDS,
    ),
}
ORGANISATION_MAPPING = {
    "name": "单位名称",
    "credit_code": "统一社会信用代码",
    "kind": "单位类型",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "address": "地址",
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
CONFLICTS_DECIDED = _("本批次的数据冲突已有人处理，不能整批撤销，请逐条更正。")
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


class _PersonRows:
    """How person rows are checked, matched (ID number) and written."""

    model = Person
    compared = ("full_name", "phone", "residence_type", "relation")
    fillable = ("phone", "residence_type", "relation")

    @staticmethod
    def normalise(data: dict) -> list[str]:
        errors = [] if data.get("full_name") else [_("缺少姓名。")]
        data["id_number"] = normalise_id_number(data.get("id_number", ""))
        residence = data.get("residence_type", "")
        data["residence_type"] = next((v for word, v in RESIDENCE_WORDS.items() if word in residence), "")
        data["relation"] = RELATION_WORDS.get(data.get("relation", "").strip(), "")
        if not data["id_number"]:
            return [*errors, _("缺少身份证号。")]
        probe = Person()
        for name, setter in (("id_number", person_set_identity), ("phone", person_set_phone)):
            try:
                setter(probe, data.get(name, ""))
            except ValidationError as error:
                errors += error.messages
            else:
                data[name] = getattr(probe, name)  # the normalised form: 138-1234-5678 → 13812345678
        return errors

    @staticmethod
    def key(data: dict) -> str:
        return data["id_number"]

    @staticmethod
    def existing(keys: list[str]) -> dict[str, Person]:
        digests = {blind_index(k, purpose="id"): k for k in keys}
        found = {}
        for start in range(0, len(keys), 5000):
            chunk = list(digests)[start : start + 5000]
            for person in Person.objects.filter(id_index__in=chunk):
                found[digests[person.id_index]] = person
        return found

    @staticmethod
    def build(data: dict, *, household: Household | None) -> Person:
        person = Person(
            full_name=data["full_name"][:50],
            household_id=household.pk,
            grid_id=data["grid_id"],
            residence_type=data.get("residence_type") or ResidenceType.REGISTERED,
            relation=data.get("relation") or Relation.OTHER,
        )
        person_set_identity(person, data["id_number"])
        person_set_phone(person, data.get("phone", ""))
        return person

    @staticmethod
    def update(obj: Person, *, actor, reason: str, **changes) -> None:
        person_update(actor=actor, person=obj, reason=reason, **changes)


class _OrganisationRows:
    """How organisation rows are checked, matched (credit code) and written."""

    model = Organisation
    compared = ("name", "contact_name", "contact_phone")
    fillable = ("contact_name", "contact_phone")

    @staticmethod
    def normalise(data: dict) -> list[str]:
        errors = [] if data.get("name") else [_("缺少单位名称。")]
        data["kind"] = next(
            (v for v, label in OrganisationKind.choices if str(label) in data.get("kind", "")), ""
        )
        for name, check in (("credit_code", validate_credit_code), ("contact_phone", validate_mobile)):
            if not data.get(name):
                continue
            try:
                data[name] = check(data[name])
            except ValidationError as error:
                errors += error.messages
        if not data.get("credit_code"):
            errors.append(_("缺少统一社会信用代码。"))
        return errors

    @staticmethod
    def key(data: dict) -> str:
        return data["credit_code"]

    @staticmethod
    def existing(keys: list[str]) -> dict[str, Organisation]:
        return {o.credit_code: o for o in Organisation.objects.filter(credit_code__in=keys)}

    @staticmethod
    def build(data: dict, *, household: Household | None) -> Organisation:
        phone = data.get("contact_phone", "")
        return Organisation(
            name=data["name"][:100],
            credit_code=data["credit_code"],
            kind=data.get("kind") or OrganisationKind.ENTERPRISE,
            grid_id=data["grid_id"],
            room_id=data.get("room_id"),
            address=data.get("address_text", "")[:200],
            contact_name=data.get("contact_name", "")[:50],
            contact_phone=phone,
            contact_phone_masked=mask(phone),
        )

    @staticmethod
    def update(obj: Organisation, *, actor, reason: str, **changes) -> None:
        organisation_update(actor=actor, organisation=obj, reason=reason, **changes)


ENTITIES = {ImportEntity.PERSON: _PersonRows, ImportEntity.ORGANISATION: _OrganisationRows}


def _target(row) -> int | None:
    return row.person_id or row.organisation_id


def _normalise(row: dict, mapping: dict, spec) -> tuple[dict, list[str]]:
    data = {name: row.get(column, "") for name, column in mapping.items() if column}
    if "address" in data:
        data["address_text"] = data["address"]
        match = ADDRESS_RE.match(data.pop("address").replace(" ", ""))
        parts = match.groupdict() if match else {}
        for part in ADDRESS_FIELDS:
            data[part] = parts.get(part) or ""
    return data, spec.normalise(data)


@transaction.atomic
def import_preview(*, actor, source: ImportSource, file_name: str, content: bytes) -> ImportBatch:
    """Parse, validate and match a file; nothing in the registry changes until it is applied."""
    if not user_can(actor, "registry.import"):
        raise Forbidden()
    spec = ENTITIES[source.entity]
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
        data, errors = _normalise(row, mapping, spec)
        item = _Parsed(number=number, data=data, errors=errors)
        key = _room_key(*(data.get(part, "") for part in ADDRESS_FIELDS))
        found = rooms.get(key)
        if found is None:
            item.errors.append(_("地址不存在：%(address)s。") % {"address": "".join(key) or "—"})
        else:
            item.room_id, data["grid_id"] = found
            data["room_id"] = item.room_id
        parsed.append(item)

    valid = [p for p in parsed if not p.errors]
    existing = spec.existing(list({spec.key(p.data) for p in valid}))
    first_seen: set[str] = set()
    for item in parsed:
        if item.errors:
            item.status = RowStatus.ERROR
            continue
        key = spec.key(item.data)
        if key in first_seen:
            item.status = RowStatus.DUPLICATE
            item.errors.append(_("与本文件前面的行重复（同一证件号码）。"))
            continue
        first_seen.add(key)
        obj = existing.get(key)
        if obj is None:
            continue
        item.person_id = obj.pk
        item.status = RowStatus.CONFLICT if _differences(spec, obj, item.data) else RowStatus.MATCHED

    batch = ImportBatch.objects.create(source=source, file_name=file_name[:200], created_by=actor)
    target = "person_id" if spec is _PersonRows else "organisation_id"
    ImportRow.objects.bulk_create(
        [
            ImportRow(
                batch=batch,
                number=p.number,
                data=json.dumps(p.data, ensure_ascii=False),
                status=p.status,
                errors=[str(e) for e in p.errors],
                room_id=p.room_id,
                **{target: p.person_id},
            )
            for p in parsed
        ],
        batch_size=2000,
    )
    batch.counts = dict(Counter(p.status for p in parsed)) | {"total": len(parsed)}
    batch.save(update_fields=["counts"])
    return batch


def _differences(spec, obj, data: dict) -> dict[str, tuple[str, str]]:
    """Fields where the source gives a value that differs from a non-empty registry value."""
    diffs = {}
    for name in spec.compared:
        source_value, registry_value = data.get(name) or "", getattr(obj, name) or ""
        if source_value and registry_value and source_value != registry_value:
            diffs[name] = (registry_value, source_value)
    return diffs


def _fills(spec, obj, data: dict) -> dict[str, str]:
    """Fields the registry lacks and the source provides: filled in directly, not conflicts."""
    return {name: data[name] for name in spec.fillable if data.get(name) and not getattr(obj, name)}


def import_reason(batch: ImportBatch) -> str:
    """The change reason written on every record the batch touches (history keeps 100 characters)."""
    suffix = f"（批次 {batch.pk}）"
    return f"{_('批量导入：')}{batch.source.name}"[: 100 - len(suffix)] + suffix


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
    spec = ENTITIES[batch.source.entity]
    is_person = spec is _PersonRows
    target = "person" if is_person else "organisation"
    reason = import_reason(batch)
    rows = list(batch.rows.exclude(status__in=[RowStatus.ERROR, RowStatus.DUPLICATE]).order_by("number"))
    # Another batch may have created some of these since the preview: match them now instead.
    fresh = {r.pk: json.loads(r.data) for r in rows if r.status == RowStatus.NEW}
    taken = spec.existing([spec.key(data) for data in fresh.values()])
    for row in rows:
        if row.pk in fresh and spec.key(fresh[row.pk]) in taken:
            row.status = RowStatus.MATCHED
            setattr(row, f"{target}_id", taken[spec.key(fresh[row.pk])].pk)
    new_rows = [r for r in rows if r.status == RowStatus.NEW]

    households = (
        _households_for_rooms({r.room_id for r in new_rows}, actor=actor, reason=reason) if is_person else {}
    )
    objects = [spec.build(json.loads(r.data), household=households.get(r.room_id)) for r in new_rows]
    bulk_create_with_history(
        objects,
        spec.model,
        batch_size=2000,
        default_user=actor,
        default_change_reason=reason,
        default_date=now,
    )
    if any(o.pk is None for o in objects):  # backends that do not return keys from bulk inserts
        key = "id_index" if is_person else "credit_code"
        keys = dict(
            spec.model.objects.filter(**{f"{key}__in": [getattr(o, key) for o in objects]}).values_list(
                key, "pk"
            )
        )
        for obj in objects:
            obj.pk = keys[getattr(obj, key)]
    sources = [
        SourceRecord(batch=batch, row_number=row.number, created=True, **{f"{target}_id": obj.pk})
        for row, obj in zip(new_rows, objects, strict=True)
    ]

    matched = {_target(r): r for r in rows if r.status in (RowStatus.MATCHED, RowStatus.CONFLICT)}
    conflicts, changes = [], []
    for obj in spec.model.objects.filter(pk__in=list(matched)):
        data = json.loads(matched[obj.pk].data)
        for name, (registry_value, source_value) in _differences(spec, obj, data).items():
            conflicts.append(
                Conflict(
                    batch=batch,
                    grid_id=obj.grid_id,
                    field=name,
                    registry_value=registry_value,
                    source_value=source_value,
                    **{target: obj},
                )
            )
        fills = _fills(spec, obj, data)
        if fills:
            before = json.dumps({name: getattr(obj, name) for name in fills}, ensure_ascii=False)
            changes.append(
                ImportChange(batch=batch, model=target, object_id=obj.pk, created=False, before=before)
            )
            spec.update(obj, actor=actor, reason=reason, **fills)
    Conflict.objects.bulk_create(conflicts, batch_size=2000)
    ImportChange.objects.bulk_create(changes, batch_size=2000)
    sources += [
        SourceRecord(batch=batch, row_number=r.number, **{f"{target}_id": _target(r)})
        for r in matched.values()
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
    spec = ENTITIES[batch.source.entity]
    target = "person" if spec is _PersonRows else "organisation"
    created_ids = list(
        SourceRecord.objects.filter(batch=batch, created=True).values_list(f"{target}_id", flat=True)
    )
    if batch.conflicts.exclude(status=ConflictStatus.OPEN).exists():
        raise ConflictError(CONFLICTS_DECIDED)
    changes = list(batch.changes.all())
    touched = set(created_ids) | {c.object_id for c in changes}
    later = spec.model.history.filter(id__in=touched, history_date__gt=batch.applied_at).exclude(
        history_change_reason=import_reason(batch)
    )
    if later.exists():
        sample = later.first()
        name = getattr(sample, "full_name", None) or getattr(sample, "name", "")
        raise ConflictError(CHANGED_SINCE % {"n": later.values("id").distinct().count(), "name": name})
    won = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.APPLIED).update(
        status=BatchStatus.ROLLED_BACK, rolled_back_at=clock.now()
    )
    if won != 1:
        raise ConflictError(NOT_APPLIED)
    reason = _("撤销批量导入（批次 %(id)d）") % {"id": batch.pk}
    for change in changes:
        obj = spec.model.objects.get(pk=change.object_id)
        for name, value in json.loads(change.before).items():
            if name == "phone":
                person_set_phone(obj, value)
            elif name == "contact_phone":
                obj.contact_phone, obj.contact_phone_masked = value, mask(value)
            else:
                setattr(obj, name, value)
        obj._history_user, obj._change_reason = actor, reason
        obj.save()
    households = (
        set(Person.objects.filter(pk__in=created_ids).values_list("household_id", flat=True))
        if target == "person"
        else set()
    )
    SourceRecord.objects.filter(batch=batch).delete()
    batch.conflicts.all().delete()
    spec.model.objects.filter(pk__in=created_ids).delete()
    # Households this batch created (no member left, made during the apply) go too.
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
    if accept and conflict.organisation_id:
        organisation_update(
            actor=actor,
            organisation=conflict.organisation,
            reason=_("采用来源数据（批次 %(id)d）") % {"id": conflict.batch_id},
            **{conflict.field: conflict.source_value},
        )
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
    allowed = ENTITY_FIELDS[source.entity]
    known = {name: column for name, column in mapping.items() if name in allowed and column}
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
