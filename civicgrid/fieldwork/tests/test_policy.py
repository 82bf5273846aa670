"""Policy library: colloquial Chinese questions find the right item; consultations are logged and
can become cases; items import from XLSX all-or-nothing."""

import io
import json
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from civicgrid.audit.models import AuditEvent
from civicgrid.cases.models import Case
from civicgrid.core.testing import log_in
from civicgrid.fieldwork import search, selectors
from civicgrid.fieldwork.models import Consultation, ServiceItem
from civicgrid.fieldwork.search import DATA

QUESTIONS = json.loads((DATA / "search_questions.json").read_text(encoding="utf-8"))


def top3(user, question):
    return [item.code for item in selectors.items_search(user=user, query=question, limit=3)]


def test_each_colloquial_question_finds_its_item_in_the_top_three(policy_library, personas):
    found = {q["q"]: top3(personas.grid_worker_a, q["q"]) for q in QUESTIONS}
    misses = {q["q"]: found[q["q"]] for q in QUESTIONS if q["expect"] not in found[q["q"]]}
    assert misses == {}


def test_the_question_table_is_large_enough():
    assert len(QUESTIONS) >= 20


def test_question_words_alone_find_nothing_and_unknown_words_find_nothing(policy_library, personas):
    assert top3(personas.grid_worker_a, "怎么办呢？") == []
    assert top3(personas.grid_worker_a, "量子计算机") == []


def test_synonyms_find_each_other_but_the_words_asked_come_first(policy_library, personas):
    # 适老化改造 and 无障碍改造 are one group (home modification): each finds both, its own first.
    assert top3(personas.grid_worker_a, "适老化改造")[:2] == ["ELD-007", "DIS-007"]
    assert top3(personas.grid_worker_a, "无障碍改造")[:2] == ["DIS-007", "ELD-007"]
    # A word no item holds ("能装") does not hide the items holding the others.
    assert top3(personas.grid_worker_a, "残疾人家里能装扶手吗")[0] == "DIS-007"


def test_a_service_line_narrows_the_search(policy_library, personas):
    found = selectors.items_search(user=personas.grid_worker_a, query="补贴", line="employment")
    assert found and {item.line.code for item in found} == {"employment"}
    assert selectors.items_search(user=personas.grid_worker_a, query="补贴", line="NOPE") == []


def test_search_input_cannot_break_the_query(policy_library, personas):
    for hostile in ['"失业金" OR *', "失业金' & !", "NEAR(a b)", "a:* | b", ")))", "\x00"]:
        selectors.items_search(user=personas.grid_worker_a, query=hostile)


def test_an_edited_item_is_found_by_its_new_words(policy_library, personas):
    from civicgrid.fieldwork.services import item_save

    item = ServiceItem.objects.get(code="EMP-001")
    item_save(
        line=item.line,
        code=item.code,
        title="失业保险金申领（含线上办理）",
        eligibility="新增：开通秒批服务",
    )
    assert top3(personas.grid_worker_a, "秒批")[0] == "EMP-001"
    assert search.query_terms("失业金怎么领")


def test_policy_page_searches_with_htmx_and_respects_permissions(client, policy_library, personas):
    log_in(client, personas.grid_worker_a)
    page = client.get("/fieldwork/policy/", {"q": "失业金怎么领"})
    assert page.status_code == 200 and "失业保险金申领" in page.content.decode()
    partial = client.get("/fieldwork/policy/", {"q": "失业金怎么领"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and "失业保险金申领" in partial.content.decode()
    api = client.get("/api/v1/fieldwork/policy", {"q": "失业金怎么领"}).json()
    assert api[0]["code"] == "EMP-001"
    log_in(client, personas.resident)
    assert client.get("/fieldwork/policy/").status_code == 403
    assert client.get("/api/v1/fieldwork/policy", {"q": "低保"}).status_code == 403


def consult(client, item, **data):
    body = {
        "idempotency_key": str(uuid.uuid4()),
        "asker_name": "王大爷",
        "asker_phone": "13811112222",
        "question": "失业金怎么领？",
        "answer": "带身份证和社保卡到街道社保服务中心申领。",
    } | data
    return client.post(f"/fieldwork/policy/{item.pk}/consult/", body)


def test_a_consultation_is_logged_and_can_become_a_case(
    client, policy_library, registry, personas, flow, tree
):
    item = ServiceItem.objects.get(code="EMP-001")
    log_in(client, personas.grid_worker_a)
    response = consult(client, item, grid=tree.grid_a1.pk)
    assert response.status_code == 302
    consultation = Consultation.objects.get()
    assert consultation.item == item and consultation.case is None
    assert consultation.asker_phone == "13811112222"
    assert AuditEvent.objects.filter(object_type="fieldwork.consultation").exists()
    response = consult(
        client, item, grid=tree.grid_a1.pk, case_category=flow.ordinary.pk, question="小区门口路灯坏了"
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert Consultation.objects.get(case=case).question == "小区门口路灯坏了"
    assert case.grid == tree.grid_a1


def test_a_consultation_with_bad_input_changes_nothing(client, policy_library, personas, tree):
    item = ServiceItem.objects.get(code="EMP-001")
    log_in(client, personas.grid_worker_a)
    response = consult(client, item, grid=tree.grid_a1.pk, asker_phone="12345", answer="")
    assert response.status_code == 422
    text = response.content.decode()
    assert "请填写正确的电话号码" in text or "请填写答复" in text
    # A grid outside the worker's area is not offered and not accepted.
    assert consult(client, item, grid=tree.grid_b1.pk).status_code == 422
    assert not Consultation.objects.exists()


def test_consultation_api_is_idempotent(client, policy_library, personas, tree):
    item = ServiceItem.objects.get(code="EMP-001")
    log_in(client, personas.grid_worker_a)
    body = {
        "grid_id": tree.grid_a1.pk,
        "item_id": item.pk,
        "asker_name": "李阿姨",
        "question": "怎么领",
        "answer": "见材料",
    }
    key = {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}
    one = client.post("/api/v1/fieldwork/consultations", body, content_type="application/json", **key)
    two = client.post("/api/v1/fieldwork/consultations", body, content_type="application/json", **key)
    assert (one.status_code, two.status_code) == (201, 200)
    assert Consultation.objects.count() == 1
    outside = client.post(
        "/api/v1/fieldwork/consultations",
        body | {"grid_id": tree.grid_b1.pk},
        content_type="application/json",
    )
    assert outside.status_code == 400 and outside.json()["errors"]["grid_id"]


def xlsx(rows) -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile("items.xlsx", out.getvalue())


HEADER = [
    "条线",
    "事项编码",
    "事项名称",
    "办理条件",
    "所需材料",
    "办理流程",
    "责任科室",
    "办理时限",
    "收费",
    "政策依据",
]


def test_items_import_from_xlsx_creates_and_updates(client, policy_library, personas):
    log_in(client, personas.platform_admin)
    upload = xlsx(
        [
            HEADER,
            [
                "就业",
                "EMP-900",
                "公益性岗位申请",
                "就业困难人员",
                "身份证\n就业失业登记证",
                "申请\n审核\n上岗",
                "社保中心",
                "10个工作日",
                "免费",
                "省:《浙江省就业促进条例》",
            ],
            [
                "就业",
                "EMP-001",
                "失业保险金申领",
                "失业前已缴费满一年",
                "身份证",
                "申请",
                "社保中心",
                "5个工作日",
                "免费",
                "",
            ],
        ]
    )
    response = client.post("/fieldwork/policy/import/", {"file": upload})
    assert response.status_code == 302
    item = ServiceItem.objects.get(code="EMP-900")
    assert item.materials == ["身份证", "就业失业登记证"]
    assert item.documents.get().level == "province"
    assert "EMP-900" in top3(personas.grid_worker_a, "公益岗位怎么申请")
    assert AuditEvent.objects.filter(details__import="service_items").exists()


def test_a_bad_import_lists_every_error_and_imports_nothing(client, policy_library, personas):
    before = ServiceItem.objects.count()
    log_in(client, personas.platform_admin)
    upload = xlsx(
        [
            HEADER,
            ["不存在的条线", "X-1", "某事项", "", "", "", "", "", "", ""],
            ["就业", "", "", "", "", "", "", "", "", ""],
            ["就业", "EMP-901", "好的一行", "", "", "", "", "", "", "国家级:文件"],
        ]
    )
    response = client.post("/fieldwork/policy/import/", {"file": upload})
    assert response.status_code == 422
    text = response.content.decode()
    assert "第 2 行" in text and "第 3 行" in text and "第 4 行" in text
    assert ServiceItem.objects.count() == before


def test_only_policy_managers_import(client, personas):
    log_in(client, personas.grid_worker_a)
    assert client.get("/fieldwork/policy/import/").status_code == 403
