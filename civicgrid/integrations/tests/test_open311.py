"""Open311 GeoReport v2 at /open311/v2/, called over HTTP as another system would (urllib against a live
server, form-encoded POSTs, .json and .xml): the spec's field names, root elements, date-times and
errors; a POSTed request enters the problem-flow centre like any other report; a key sees only what its
role and unit may see."""

import json
import re
import urllib.error
import urllib.request
import uuid
import xml.etree.ElementTree as ET  # nosec B405 — parses the test server's own answers
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine

from civicgrid.cases import selectors as case_selectors
from civicgrid.cases import services as case_services
from civicgrid.cases.models import Case, CaseEvent, Category
from civicgrid.core.models import Submission
from civicgrid.integrations.services import api_key_create, api_key_revoke
from civicgrid.portal.models import SuggestionRule

pytestmark = pytest.mark.django_db(transaction=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")
A1_POINT = (30.05, 120.02)  # in grid A1 (core.testing.build_tree)
OUTSIDE = (31.5, 121.3)  # in no grid of the tree
W3C = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")
SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "lat",
    "long",
]
JSON_TYPE = "application/json; charset=utf-8"
XML_TYPE = "text/xml; charset=utf-8"


class Answer:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def content_type(self) -> str:
        return self.headers["Content-Type"]

    def json(self):
        assert self.content_type == JSON_TYPE
        return json.loads(self.body.decode("utf-8"))

    def xml(self) -> ET.Element:
        assert self.content_type == XML_TYPE
        assert self.body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
        return ET.fromstring(self.body)  # nosec B314


def call(
    server, path: str, *, query: dict | None = None, form: dict | None = None, headers=None, method=None
):
    url = f"{server.url}/open311/v2/{path}" + (f"?{urlencode(query)}" if query else "")
    data, headers = None, dict(headers or {})
    if form is not None:
        data = urlencode(form).encode("utf-8")
        headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # nosec B310 — the test server
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def json_errors(answer: Answer, status: int) -> list[str]:
    assert answer.status == status, answer.body
    found = answer.json()
    assert all(set(e) == {"code", "description"} and e["code"] == status for e in found)
    return [e["description"] for e in found]


def xml_errors(answer: Answer, status: int) -> list[str]:
    assert answer.status == status, answer.body
    root = answer.xml()
    assert root.tag == "errors"
    assert all(e.tag == "error" and e.findtext("code") == str(status) for e in root)
    return [e.findtext("description") for e in root]


def fields(element: ET.Element) -> dict[str, str | None]:
    return {child.tag: child.text for child in element}


@pytest.fixture
def municipal(flow) -> Category:
    """The problem-flow fixture's 市政设施, with keywords, beside a retired category."""
    Category.objects.create(code="retired", name="旧类别", policy=flow.ordinary_policy, is_active=False)
    SuggestionRule.objects.create(keyword="井盖", category=flow.ordinary)
    SuggestionRule.objects.create(keyword="路灯", category=flow.ordinary, priority=200)
    return flow.ordinary


def make_key(personas, unit, role="grid_worker", rate=120) -> str:
    return api_key_create(
        actor=personas.platform_admin, name="城市服务App", unit=unit, role=role, rate_per_minute=rate
    )[1]


def report_form(key: str, **extra) -> dict:
    lat, lng = A1_POINT
    return {
        "api_key": key,
        "service_code": "municipal",
        "lat": lat,
        "long": lng,
        "address_string": "凯旋路12号门口",
        "description": "井盖缺失，有行人踩空的危险",
        **extra,
    }


# ---------------------------------------------------------------------------------------- services


def test_services_are_the_active_categories_in_both_formats_without_a_key(live_server, municipal):
    answer = call(live_server, "services.json")
    assert answer.status == 200
    offered = {service["service_code"]: service for service in answer.json()}
    assert sorted(offered) == ["municipal", "sanitation", "suggestion"]  # the retired one is not offered
    service = offered["municipal"]
    assert list(service) == SERVICE_FIELDS
    assert service["service_code"] == "municipal" and service["service_name"] == "市政设施"
    assert service["metadata"] is False and service["type"] == "realtime"
    assert service["keywords"] == "井盖, 路灯" and service["group"] is None
    assert "24 小时内领办" in service["description"] and "168 小时内办结" in service["description"]

    root = call(live_server, "services.xml").xml()
    assert root.tag == "services" and [child.tag for child in root] == ["service"] * 3
    [element] = [child for child in root if child.findtext("service_code") == "municipal"]
    assert [child.tag for child in element] == SERVICE_FIELDS
    got = fields(element)
    assert got["service_code"] == "municipal" and got["metadata"] == "false" and got["type"] == "realtime"


def test_a_service_definition_has_no_attributes_and_unknown_codes_are_404(live_server, municipal):
    assert call(live_server, "services/municipal.json").json() == {
        "service_code": "municipal",
        "attributes": [],
    }
    root = call(live_server, "services/municipal.xml").xml()
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "municipal" and len(root.find("attributes")) == 0
    for code in ("nothing", "retired"):
        assert "service_code=" in json_errors(call(live_server, f"services/{code}.json"), 404)[0]
        assert xml_errors(call(live_server, f"services/{code}.xml"), 404)


def test_jurisdiction_id_may_be_left_out_or_be_ours_and_nothing_else(live_server, municipal, personas, tree):
    key = make_key(personas, tree.grid_a1)
    assert call(live_server, "services.json", query={"jurisdiction_id": "kaixuan"}).status == 200
    assert call(live_server, "services.json", query={"jurisdiction_id": ""}).status == 200
    assert (
        "sfgov.org"
        in json_errors(call(live_server, "services.json", query={"jurisdiction_id": "sfgov.org"}), 404)[0]
    )
    xml_errors(call(live_server, "requests.xml", query={"api_key": key, "jurisdiction_id": "x"}), 404)
    json_errors(call(live_server, "requests.json", form=report_form(key, jurisdiction_id="x")), 404)
    assert not Case.objects.exists()


# ---------------------------------------------------------------------------------------- round trip


def test_a_posted_request_enters_the_centre_and_is_followed_to_its_close(
    live_server, municipal, personas, tree
):
    key = make_key(personas, tree.grid_a1)
    personal = {
        "email": "zhang@example.com",
        "first_name": "伟",
        "last_name": "张",
        "phone": "13812345678",
        "device_id": "dev-1",
        "account_id": "a-1",
        "media_url": "http://example.com/a.jpg",
        "attribute[WHISPAWN]": "1",
    }
    answer = call(live_server, "requests.json", form=report_form(key, **personal))
    assert answer.status == 201 and answer.content_type == JSON_TYPE
    [made] = answer.json()
    assert set(made) == {"service_request_id", "service_notice"}
    assert "168 小时内办结" in made["service_notice"]

    # In the problem-flow centre, like any other report: the grid from the point, the claim clock on.
    case = Case.objects.get()
    assert made["service_request_id"] == case.number
    assert case.channel == "open311" and case.grid_id == tree.grid_a1.pk
    assert case.status == "awaiting_claim" and case.address == "凯旋路12号门口"
    assert case.entered_centre_at and case.claim_due_at and case.stage_due_at and case.stage_yellow_at
    assert (case.lat, case.lng) == A1_POINT and case.reporter.username.startswith("api-")
    centre = case_selectors.centre_list(user=personas.grid_worker_a, now=case.reported_at)
    assert case.pk in [row["id"] for row in centre]
    # The reporter's personal data went nowhere.
    stored = json.dumps([list(Case.objects.values()), list(CaseEvent.objects.values())], default=str)
    assert not any(value in stored for value in ("13812345678", "zhang@example.com", "dev-1", "example.com"))

    listed = call(live_server, "requests.json", query={"api_key": key})
    assert listed.status == 200
    [row] = listed.json()
    assert list(row) == REQUEST_FIELDS
    assert row["service_request_id"] == case.number and row["status"] == "open"
    assert row["service_code"] == "municipal" and row["service_name"] == "市政设施"
    assert row["description"] == "井盖缺失，有行人踩空的危险" and row["address"] == "凯旋路12号门口"
    assert (row["lat"], row["long"]) == A1_POINT
    assert W3C.match(row["requested_datetime"]) and W3C.match(row["updated_datetime"])
    assert row["status_notes"] is None and row["agency_responsible"] is None
    assert row["expected_datetime"] is None  # nobody holds it yet: no resolution deadline

    # Handled in the centre: claimed, verified, resolved (a phone number in the note), checked, closed.
    worker = personas.grid_worker_a
    case = case_services.case_claim(case=case, actor=worker)
    case = case_services.case_verify(case=case, actor=worker)
    case_services.case_log_work(case=case, actor=worker, note="内部记录：联系物业")
    root = call(live_server, f"requests/{case.number}.xml", query={"api_key": key}).xml()
    assert root.tag == "service_requests" and [child.tag for child in root] == ["request"]
    assert [child.tag for child in root[0]] == REQUEST_FIELDS
    got = fields(root[0])
    assert got["agency_responsible"] == tree.grid_a1.name and got["status"] == "open"
    assert got["status_notes"] is None  # working notes are internal
    assert W3C.match(got["expected_datetime"])
    assert got["expected_datetime"] == case.resolve_due_at.astimezone(SHANGHAI).isoformat(timespec="seconds")

    case = case_services.case_resolve(case=case, actor=worker, note="井盖已更换，回访电话 13812345678")
    case = case_services.case_close(case=case, actor=personas.community_head_a)
    [row] = call(live_server, f"requests/{case.number}.json", query={"api_key": key}).json()
    assert row["status"] == "closed"
    assert row["status_notes"] == "井盖已更换，回访电话 138****5678"
    assert row["updated_datetime"] == case.closed_at.astimezone(SHANGHAI).isoformat(timespec="seconds")
    assert call(live_server, "requests.json", query={"api_key": key, "status": "open"}).json() == []
    assert (
        len(call(live_server, "requests.json", query={"api_key": key, "status": "closed,open"}).json()) == 1
    )
    root = call(live_server, "requests.xml", query={"api_key": key, "status": "closed"}).xml()
    assert [fields(r)["service_request_id"] for r in root] == [case.number]


def test_the_post_answers_in_xml_too(live_server, municipal, personas, tree):
    key = make_key(personas, tree.grid_a1)
    answer = call(live_server, "requests.xml", form=report_form(key))
    assert answer.status == 201
    root = answer.xml()
    assert root.tag == "service_requests" and [child.tag for child in root] == ["request"]
    assert root[0].findtext("service_request_id") == Case.objects.get().number


def test_requests_filters(live_server, municipal, personas, tree):
    key = make_key(personas, tree.grid_a1)
    with time_machine.travel("2026-06-01 10:00 +0800", tick=True):
        old = case_services.case_report(
            actor=personas.grid_worker_a,
            channel="visit",
            category=municipal,
            description="旧的",
            grid=tree.grid_a1,
        )
    new = Case.objects.get(
        number=call(live_server, "requests.json", form=report_form(key)).json()[0]["service_request_id"]
    )

    def ids(**query):
        answer = call(live_server, "requests.json", query={"api_key": key, **query})
        assert answer.status == 200, answer.body
        return [row["service_request_id"] for row in answer.json()]

    assert ids() == [new.number]  # the most recent 90 days
    assert ids(start_date="2026-05-30T00:00:00Z", end_date="2026-06-02T00:00:00+08:00") == [old.number]
    assert ids(start_date="2026-05-30") == [old.number]
    assert ids(service_request_id=f"{old.number},{new.number}") == [new.number, old.number]
    assert ids(service_code="other") == [] and ids(service_code="other,municipal") == [new.number]
    for query, status in [
        ({"status": "pending"}, 400),
        ({"start_date": "yesterday"}, 400),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),  # > 90 days
        ({"start_date": "2026-06-02T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, 400),
    ]:
        json_errors(call(live_server, "requests.json", query={"api_key": key, **query}), status)


# ---------------------------------------------------------------------------------------- idempotency


def test_a_resent_post_with_its_idempotency_key_makes_one_case_and_the_key_is_a_token(
    live_server, municipal, personas, tree
):
    key = make_key(personas, tree.grid_a1)
    token = str(uuid.uuid4())
    first = call(live_server, "requests.json", form=report_form(key), headers={"Idempotency-Key": token})
    again = call(live_server, "requests.json", form=report_form(key), headers={"Idempotency-Key": token})
    assert (first.status, again.status) == (201, 200)
    assert first.json()[0]["service_request_id"] == again.json()[0]["service_request_id"]
    number = Case.objects.get().number

    assert call(live_server, f"tokens/{token}.json", query={"api_key": key}).json() == [
        {"service_request_id": number, "token": token}
    ]
    root = call(live_server, f"tokens/{token}.xml", query={"api_key": key}).xml()
    assert root.tag == "service_requests" and fields(root[0]) == {
        "service_request_id": number,
        "token": token,
    }
    other = make_key(personas, tree.grid_a1)  # the same place, but not its token
    json_errors(call(live_server, f"tokens/{token}.json", query={"api_key": other}), 404)
    json_errors(call(live_server, f"tokens/{uuid.uuid4()}.json", query={"api_key": key}), 404)
    json_errors(call(live_server, "tokens/not-a-uuid.json", query={"api_key": key}), 404)
    bad = call(live_server, "requests.json", form=report_form(key), headers={"Idempotency-Key": "abc"})
    json_errors(bad, 400)
    assert Case.objects.count() == 1 and Submission.objects.count() == 1


# ---------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_key_a_wrong_key_or_a_revoked_key_is_403_and_reports_nothing(
    live_server, municipal, personas, tree, fmt
):
    key = make_key(personas, tree.grid_a1)
    number = call(live_server, "requests.json", form=report_form(key)).json()[0]["service_request_id"]
    revoked = api_key_create(
        actor=personas.platform_admin, name="旧系统", unit=tree.grid_a1, role="grid_worker"
    )
    api_key_revoke(actor=personas.platform_admin, key=revoked[0])
    read = xml_errors if fmt == "xml" else json_errors
    for wrong in ("", "cg_nothing", key[:-2] + "xx", revoked[1]):
        assert "api_key" in read(call(live_server, f"requests.{fmt}", form=report_form(wrong)), 403)[0]
        read(call(live_server, f"requests.{fmt}", query={"api_key": wrong}), 403)
        read(call(live_server, f"requests/{number}.{fmt}", query={"api_key": wrong}), 403)
        read(call(live_server, f"tokens/{uuid.uuid4()}.{fmt}", query={"api_key": wrong}), 403)
    assert Case.objects.count() == 1


def test_the_key_may_come_in_the_x_api_key_header(live_server, municipal, personas, tree):
    key = make_key(personas, tree.grid_a1)
    assert call(live_server, "requests.json", headers={"X-API-Key": key}).status == 200


@pytest.mark.parametrize(
    ("change", "status", "message"),
    [
        ({"service_code": ""}, 400, "缺少 service_code"),
        ({"service_code": "nothing"}, 404, "service_code=nothing"),
        ({"service_code": "retired"}, 404, "service_code=retired"),
        ({"lat": OUTSIDE[0], "long": OUTSIDE[1]}, 400, "无法确定问题所在网格"),
        ({"lat": "", "long": ""}, 400, "无法确定问题所在网格"),  # only address_string: no geocoder
        ({"lat": "north", "long": "120"}, 400, "lat 和 long"),
        ({"long": ""}, 400, "lat 和 long"),
        ({"lat": "95", "long": "120"}, 400, "坐标无效"),
        ({"description": "  "}, 400, "请描述问题"),
    ],
)
def test_a_refused_post_says_why_in_chinese_and_creates_nothing(
    live_server, municipal, personas, tree, change, status, message
):
    key = make_key(personas, tree.grid_a1)
    for fmt, read in (("json", json_errors), ("xml", xml_errors)):
        found = read(call(live_server, f"requests.{fmt}", form=report_form(key, **change)), status)
        assert any(message in text for text in found), found
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


def test_every_problem_of_a_post_is_listed(live_server, municipal, personas, tree):
    key = make_key(personas, tree.grid_a1)
    form = report_form(key, lat=OUTSIDE[0], long=OUTSIDE[1], description="")
    found = json_errors(call(live_server, "requests.json", form=form), 400)
    assert len(found) == 2 and any("请描述问题" in t for t in found) and any("网格" in t for t in found)


def test_a_key_of_community_b_does_not_see_community_a_requests(live_server, municipal, personas, tree):
    key_a = make_key(personas, tree.grid_a1)
    key_b = make_key(personas, tree.community_b, role="supervisor")
    number = call(live_server, "requests.json", form=report_form(key_a)).json()[0]["service_request_id"]
    supervisor_a = make_key(personas, tree.community_a, role="supervisor")
    assert [
        r["service_request_id"]
        for r in call(live_server, "requests.json", query={"api_key": supervisor_a}).json()
    ] == [number]

    assert (
        "无权查看"
        in json_errors(call(live_server, f"requests/{number}.json", query={"api_key": key_b}), 404)[0]
    )
    xml_errors(call(live_server, f"requests/{number}.xml", query={"api_key": key_b}), 404)
    assert call(live_server, "requests.json", query={"api_key": key_b}).json() == []
    assert (
        call(live_server, "requests.json", query={"api_key": key_b, "service_request_id": number}).json()
        == []
    )
    assert len(call(live_server, "requests.xml", query={"api_key": key_b}).xml()) == 0
    json_errors(call(live_server, "requests/999.json", query={"api_key": key_a}), 404)


def test_a_key_past_its_rate_gets_429_in_the_spec_format(live_server, municipal, personas, tree):
    key = make_key(personas, tree.grid_a1, rate=2)
    with time_machine.travel("2026-11-28 10:00:05 +0800", tick=True):
        assert [call(live_server, "requests.json", query={"api_key": key}).status for _ in range(2)] == [
            200,
            200,
        ]
        refused = call(live_server, "requests.xml", query={"api_key": key})
        assert "每分钟最多 2 次" in xml_errors(refused, 429)[0]
        assert refused.headers["Retry-After"] == "60"
        json_errors(call(live_server, "requests.json", form=report_form(key)), 429)
    assert not Case.objects.exists()


def test_other_methods_are_405(live_server, municipal, personas, tree):
    key = make_key(personas, tree.grid_a1)
    answer = call(live_server, "requests.json", query={"api_key": key}, method="DELETE")
    json_errors(answer, 405)
    assert answer.headers["Allow"] == "GET, POST"
    json_errors(call(live_server, "services.json", form={}), 405)
