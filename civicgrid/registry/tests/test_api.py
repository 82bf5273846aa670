"""Registry API: the same scope and masking as the pages, structured Chinese errors, nothing saved on error."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from civicgrid.core.testing import log_in
from civicgrid.registry.models import Household, Person

from .conftest import ZHANG_WEI_ID, make_id, registry_snapshot

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
API = "/api/v1/registry"


def patch(client, person, **body):
    return client.patch(f"{API}/people/{person.pk}", body, content_type="application/json")


def test_person_is_described_with_masked_numbers(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    body = client.get(f"{API}/people/{registry.zhang_wei.pk}").json()
    assert body == {
        "id": registry.zhang_wei.pk,
        "full_name": "张伟",
        "id_number": f"{ZHANG_WEI_ID[:4]}**********{ZHANG_WEI_ID[-4:]}",
        "phone": "138****5678",
        "sex": "M",
        "birth_date": "1980-01-15",
        "residence_type": "registered",
        "relation": "head",
        "status": "living",
        "grid_id": registry.household_a.grid_id,
        "household_id": registry.household_a.pk,
        "last_verified_at": None,
    }


def test_household_card_lists_living_members_vehicles_and_staleness(
    client, personas, registry, django_assert_max_num_queries
):
    log_in(client, personas.grid_worker_a)
    with django_assert_max_num_queries(15):
        body = client.get(f"{API}/households/{registry.household_a.pk}").json()
    assert body["address"] == "凯旋路12号1幢1单元301室"
    assert (body["room_use"], body["owner_name"], body["stale"]) == ("self_occupied", "张伟", True)
    assert sorted(m["full_name"] for m in body["members"]) == ["张伟", "张小明", "李娜"]
    assert body["vehicles"] == [{"plate": "浙A12345", "kind": "car", "owner_id": registry.zhang_wei.pk}]


def test_verify_marks_the_household_and_members_verified(client, personas, registry):
    at = datetime(2031, 3, 2, 10, 15, tzinfo=SHANGHAI)
    with time_machine.travel(at, tick=False):
        log_in(client, personas.grid_worker_a)
        body = client.post(f"{API}/households/{registry.household_a.pk}/verify").json()
    assert body["stale"] is False
    assert body["last_verified_at"].startswith("2031-03-02T")
    assert {m["last_verified_at"] is not None for m in body["members"]} == {True}
    assert Household.objects.get(pk=registry.household_a.pk).last_verified_by == personas.grid_worker_a


def test_assistant_may_read_but_not_verify_or_correct(client, personas, registry):
    log_in(client, personas.assistant_a)
    assert client.get(f"{API}/households/{registry.household_a.pk}").status_code == 200
    before = registry_snapshot()
    response = client.post(f"{API}/households/{registry.household_a.pk}/verify")
    assert response.status_code == 403
    assert response.json() == {"code": "forbidden", "message": "您的角色无权进行此操作。", "errors": {}}
    assert patch(client, registry.zhang_wei, reason="更正", full_name="张卫").status_code == 403
    assert registry_snapshot() == before


def test_correcting_a_phone_saves_it_masked_with_the_reason(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    response = patch(client, registry.zhang_wei, reason="本人更换手机号", phone="139 0000 1111")
    assert response.status_code == 200
    assert response.json()["phone"] == "139****1111"
    person = Person.objects.get(pk=registry.zhang_wei.pk)
    assert person.phone == "13900001111"
    assert person.history.first().history_change_reason == "本人更换手机号"
    assert person.history.first().history_user == personas.grid_worker_a


def test_correcting_the_id_number_updates_birth_date_and_sex(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    new_id = make_id(birth="20100521", seq="002")
    body = patch(client, registry.xiaoming, reason="身份证号录入错误", id_number=new_id).json()
    assert (body["birth_date"], body["sex"]) == ("2010-05-21", "F")
    assert body["id_number"] == f"{new_id[:4]}**********{new_id[-4:]}"


def test_bad_id_number_is_refused_with_the_reason_and_nothing_saved(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    before = registry_snapshot()
    wrong = ZHANG_WEI_ID[:17] + ("0" if ZHANG_WEI_ID[17] != "0" else "1")
    response = patch(client, registry.xiaoming, reason="更正", id_number=wrong, full_name="张晓明")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"]["id_number"] == ["身份证号校验位不正确，请核对。"]
    assert registry_snapshot() == before


def test_an_id_number_already_registered_is_refused_without_naming_the_holder(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    before = registry_snapshot()
    response = patch(client, registry.xiaoming, reason="更正", id_number=registry.wang_fang.id_number)
    assert response.status_code == 400
    assert response.json()["errors"]["id_number"][0].startswith("该身份证号已登记在册")
    assert "王芳" not in response.content.decode()
    assert registry_snapshot() == before


def test_empty_reason_is_refused_and_nothing_saved(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    before = registry_snapshot()
    response = patch(client, registry.zhang_wei, reason="  ", full_name="张卫")
    assert response.status_code == 400
    assert response.json()["errors"] == {"reason": ["请填写变更原因。"]}
    missing = patch(client, registry.zhang_wei, full_name="张卫")
    assert missing.status_code == 422
    assert missing.json()["code"] == "validation_error"
    assert "reason" in missing.json()["errors"]
    assert registry_snapshot() == before


def test_invalid_phone_is_refused_and_nothing_saved(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    before = registry_snapshot()
    response = patch(client, registry.zhang_wei, reason="更正", phone="0571-88888888", full_name="张卫")
    assert response.status_code == 400
    assert response.json()["errors"]["phone"] == ["请输入有效的中国大陆手机号（11 位，以 1 开头）。"]
    assert registry_snapshot() == before


def test_anonymous_api_calls_are_401(client, registry):
    for path in (f"{API}/people?q=张", f"{API}/people/{registry.zhang_wei.pk}"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
