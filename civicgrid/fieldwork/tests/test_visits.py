"""Recording a visit: problems become cases in one step, the household is verified when confirmed,
the same submission twice is recorded once, bad input changes nothing, other grids learn nothing."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from civicgrid.audit.models import AuditEvent
from civicgrid.cases.choices import Channel
from civicgrid.cases.models import Case
from civicgrid.core.errors import Forbidden
from civicgrid.core.models import Submission
from civicgrid.core.testing import log_in
from civicgrid.fieldwork import services
from civicgrid.fieldwork.models import Visit


def post_visit(client, household, **data):
    body = {"notes": "入户走访", "idempotency_key": str(uuid.uuid4())} | data
    return client.post(f"/fieldwork/households/{household.pk}/visit/", body, HTTP_ACCEPT="application/json")


def test_a_visit_with_two_problems_makes_two_visit_cases(registry, personas, flow):
    visit, created = services.visit_record(
        actor=personas.grid_worker_a,
        household=registry.household_a,
        notes="家中老人行动不便",
        lat=30.05,
        lng=120.02,
        problems=[(flow.ordinary, "楼道灯不亮"), (flow.ordinary, "单元门禁损坏")],
    )
    assert created
    cases = list(visit.cases.order_by("pk"))
    assert [c.description for c in cases] == ["楼道灯不亮", "单元门禁损坏"]
    assert {c.channel for c in cases} == {Channel.VISIT}
    assert {c.grid_id for c in cases} == {registry.household_a.grid_id}
    assert AuditEvent.objects.filter(object_type="fieldwork.visit", object_id=str(visit.pk)).exists()


def test_confirming_the_data_verifies_the_household(registry, personas):
    services.visit_record(
        actor=personas.grid_worker_a, household=registry.household_a, notes="核实", confirm_data=True
    )
    registry.household_a.refresh_from_db()
    assert registry.household_a.last_verified_at is not None
    assert registry.household_a.last_verified_by == personas.grid_worker_a


def test_an_assistant_records_visits_but_cannot_confirm_the_data(registry, personas):
    with pytest.raises(ValidationError) as error:
        services.visit_record(
            actor=personas.assistant_a, household=registry.household_a, notes="核实", confirm_data=True
        )
    assert "confirm_data" in error.value.message_dict
    assert not Visit.objects.exists()
    visit, _ = services.visit_record(actor=personas.assistant_a, household=registry.household_a, notes="走访")
    assert visit.visitor == personas.assistant_a


def test_the_same_key_twice_makes_one_visit_and_one_case(registry, personas, flow):
    key = uuid.uuid4()
    kwargs = {
        "actor": personas.grid_worker_a,
        "household": registry.household_a,
        "notes": "发现问题",
        "problems": [(flow.ordinary, "路面破损")],
        "idempotency_key": key,
    }
    first, created = services.visit_record(**kwargs)
    again, created_again = services.visit_record(**kwargs)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Visit.objects.count() == 1
    assert Case.objects.count() == 1


def test_the_page_replay_and_api_replay_are_recorded_once(client, registry, personas, flow):
    log_in(client, personas.grid_worker_a)
    key = str(uuid.uuid4())
    data = {
        "idempotency_key": key,
        "problem_category": [str(flow.ordinary.pk)],
        "problem_description": ["井盖缺失"],
    }
    first = post_visit(client, registry.household_a, **data)
    second = post_visit(client, registry.household_a, **data)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert len(first.json()["cases"]) == 1 and second.json()["cases"] == first.json()["cases"]
    assert Visit.objects.count() == 1 and Case.objects.count() == 1

    body = {
        "household_id": registry.household_a.pk,
        "notes": "接口走访",
        "problems": [{"category": "municipal", "description": "路灯坏了"}],
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    one = client.post("/api/v1/fieldwork/visits", body, content_type="application/json", **headers)
    two = client.post("/api/v1/fieldwork/visits", body, content_type="application/json", **headers)
    assert (one.status_code, two.status_code) == (201, 200)
    assert one.json()["id"] == two.json()["id"]
    assert Visit.objects.count() == 2 and Case.objects.count() == 2


def test_a_key_is_kept_per_user(registry, personas):
    key = uuid.uuid4()
    services.visit_record(
        actor=personas.grid_worker_a, household=registry.household_a, notes="甲", idempotency_key=key
    )
    services.visit_record(
        actor=personas.community_head_a, household=registry.household_a, notes="乙", idempotency_key=key
    )
    assert Visit.objects.count() == 2
    assert Submission.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"notes": ""}, "notes"),
        ({"problem_category": [""], "problem_description": ["有问题但没选类别"]}, "problems"),
        ({"lat": "95", "lng": "120"}, "lat"),
        ({"lat": "30.05"}, "lat"),
        ({"visited_at": "2099-01-01T10:00:00+08:00"}, "visited_at"),
        ({"visited_at": "2020-01-01T10:00:00+08:00"}, "visited_at"),
        ({"idempotency_key": "not-a-key"}, "idempotency_key"),
    ],
)
def test_bad_input_gets_a_clear_error_and_changes_nothing(client, registry, personas, flow, data, field):
    log_in(client, personas.grid_worker_a)
    response = post_visit(client, registry.household_a, **data)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert not Visit.objects.exists() and not Case.objects.exists() and not Submission.objects.exists()
    page = client.post(
        f"/fieldwork/households/{registry.household_a.pk}/visit/",
        {"notes": "", "idempotency_key": str(uuid.uuid4())},
    )
    assert page.status_code == 422
    assert "请填写走访情况" in page.content.decode()


def test_a_rejected_submission_can_be_corrected_and_sent_with_the_same_key(registry, personas, flow):
    key = uuid.uuid4()
    with pytest.raises(ValidationError):
        services.visit_record(
            actor=personas.grid_worker_a, household=registry.household_a, notes="", idempotency_key=key
        )
    visit, created = services.visit_record(
        actor=personas.grid_worker_a, household=registry.household_a, notes="补充后提交", idempotency_key=key
    )
    assert created and visit.notes == "补充后提交"


def test_another_grid_gets_404_and_learns_nothing(client, registry, personas):
    log_in(client, personas.grid_worker_b)
    assert client.get(f"/fieldwork/households/{registry.household_a.pk}/").status_code == 404
    assert post_visit(client, registry.household_a).status_code == 404
    missing = client.get("/fieldwork/households/999999/")
    assert missing.status_code == 404
    api = client.post(
        "/api/v1/fieldwork/visits",
        {"household_id": registry.household_a.pk, "notes": "x"},
        content_type="application/json",
    )
    assert api.status_code == 404
    assert not Visit.objects.exists()
    with pytest.raises(Forbidden):
        services.visit_record(actor=personas.grid_worker_b, household=registry.household_a, notes="越权")


def test_visit_page_shows_members_masked_and_history(client, registry, personas):
    services.visit_record(actor=personas.grid_worker_a, household=registry.household_a, notes="上次走访记录")
    log_in(client, personas.grid_worker_a)
    text = client.get(f"/fieldwork/households/{registry.household_a.pk}/").content.decode()
    assert "张伟" in text and "上次走访记录" in text
    assert "13812345678" not in text and "138****5678" in text
    assert 'name="idempotency_key"' in text


def test_a_shop_can_be_visited(client, registry, personas):
    log_in(client, personas.grid_worker_a)
    response = client.post(
        f"/fieldwork/organisations/{registry.shop.pk}/visit/",
        {"notes": "消防检查", "idempotency_key": str(uuid.uuid4())},
    )
    assert response.status_code == 302
    assert Visit.objects.get().organisation == registry.shop


def test_visit_photos_are_served_only_to_those_who_see_the_visit(
    client, registry, personas, settings, tmp_path
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    out = io.BytesIO()
    Image.new("RGB", (20, 20), "blue").save(out, "JPEG")
    photo = SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")
    visit, _ = services.visit_record(
        actor=personas.grid_worker_a, household=registry.household_a, notes="拍照", photos=[photo]
    )
    url = f"/media/{visit.photos.get().image.name}"
    log_in(client, personas.grid_worker_a)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert "private" in response["Cache-Control"]
    log_in(client, personas.grid_worker_b)
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404
    assert client.get("/media/../settings.py").status_code == 404
    assert client.get("/media/unknown/x.jpg").status_code == 404
