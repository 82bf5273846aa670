"""A grid worker corrects a household card through the pages: room use, people, vehicles, verification."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from civicgrid.core.testing import log_in
from civicgrid.registry.models import Household, Person, Room, Vehicle

from .conftest import CLEAR_ID_NUMBERS, CLEAR_PHONES, make_id, registry_snapshot

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_ID = make_id(region="330104", birth="19950612", seq="047")  # 17th digit 7: a man


def url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


@pytest.fixture
def worker(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    return client


def new_person(**overrides) -> dict:
    data = {
        "full_name": "刘洋",
        "id_number": NEW_ID,
        "phone": "13611112222",
        "relation": "tenant",
        "residence_type": "floating",
        "reason": "新租客入住",
    }
    data.update(overrides)
    return {f"new-{k}": v for k, v in data.items()}


def test_worker_sees_the_household_card_with_masked_members(worker, registry):
    page = worker.get(url("household", registry.household_a.pk)).content.decode()
    for name in ("张伟", "李娜", "张小明", "浙A12345", "独居老人"):
        assert name in page
    assert registry.zhang_wei.id_masked in page
    assert "138****5678" in page


def test_room_becomes_rented_with_a_new_owner_and_the_reason_is_kept(worker, registry):
    response = worker.post(
        url("household_room", registry.household_a.pk),
        {"use": "rented", "owner_name": "陈静", "reason": "房屋已出售并出租"},
    )
    assert response.status_code == 302
    assert response["Location"] == url("household", registry.household_a.pk)
    room = Room.objects.get(pk=registry.room_a.pk)
    assert (room.use, room.owner_name) == ("rented", "陈静")
    record = room.history.first()
    assert record.history_change_reason == "房屋已出售并出租"
    assert record.history_user.username == "worker_a"
    card = worker.get(url("household", registry.household_a.pk)).content.decode()
    assert "出租" in card
    assert "陈静" in card


def test_room_change_without_a_reason_is_refused_and_nothing_is_saved(worker, registry):
    before = registry_snapshot()
    response = worker.post(
        url("household_room", registry.household_a.pk), {"use": "rented", "owner_name": "陈静"}
    )
    assert response.status_code == 422
    assert "请填写变更原因。" in response.content.decode()
    room = Room.objects.get(pk=registry.room_a.pk)
    assert (room.use, room.owner_name) == ("self_occupied", "张伟")
    assert registry_snapshot() == before


def test_room_change_with_an_unknown_use_is_refused(worker, registry):
    response = worker.post(
        url("household_room", registry.household_a.pk), {"use": "demolished", "reason": "拆迁"}
    )
    assert response.status_code == 422
    assert Room.objects.get(pk=registry.room_a.pk).use == "self_occupied"


def test_added_person_appears_in_the_card_with_birth_date_and_sex_from_the_id(worker, registry):
    response = worker.post(url("household_add_person", registry.household_a.pk), new_person())
    assert response.status_code == 302
    person = Person.objects.get(full_name="刘洋")
    assert person.household_id == registry.household_a.pk
    assert person.grid_id == registry.household_a.grid_id
    assert (person.birth_date.isoformat(), person.sex) == ("1995-06-12", "M")
    assert person.history.get().history_change_reason == "新租客入住"
    card = worker.get(url("household", registry.household_a.pk)).content.decode()
    assert "刘洋" in card
    assert person.id_masked in card
    assert NEW_ID not in card
    assert "136****2222" in card


def test_htmx_add_person_answers_with_the_refreshed_card(worker, registry):
    response = worker.post(
        url("household_add_person", registry.household_a.pk), new_person(), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "刘洋" in page
    assert "<html" not in page


def test_person_with_a_wrong_check_digit_is_refused_and_nothing_is_saved(worker, registry):
    before = registry_snapshot()
    wrong = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")
    response = worker.post(url("household_add_person", registry.household_a.pk), new_person(id_number=wrong))
    assert response.status_code == 422
    assert "身份证号校验位不正确" in response.content.decode()
    assert not Person.objects.filter(full_name="刘洋").exists()
    assert registry_snapshot() == before


def test_person_without_a_reason_is_refused_and_nothing_is_saved(worker, registry):
    before = registry_snapshot()
    response = worker.post(url("household_add_person", registry.household_a.pk), new_person(reason=""))
    assert response.status_code == 422
    assert "请填写变更原因。" in response.content.decode()
    assert registry_snapshot() == before


def test_person_without_a_name_is_refused_and_nothing_is_saved(worker, registry):
    before = registry_snapshot()
    response = worker.post(url("household_add_person", registry.household_a.pk), new_person(full_name=" "))
    assert response.status_code == 422
    page = response.content.decode()
    assert "请填写姓名。" in page
    assert registry_snapshot() == before


def test_person_with_an_invalid_phone_is_refused(worker, registry):
    before = registry_snapshot()
    response = worker.post(url("household_add_person", registry.household_a.pk), new_person(phone="12345"))
    assert response.status_code == 422
    assert "请输入有效的中国大陆手机号" in response.content.decode()
    assert registry_snapshot() == before


def test_person_already_registered_in_the_same_household_is_refused(worker, registry):
    before = registry_snapshot()
    response = worker.post(
        url("household_add_person", registry.household_a.pk),
        new_person(full_name="张伟", id_number=registry.zhang_wei.id_number),
    )
    assert response.status_code == 422
    assert "该身份证号已登记在册" in response.content.decode()
    assert registry_snapshot() == before


def test_duplicate_id_from_another_community_does_not_reveal_who_holds_it(worker, registry):
    response = worker.post(
        url("household_add_person", registry.household_a.pk),
        new_person(full_name="某人", id_number=registry.wang_fang.id_number),
    )
    assert response.status_code == 422
    assert not Person.objects.filter(full_name="某人").exists()
    page = response.content.decode()
    assert "该身份证号已登记在册" in page
    assert "王芳" not in page
    assert "景芳路" not in page


def test_vehicle_is_added_to_a_household_of_three_with_a_normalised_plate(worker, registry):
    response = worker.post(
        url("household_add_vehicle", registry.household_a.pk),
        {
            "car-plate": "浙ad 12345",
            "car-kind": "car",
            "car-owner": str(registry.li_na.pk),
            "car-reason": "新购车辆",
        },
    )
    assert response.status_code == 302
    vehicle = Vehicle.objects.get(plate="浙AD12345")
    assert (vehicle.household_id, vehicle.owner_id) == (registry.household_a.pk, registry.li_na.pk)


@pytest.fixture
def worker_b(client, personas, registry):
    log_in(client, personas.grid_worker_b)
    return client


def vehicle(**overrides) -> dict:
    data = {"plate": "浙A88888", "kind": "car", "owner": "", "reason": "新购车辆"}
    data.update(overrides)
    return {f"car-{k}": v for k, v in data.items()}


def test_vehicle_is_added_with_a_normalised_plate_and_its_owner(worker_b, registry):
    response = worker_b.post(
        url("household_add_vehicle", registry.household_b.pk),
        vehicle(plate="浙ad 12345", owner=str(registry.wang_fang.pk)),
    )
    assert response.status_code == 302
    added = Vehicle.objects.get(plate="浙AD12345")
    assert (added.household_id, added.owner_id) == (registry.household_b.pk, registry.wang_fang.pk)
    assert added.history.get().history_change_reason == "新购车辆"
    assert "浙AD12345" in worker_b.get(url("household", registry.household_b.pk)).content.decode()


def test_vehicle_with_a_bad_plate_is_refused_and_nothing_is_saved(worker_b, registry):
    response = worker_b.post(url("household_add_vehicle", registry.household_b.pk), vehicle(plate="A12345"))
    assert response.status_code == 422
    assert "车牌号格式不正确，例如 浙A12345 或 浙AD12345。" in response.content.decode()
    assert Vehicle.objects.count() == 1


def test_vehicle_without_a_reason_is_refused(worker_b, registry):
    response = worker_b.post(url("household_add_vehicle", registry.household_b.pk), vehicle(reason=""))
    assert response.status_code == 422
    assert "请填写变更原因。" in response.content.decode()
    assert Vehicle.objects.count() == 1


def test_vehicle_already_registered_elsewhere_is_refused(worker_b, registry):
    response = worker_b.post(url("household_add_vehicle", registry.household_b.pk), vehicle(plate="浙A12345"))
    assert response.status_code == 422
    assert "车牌号 浙A12345 已登记。" in response.content.decode()
    assert Vehicle.objects.get(plate="浙A12345").household_id == registry.household_a.pk


def test_removed_vehicle_leaves_the_card_but_keeps_its_history(worker, registry):
    response = worker.post(url("vehicle_remove", registry.vehicle_a.pk), {"reason": "车辆已报废"})
    assert response.status_code == 302
    assert not Vehicle.objects.get(pk=registry.vehicle_a.pk).is_active
    history = worker.get(url("household_history", registry.household_a.pk)).content.decode()
    assert "车辆已报废" in history


def test_vehicle_removal_without_a_reason_is_refused(worker, registry):
    response = worker.post(url("vehicle_remove", registry.vehicle_a.pk), {"reason": ""})
    assert response.status_code == 422
    assert Vehicle.objects.get(pk=registry.vehicle_a.pk).is_active


def test_marking_verified_stamps_the_household_and_its_living_members(client, registry, personas):
    at = datetime(2031, 3, 2, 10, 15, tzinfo=SHANGHAI)
    Person.objects.filter(pk=registry.xiaoming.pk).update(status="moved_out")
    with time_machine.travel(at, tick=False):
        log_in(client, personas.grid_worker_a)
        response = client.post(url("household_verify", registry.household_a.pk))
        card = client.get(url("household", registry.household_a.pk)).content.decode()
    assert response.status_code == 302
    household = Household.objects.get(pk=registry.household_a.pk)
    assert household.last_verified_at == at
    assert household.last_verified_by == personas.grid_worker_a
    stamps = dict(Person.objects.filter(household=household).values_list("full_name", "last_verified_at"))
    assert stamps == {"张伟": at, "李娜": at, "张小明": None}
    assert "最近核实 2031-03-02" in card
    assert "待核实" not in card


def test_household_never_verified_is_flagged(worker, registry):
    card = worker.get(url("household", registry.household_a.pk)).content.decode()
    assert "从未上门核实" in card
    assert "待核实" in card


def test_history_shows_who_when_why_and_old_and_new_values(client, personas, registry):
    with time_machine.travel(datetime(2031, 3, 2, 10, 15, tzinfo=SHANGHAI), tick=False) as traveller:
        log_in(client, personas.grid_worker_a)
        client.post(
            url("household_room", registry.household_a.pk),
            {"use": "rented", "owner_name": "陈静", "reason": "房屋已出售并出租"},
        )
        traveller.move_to(datetime(2031, 3, 2, 10, 20, tzinfo=SHANGHAI))
        client.post(url("household_add_person", registry.household_a.pk), new_person())
        response = client.get(url("household_history", registry.household_a.pk))
    assert response.status_code == 200
    page = response.content.decode()
    print(page[page.index('data-testid="history"') :][:6000])
    assert "2031-03-02 10:15 · 甲网格员" in page
    assert "原因：房屋已出售并出租" in page
    assert '<del class="text-danger">自住</del></td><td>→</td><td class="text-success">出租</td>' in page
    assert '<del class="text-danger">张伟</del></td><td>→</td><td class="text-success">陈静</td>' in page
    assert "2031-03-02 10:20 · 甲网格员" in page
    assert "原因：新租客入住" in page
    assert Person.objects.get(full_name="刘洋").id_masked in page
    for clear in (*CLEAR_ID_NUMBERS, NEW_ID, *CLEAR_PHONES, "13611112222"):
        assert clear not in page


def test_history_of_an_id_correction_shows_only_masked_numbers(worker, registry):
    response = worker.post(
        url("person_edit", registry.xiaoming.pk),
        {
            "full_name": "张小明",
            "id_number": NEW_ID,
            "phone": "",
            "relation": "child",
            "residence_type": "registered",
            "reason": "身份证号录入错误",
        },
    )
    assert response.status_code == 302
    old_masked, new_masked = (
        registry.xiaoming.id_masked,
        Person.objects.get(pk=registry.xiaoming.pk).id_masked,
    )
    assert old_masked != new_masked
    page = worker.get(url("household_history", registry.household_a.pk)).content.decode()
    assert f'<del class="text-danger">{old_masked}</del>' in page
    assert new_masked in page
    assert "身份证号录入错误" in page
    assert registry.xiaoming.id_number not in page
    assert NEW_ID not in page


def test_history_never_shows_the_verifier_owner_or_household_as_a_bare_number(worker, registry):
    worker.post(url("household_verify", registry.household_a.pk))
    page = worker.get(url("household_history", registry.household_a.pk)).content.decode()
    shown = re.findall(
        r'<td class="text-muted">(核实人|车主|户)</td>.*?<td class="text-success">(.*?)</td>', page
    )
    assert not [value for _field, value in shown if value.isdigit()]


def test_history_shows_the_verification_time_in_local_time(client, registry, personas):
    with time_machine.travel(datetime(2031, 3, 2, 10, 15, tzinfo=SHANGHAI), tick=False):
        log_in(client, personas.grid_worker_a)
        client.post(url("household_verify", registry.household_a.pk))
        page = client.get(url("household_history", registry.household_a.pk)).content.decode()
    assert '<td class="text-success">2031-03-02 10:15</td>' in page


def test_moved_out_person_leaves_the_members_but_stays_in_the_card_footer(worker, registry):
    response = worker.post(url("person_move_out", registry.xiaoming.pk), {"reason": "外出求学，户口迁出"})
    assert response.status_code == 302
    card = worker.get(url("household", registry.household_a.pk)).content.decode()
    assert "家庭成员 (2)" in card
    assert "曾住成员" in card
    assert "张小明</a>（已迁出）" in card
