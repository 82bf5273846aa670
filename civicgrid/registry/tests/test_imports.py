"""多网合一 import: preview reports every row's problem in Chinese and changes nothing; apply creates,
fills and queues conflicts without overwriting; rollback restores the registry exactly."""

import contextlib
import csv
import io
import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from civicgrid.audit.models import AuditEvent
from civicgrid.core.errors import Conflict as ConflictError
from civicgrid.core.errors import DomainError, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.registry import imports, services
from civicgrid.registry.choices import ImportSourceKind
from civicgrid.registry.models import Conflict, Household, ImportBatch, ImportSource, Person

from .conftest import ZHANG_WEI_PHONE, make_id, registry_snapshot

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = ["姓名", "公民身份号码", "联系电话", "人口类别", "与户主关系", "居住地址"]
LIU_YANG_ID = make_id(region="330104", birth="19950612", seq="047")
ZHOU_ID = make_id(region="330104", birth="19900101", seq="111")
NAMELESS_ID = make_id(region="330104", birth="19880808", seq="222")
CHEN_ID = make_id(region="330104", birth="19701231", seq="333")
CHEN_ID_WRONG = CHEN_ID[:17] + ("0" if CHEN_ID[17] != "0" else "1")
SOURCE_PHONE = "13800000000"
XIAOMING_SOURCE_PHONE = "13600001234"


def people_rows(registry) -> list[list[str]]:
    """Rows 2-6 of a public-security export: conflict, fill, new, bad check digit, unknown address."""
    return [
        ["张伟", registry.zhang_wei.id_number, SOURCE_PHONE, "户籍人口", "户主", "凯旋路12号1幢1单元301"],
        [
            "张小明",
            registry.xiaoming.id_number,
            XIAOMING_SOURCE_PHONE,
            "户籍人口",
            "子",
            "凯旋路12号1幢1单元301室",
        ],
        ["刘洋", LIU_YANG_ID, "13611112222", "流动人口", "租客", "凯旋路12号 1幢 1单元 302"],
        ["陈静", CHEN_ID_WRONG, "", "户籍人口", "", "凯旋路12号1幢1单元302"],
        ["周杰", ZHOU_ID, "", "户籍人口", "", "不存在路9号1幢1单元101"],
    ]


def incomplete_rows(registry) -> list[list[str]]:
    """Rows 7-9 after people_rows: a repeated ID number, a row without a name, one without an ID."""
    return [
        ["刘洋", LIU_YANG_ID.lower(), "13611112222", "流动人口", "租客", "凯旋路12号1幢1单元302"],
        ["", NAMELESS_ID, "", "户籍人口", "", "凯旋路12号1幢1单元302"],
        ["吴敏", "", "", "户籍人口", "", "凯旋路12号1幢1单元302"],
    ]


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def source(db) -> ImportSource:
    return ImportSource.objects.create(
        name="公安人口库",
        kind=ImportSourceKind.PUBLIC_SECURITY,
        column_mapping=imports.DEFAULT_MAPPINGS[ImportSourceKind.PUBLIC_SECURITY],
    )


@pytest.fixture
def admin(personas):
    return personas.platform_admin


def preview(admin, source, registry, *, rows=None, content=None, file_name="people.csv") -> ImportBatch:
    if content is None:
        content = csv_bytes(rows if rows is not None else people_rows(registry))
    return imports.import_preview(actor=admin, source=source, file_name=file_name, content=content)


def row_report(batch) -> dict[int, tuple[str, list[str]]]:
    return {row.number: (row.status, row.errors) for row in batch.rows.order_by("number")}


EXPECTED_STATUSES = {2: "conflict", 3: "matched", 4: "new", 5: "error", 6: "error"}


# --- preview -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "encode"),
    [
        ("people.csv", lambda rows: csv_bytes(rows)),
        ("people.csv", lambda rows: csv_bytes(rows, encoding="utf-8")),
        ("GBK导出.csv", lambda rows: csv_bytes(rows, encoding="gbk")),
        ("people.XLSX", xlsx_bytes),
    ],
    ids=["utf8-bom", "utf8", "gbk", "xlsx"],
)
def test_preview_reports_every_row_in_chinese_for_csv_gbk_and_xlsx(
    admin, source, registry, file_name, encode
):
    batch = preview(admin, source, registry, content=encode(people_rows(registry)), file_name=file_name)
    report = row_report(batch)
    assert {n: status for n, (status, _errors) in report.items()} == EXPECTED_STATUSES
    assert report[5][1] == ["身份证号校验位不正确，请核对。"]
    assert report[6][1] == ["地址不存在：不存在路9号1幢1单元101。"]
    assert report[2][1] == report[3][1] == report[4][1] == []
    assert batch.counts == {"conflict": 1, "matched": 1, "new": 1, "error": 2, "total": 5}
    assert batch.status == "previewed"


def test_preview_reports_repeated_ids_and_missing_names_and_id_numbers(admin, source, registry):
    batch = preview(admin, source, registry, rows=people_rows(registry) + incomplete_rows(registry))
    report = row_report(batch)
    assert report[7] == ("duplicate", ["与本文件前面的行重复（同一证件号码）。"])
    assert report[8] == ("error", ["缺少姓名。"])
    assert report[9] == ("error", ["缺少身份证号。"])
    assert report[4] == ("new", [])
    assert batch.counts == {"conflict": 1, "matched": 1, "new": 1, "error": 4, "duplicate": 1, "total": 8}


def test_xlsx_phone_typed_as_a_number_is_read_as_the_number(admin, source, registry):
    rows = [["刘洋", LIU_YANG_ID, 13611112222, "流动人口", "租客", "凯旋路12号1幢1单元302"]]
    batch = preview(admin, source, registry, content=xlsx_bytes(rows), file_name="people.xlsx")
    assert row_report(batch) == {2: ("new", [])}
    assert json.loads(batch.rows.get().data)["phone"] == "13611112222"


def test_preview_matches_existing_people_by_id_number(admin, source, registry):
    batch = preview(admin, source, registry)
    rows = {row.number: row for row in batch.rows.all()}
    assert rows[2].person_id == registry.zhang_wei.pk
    assert rows[3].person_id == registry.xiaoming.pk
    assert rows[4].person_id is None
    assert rows[4].room_id == registry.empty_room_a.pk


def test_preview_changes_nothing_in_the_registry(admin, source, registry):
    before = registry_snapshot()
    preview(admin, source, registry)
    assert registry_snapshot() == before


def test_preview_stores_row_data_encrypted(admin, source, registry):
    from django.db import connection

    batch = preview(admin, source, registry)
    with connection.cursor() as cursor:
        cursor.execute("SELECT data FROM registry_importrow WHERE batch_id = %s", [batch.pk])
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert LIU_YANG_ID not in stored
    assert registry.zhang_wei.id_number not in stored
    assert json.loads(batch.rows.get(number=4).data)["id_number"] == LIU_YANG_ID


def test_missing_columns_are_named(admin, source, registry):
    content = "姓名,身份证号\n张伟,1\n".encode()
    with pytest.raises(ValidationError) as error:
        preview(admin, source, registry, content=content)
    assert error.value.message_dict["file"] == [
        "文件缺少列：公民身份号码、联系电话、人口类别、与户主关系、居住地址。请检查列映射。"
    ]
    assert not ImportBatch.objects.exists()


def test_unreadable_file_is_refused(admin, source, registry):
    with pytest.raises(ValidationError) as error:
        preview(admin, source, registry, content=b"\x00\x01not a workbook", file_name="people.xlsx")
    assert error.value.message_dict["file"] == ["无法读取文件：请上传 CSV（UTF-8 或 GBK 编码）或 XLSX 文件。"]


def test_only_the_platform_admin_may_import(personas, source, registry):
    for user in (personas.community_head_a, personas.grid_worker_a, personas.street_leader):
        with pytest.raises(Forbidden):
            preview(user, source, registry)
    assert not ImportBatch.objects.exists()


# --- apply ---------------------------------------------------------------------------------------------


def test_apply_queues_a_differing_phone_as_a_conflict_and_keeps_the_registry_value(admin, source, registry):
    batch = imports.import_apply(actor=admin, batch=preview(admin, source, registry))
    registry.zhang_wei.refresh_from_db()
    assert registry.zhang_wei.phone == ZHANG_WEI_PHONE
    conflict = Conflict.objects.get()
    assert (conflict.person, conflict.field, conflict.status) == (registry.zhang_wei, "phone", "open")
    assert (conflict.registry_value, conflict.source_value) == (ZHANG_WEI_PHONE, SOURCE_PHONE)
    assert conflict.grid_id == registry.zhang_wei.grid_id
    assert batch.counts["conflicts"] == 1


def test_apply_fills_an_empty_registry_phone_with_history(admin, source, registry):
    batch = imports.import_apply(actor=admin, batch=preview(admin, source, registry))
    person = Person.objects.get(pk=registry.xiaoming.pk)
    assert (person.phone, person.phone_masked) == (XIAOMING_SOURCE_PHONE, "136****1234")
    assert person.history.first().history_change_reason == f"批量导入：公安人口库（批次 {batch.pk}）"
    assert batch.counts["filled"] == 1


def test_apply_creates_new_people_in_a_new_household_with_history(admin, source, registry):
    batch = imports.import_apply(actor=admin, batch=preview(admin, source, registry))
    person = Person.objects.get(full_name="刘洋")
    assert person.id_number == LIU_YANG_ID
    assert (person.residence_type, person.relation, person.sex) == ("floating", "tenant", "M")
    assert person.household.room_id == registry.empty_room_a.pk
    assert person.grid_id == registry.empty_room_a.grid_id
    record = person.history.get()
    assert (record.history_type, record.history_user) == ("+", admin)
    assert record.history_change_reason == f"批量导入：公安人口库（批次 {batch.pk}）"
    assert not Person.objects.filter(full_name__in=["陈静", "周杰"]).exists()
    assert Person.objects.filter(id_index=person.id_index).count() == 1
    assert batch.counts["created"] == 1
    assert batch.status == "applied"
    assert AuditEvent.objects.filter(action="state_change", object_id=str(batch.pk)).count() == 1


def test_applying_a_batch_twice_is_refused(admin, source, registry):
    batch = imports.import_apply(actor=admin, batch=preview(admin, source, registry))
    after_first = registry_snapshot()
    with pytest.raises(ConflictError) as error:
        imports.import_apply(actor=admin, batch=batch)
    assert str(error.value.message) == "该批次已导入或已撤销，不能重复导入。"
    assert registry_snapshot() == after_first


def test_applying_a_stale_preview_does_not_create_the_same_person_twice(admin, source, registry):
    first = preview(admin, source, registry)
    second = preview(admin, source, registry)
    imports.import_apply(actor=admin, batch=first)
    with contextlib.suppress(DomainError):
        imports.import_apply(actor=admin, batch=second)
    assert Person.objects.filter(full_name="刘洋").count() == 1


def test_same_phone_written_differently_is_a_match_not_a_conflict(admin, source, registry):
    rows = [
        ["张伟", registry.zhang_wei.id_number, "138-1234-5678", "户籍人口", "户主", "凯旋路12号1幢1单元301"]
    ]
    batch = preview(admin, source, registry, rows=rows)
    assert row_report(batch)[2] == ("matched", [])
    imports.import_apply(actor=admin, batch=batch)
    assert not Conflict.objects.exists()


# --- conflicts -----------------------------------------------------------------------------------------


def test_accepting_a_conflict_takes_the_source_value_with_history(admin, source, registry, personas):
    imports.import_apply(actor=admin, batch=preview(admin, source, registry))
    conflict = Conflict.objects.get()
    imports.conflict_resolve(actor=personas.community_head_a, conflict=conflict, accept=True)
    person = Person.objects.get(pk=registry.zhang_wei.pk)
    assert (person.phone, person.phone_masked) == (SOURCE_PHONE, "138****0000")
    conflict.refresh_from_db()
    assert (conflict.status, conflict.resolved_by) == ("accepted", personas.community_head_a)
    assert person.history.first().history_user == personas.community_head_a
    with pytest.raises(ConflictError):
        imports.conflict_resolve(actor=personas.community_head_a, conflict=conflict, accept=False)


def test_rejecting_a_conflict_keeps_the_registry_value(admin, source, registry, personas):
    imports.import_apply(actor=admin, batch=preview(admin, source, registry))
    before = registry_snapshot()
    conflict = Conflict.objects.get()
    imports.conflict_resolve(actor=personas.community_head_a, conflict=conflict, accept=False)
    conflict.refresh_from_db()
    assert conflict.status == "rejected"
    assert Person.objects.get(pk=registry.zhang_wei.pk).phone == ZHANG_WEI_PHONE
    assert registry_snapshot() == before


def test_conflict_pages_resolve_in_scope_only(client, admin, source, registry, personas):
    imports.import_apply(actor=admin, batch=preview(admin, source, registry))
    conflict = Conflict.objects.get()
    log_in(client, personas.community_head_b)
    assert "张伟" not in client.get(reverse("registry:conflicts")).content.decode()
    path = reverse("registry:conflict_resolve", args=[conflict.pk])
    assert client.post(path, {"accept": "1"}).status_code == 404
    log_in(client, personas.grid_worker_a)
    assert client.post(path, {"accept": "1"}).status_code == 403
    conflict.refresh_from_db()
    assert conflict.status == "open"
    log_in(client, personas.community_head_a)
    assert "张伟" in client.get(reverse("registry:conflicts")).content.decode()
    assert client.post(path, {"accept": "1"}).status_code == 302
    assert Person.objects.get(pk=registry.zhang_wei.pk).phone == SOURCE_PHONE


# --- rollback ------------------------------------------------------------------------------------------


def test_rollback_restores_the_exact_prior_state(admin, source, registry):
    before = registry_snapshot()
    batch = imports.import_apply(actor=admin, batch=preview(admin, source, registry))
    assert registry_snapshot() != before
    batch = imports.import_rollback(actor=admin, batch=batch)
    assert batch.status == "rolled_back"
    assert registry_snapshot() == before
    assert not Household.objects.filter(room=registry.empty_room_a).exists()
    with pytest.raises(ConflictError):
        imports.import_apply(actor=admin, batch=batch)
    with pytest.raises(ConflictError):
        imports.import_rollback(actor=admin, batch=batch)


def test_rollback_of_a_batch_that_was_never_applied_is_refused(admin, source, registry):
    batch = preview(admin, source, registry)
    with pytest.raises(ConflictError) as error:
        imports.import_rollback(actor=admin, batch=batch)
    assert str(error.value.message) == "只有已导入的批次可以撤销。"


def test_rollback_is_refused_when_someone_edited_an_imported_person_since(admin, source, registry, personas):
    start = datetime(2031, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as traveller:
        batch = imports.import_apply(actor=admin, batch=preview(admin, source, registry))
        traveller.move_to(start + timedelta(hours=2))
        services.person_update(
            actor=personas.grid_worker_a,
            person=Person.objects.get(full_name="刘洋"),
            full_name="刘阳",
            reason="姓名录入错误",
        )
        after_edit = registry_snapshot()
        with pytest.raises(ConflictError) as error:
            imports.import_rollback(actor=admin, batch=batch)
    assert str(error.value.message) == "有 1 条记录在导入后被修改过（如 刘阳），不能整批撤销，请逐条处理。"
    batch.refresh_from_db()
    assert batch.status == "applied"
    assert registry_snapshot() == after_edit


def test_rollback_is_refused_when_a_filled_person_was_verified_since(admin, source, registry, personas):
    start = datetime(2031, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as traveller:
        batch = imports.import_apply(actor=admin, batch=preview(admin, source, registry))
        traveller.move_to(start + timedelta(days=1))
        services.household_verify(actor=personas.grid_worker_a, household=registry.household_a)
        with pytest.raises(ConflictError):
            imports.import_rollback(actor=admin, batch=batch)
    assert Person.objects.get(pk=registry.xiaoming.pk).phone == XIAOMING_SOURCE_PHONE


def test_rollback_after_an_accepted_conflict_restores_the_registry_value_or_is_refused(
    admin, source, registry, personas
):
    before = registry_snapshot()
    start = datetime(2031, 3, 2, 9, 0, tzinfo=SHANGHAI)
    with time_machine.travel(start, tick=False) as traveller:
        batch = imports.import_apply(actor=admin, batch=preview(admin, source, registry))
        traveller.move_to(start + timedelta(hours=1))
        imports.conflict_resolve(
            actor=personas.community_head_a, conflict=Conflict.objects.get(), accept=True
        )
        traveller.move_to(start + timedelta(hours=2))
        try:
            imports.import_rollback(actor=admin, batch=batch)
        except ConflictError:
            assert Conflict.objects.get().status == "accepted"
            return
    assert registry_snapshot() == before


# --- pages ---------------------------------------------------------------------------------------------


def upload(client, source, content: bytes, name: str = "people.csv"):
    return client.post(
        reverse("registry:imports"), {"source": source.pk, "file": SimpleUploadedFile(name, content)}
    )


def test_upload_page_previews_and_shows_the_counts(client, admin, source, registry):
    log_in(client, admin)
    assert client.get(reverse("registry:imports")).status_code == 200
    response = upload(client, source, csv_bytes(people_rows(registry)))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:import_batch", args=[batch.pk])
    page = client.get(response["Location"]).content.decode()
    for label in ("全部 5", "新增 1", "匹配 1", "有冲突 1", "错误 2", "重复 0"):
        assert label in page, label
    assert "身份证号校验位不正确，请核对。" in page
    assert "地址不存在：不存在路9号1幢1单元101。" in page
    assert LIU_YANG_ID not in page
    conflicts_only = client.get(response["Location"], {"status": "conflict"}).content.decode()
    assert "地址不存在" not in conflicts_only


def test_apply_and_rollback_through_the_batch_page(client, admin, source, registry):
    before = registry_snapshot()
    log_in(client, admin)
    upload(client, source, xlsx_bytes(people_rows(registry)), "people.xlsx")
    batch = ImportBatch.objects.get()
    path = reverse("registry:import_batch", args=[batch.pk])
    assert client.post(path, {"action": "apply"})["Location"] == path
    page = client.get(path).content.decode()
    assert "已导入。有冲突的字段已进入冲突处理队列。" in page
    assert Person.objects.filter(full_name="刘洋").exists()
    client.post(path, {"action": "apply"})
    assert "该批次已导入或已撤销，不能重复导入。" in client.get(path).content.decode()
    client.post(path, {"action": "rollback"})
    assert "已撤销整批导入，登记数据已恢复。" in client.get(path).content.decode()
    assert registry_snapshot() == before


def test_upload_of_another_file_type_is_refused_on_the_form(client, admin, source, registry):
    log_in(client, admin)
    response = upload(client, source, b"whatever", "people.txt")
    assert response.status_code == 422  # refused, as every form that refuses
    assert "只支持 CSV 或 XLSX 文件。" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_upload_with_missing_columns_shows_the_error_on_the_form(client, admin, source, registry):
    log_in(client, admin)
    response = upload(client, source, "姓名\n张伟\n".encode())
    assert response.status_code == 422  # refused, as every form that refuses
    assert "文件缺少列：" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("role", ["community_head_a", "grid_worker_a", "street_leader", "resident"])
def test_import_pages_are_403_for_everyone_but_the_platform_admin(client, personas, source, registry, role):
    batch = preview(personas.platform_admin, source, registry)
    log_in(client, getattr(personas, role))
    assert client.get(reverse("registry:imports")).status_code == 403
    assert upload(client, source, csv_bytes(people_rows(registry))).status_code == 403
    assert client.get(reverse("registry:import_batch", args=[batch.pk])).status_code == 403
    assert (
        client.post(reverse("registry:import_batch", args=[batch.pk]), {"action": "apply"}).status_code == 403
    )
    assert client.get(reverse("registry:import_source", args=[source.pk])).status_code == 403
    batch.refresh_from_db()
    assert batch.status == "previewed"
    assert ImportBatch.objects.count() == 1


def test_column_mapping_is_saved_and_used(client, admin, source, registry):
    log_in(client, admin)
    mapping = {"full_name": "XM", "id_number": "SFZH", "phone": "", "address": "DZ", "room": "ignored"}
    response = client.post(reverse("registry:import_source", args=[source.pk]), mapping)
    assert response.status_code == 302
    source.refresh_from_db()
    assert source.column_mapping == {"full_name": "XM", "id_number": "SFZH", "address": "DZ"}
    content = f"XM,SFZH,DZ\n刘洋,{LIU_YANG_ID},凯旋路12号1幢1单元302\n".encode()
    batch = preview(admin, source, registry, content=content)
    assert row_report(batch) == {2: ("new", [])}


# --- organisations -------------------------------------------------------------------------------------

ORG_HEADER = ["单位名称", "统一社会信用代码", "单位类型", "联系人", "联系电话", "地址"]


def credit_code(first17: str) -> str:
    from civicgrid.registry.validators import credit_check_char

    return first17 + credit_check_char(first17)


def organisation_snapshot() -> dict:
    from civicgrid.registry.models import Organisation

    return {
        o.pk: (
            o.name,
            o.credit_code,
            o.kind,
            o.contact_name,
            o.contact_phone,
            o.contact_phone_masked,
            o.room_id,
        )
        for o in Organisation.objects.all()
    }


def test_organisations_are_matched_by_credit_code_created_and_rolled_back(admin, registry):
    from civicgrid.registry.models import Organisation

    shop_code, barber_code = credit_code("91330102MA2H00001"), credit_code("92330102MA2H00002")
    Organisation.objects.filter(pk=registry.shop.pk).update(credit_code=shop_code)
    source = ImportSource.objects.create(
        name="市场监管主体库",
        kind=ImportSourceKind.GOVERNANCE,
        entity="organisation",
        column_mapping=imports.ORGANISATION_MAPPING,
    )
    rows = [
        ["凯旋便利店", shop_code.lower(), "商铺", "赵六", "13500009999", "凯旋路12号1幢1单元301"],
        ["凯旋理发店", barber_code, "商铺", "钱七", "135 0000 2222", "凯旋路12号1幢1单元302"],
        [
            "错码公司",
            barber_code[:17] + ("0" if barber_code[17] != "0" else "1"),
            "企业",
            "",
            "",
            "凯旋路12号1幢1单元302",
        ],
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([ORG_HEADER, *rows])
    before = organisation_snapshot()
    batch = imports.import_preview(
        actor=admin, source=source, file_name="orgs.csv", content=buffer.getvalue().encode("utf-8-sig")
    )
    assert row_report(batch) == {
        2: ("conflict", []),
        3: ("new", []),
        4: ("error", ["统一社会信用代码校验位不正确，请核对。"]),
    }
    assert organisation_snapshot() == before
    imports.import_apply(actor=admin, batch=batch)
    barber = Organisation.objects.get(credit_code=barber_code)
    assert (barber.name, barber.kind, barber.contact_phone, barber.contact_phone_masked) == (
        "凯旋理发店",
        "shop",
        "13500002222",
        "135****2222",
    )
    conflict = Conflict.objects.get()
    assert (conflict.organisation_id, conflict.field, conflict.source_value) == (
        registry.shop.pk,
        "contact_phone",
        "13500009999",
    )
    assert Organisation.objects.get(pk=registry.shop.pk).contact_phone == "13500001111"
    imports.import_rollback(actor=admin, batch=batch)
    assert organisation_snapshot() == before
    assert not Conflict.objects.exists()
