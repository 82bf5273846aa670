"""Importing organisations: matched by unified social credit code, conflicts queued, batch rolled back."""

import pytest

from civicgrid.registry.choices import ImportEntity, ImportSourceKind, RowStatus
from civicgrid.registry.imports import (
    ORGANISATION_MAPPING,
    conflict_resolve,
    import_apply,
    import_preview,
    import_rollback,
)
from civicgrid.registry.models import Building, Conflict, Entrance, ImportSource, Organisation, Room
from civicgrid.registry.validators import credit_check_char

pytestmark = pytest.mark.django_db


def code(first17: str) -> str:
    return first17 + credit_check_char(first17)


@pytest.fixture
def shop_street(tree):
    building = Building.objects.create(grid=tree.grid_a1, road="测试路8号", name="1幢")
    entrance = Entrance.objects.create(building=building, name="1单元")
    Room.objects.create(entrance=entrance, grid=tree.grid_a1, number="101")
    existing = Organisation.objects.create(
        name="老字号便利店",
        credit_code=code("91330102MA2B3C4D5"),
        kind="shop",
        grid=tree.grid_a1,
        contact_name="",
        contact_phone="",
    )
    source = ImportSource.objects.create(
        name="综治单位",
        kind=ImportSourceKind.GOVERNANCE,
        entity=ImportEntity.ORGANISATION,
        column_mapping=ORGANISATION_MAPPING,
    )
    return existing, source


def csv_bytes(rows: list[list[str]]) -> bytes:
    header = "单位名称,统一社会信用代码,单位类型,联系人,联系电话,地址"
    return ("\n".join([header, *(",".join(r) for r in rows)]) + "\n").encode("utf-8-sig")


def test_organisation_rows_are_checked_matched_applied_and_rolled_back(personas, shop_street):
    existing, source = shop_street
    content = csv_bytes(
        [
            [
                "新开水果店",
                code("91330102MA2B3C4D6"),
                "商铺",
                "陈老板",
                "13900001111",
                "测试路8号1幢1单元101",
            ],
            [
                "老字号便利店（改名）",
                existing.credit_code,
                "商铺",
                "王店长",
                "13900002222",
                "测试路8号1幢1单元101",
            ],
            ["坏代码公司", "91330102MA2B3C4D5X", "企业", "", "", "测试路8号1幢1单元101"],
            ["无地址公司", code("91330102MA2B3C4D7"), "企业", "", "", "不存在路1号"],
        ]
    )
    batch = import_preview(
        actor=personas.platform_admin, source=source, file_name="units.csv", content=content
    )
    rows = {r.number: r for r in batch.rows.all()}
    assert rows[2].status == RowStatus.NEW
    assert rows[3].status == RowStatus.CONFLICT and rows[3].organisation_id == existing.pk
    assert rows[4].status == RowStatus.ERROR and any("统一社会信用代码" in e for e in rows[4].errors)
    assert rows[5].status == RowStatus.ERROR and any("地址不存在" in e for e in rows[5].errors)
    assert Organisation.objects.count() == 1  # preview changes nothing

    import_apply(actor=personas.platform_admin, batch=batch)
    existing.refresh_from_db()
    assert existing.name == "老字号便利店"  # never overwritten: the name goes to the conflict queue
    assert existing.contact_name == "王店长"  # empty fields are filled
    assert existing.contact_phone_masked == "139****2222"
    conflict = Conflict.objects.get(organisation=existing)
    assert conflict.field == "name"
    assert Organisation.objects.filter(name="新开水果店", grid=existing.grid).exists()

    import_rollback(actor=personas.platform_admin, batch=batch)
    existing.refresh_from_db()
    assert (existing.contact_name, existing.contact_phone) == ("", "")
    assert not Organisation.objects.filter(name="新开水果店").exists()
    assert not Conflict.objects.exists()


def test_accepting_an_organisation_conflict_takes_the_source_value(personas, shop_street):
    existing, source = shop_street
    content = csv_bytes(
        [["老字号便利店（新）", existing.credit_code, "商铺", "", "", "测试路8号1幢1单元101"]]
    )
    batch = import_preview(actor=personas.platform_admin, source=source, file_name="u.csv", content=content)
    import_apply(actor=personas.platform_admin, batch=batch)
    conflict_resolve(actor=personas.platform_admin, conflict=Conflict.objects.get(), accept=True)
    existing.refresh_from_db()
    assert existing.name == "老字号便利店（新）"
