"""The case number (编号) is written by the database with the row: the reporting date in Beijing time
and the id. A report costs one INSERT of the case, its timeline entry and its audit row."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from civicgrid.audit.models import AuditEvent
from civicgrid.cases import services
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.core.testing import log_in
from civicgrid.org.selectors import memberships_of

from .conftest import A1_POINT, MONDAY_9AM, SHANGHAI

pytestmark = pytest.mark.django_db


def report(personas, flow, now=MONDAY_9AM):
    return services.case_report(
        actor=personas.grid_worker_a,
        channel="visit",
        category=flow.ordinary,
        description="路灯不亮",
        lat=A1_POINT[0],
        lng=A1_POINT[1],
        now=now,
    )


def verbs(queries) -> list[str]:
    return [q["sql"].split(None, 1)[0].upper() for q in queries]


def test_the_number_is_the_beijing_reporting_date_and_the_id(personas, flow):
    case = report(personas, flow)
    assert case.number == f"20261102{case.pk:07d}"
    assert Case.objects.get(number=case.number).pk == case.pk
    # 23:30 and 00:30 Beijing time are 15:30 and 16:30 UTC of the same day: the Beijing date counts.
    late = report(personas, flow, now=datetime(2026, 11, 2, 23, 30, tzinfo=SHANGHAI))
    after_midnight = report(personas, flow, now=datetime(2026, 11, 3, 0, 30, tzinfo=SHANGHAI))
    assert late.number == f"20261102{late.pk:07d}"
    assert after_midnight.number == f"20261103{after_midnight.pk:07d}"
    assert Case.objects.get(pk=after_midnight.pk).number == after_midnight.number


def test_numbers_are_unique_and_keep_every_digit_past_seven(personas, flow):
    cases = [report(personas, flow, now=MONDAY_9AM + timedelta(minutes=i)) for i in range(5)]
    assert len({c.number for c in cases}) == 5
    big = Case.objects.get(pk=cases[0].pk)
    big.pk = big.id = 12_345_678
    big._state.adding = True
    big.save(force_insert=True)
    assert big.number == "2026110212345678"
    assert Case.objects.filter(number__startswith="20261102").count() == 6


def test_a_report_is_one_insert_of_the_case_and_no_second_update(personas, flow):
    report(personas, flow)  # builds the point → grid index
    memberships_of(personas.grid_worker_a)
    with CaptureQueriesContext(connection) as queries:
        case = report(personas, flow)
    sql = [q["sql"] for q in queries.captured_queries]
    # Only the writes (a savepoint inside the test's transaction): the grid index's freshness is a
    # version in the shared cache.
    assert verbs(queries.captured_queries) == ["SAVEPOINT", "INSERT", "INSERT", "INSERT", "RELEASE"]
    assert [s.split()[2] for s in sql[1:4]] == ['"cases_case"', '"cases_caseevent"', '"audit_auditevent"']
    assert CaseEvent.objects.get(case=case).kind == "reported"
    assert AuditEvent.objects.get(object_type="cases.case", object_id=str(case.pk)).object_repr.startswith(
        case.number
    )


def test_the_report_api_reads_no_category_and_sees_a_deactivated_one_at_once(client, personas, flow):
    log_in(client, personas.grid_worker_a)
    payload = {"category": "municipal", "description": "井盖", "lat": A1_POINT[0], "lng": A1_POINT[1]}
    assert client.post("/api/v1/cases", payload, content_type="application/json").status_code == 201
    with CaptureQueriesContext(connection) as queries:
        created = client.post("/api/v1/cases", payload, content_type="application/json")
    assert created.status_code == 201
    assert created.json()["number"].endswith(f"{created.json()['id']:07d}")
    assert not [q for q in queries.captured_queries if "cases_category" in q["sql"]]
    assert not [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "cases_case"')]
    flow.ordinary.is_active = False
    flow.ordinary.save()
    refused = client.post("/api/v1/cases", payload, content_type="application/json")
    assert refused.status_code == 400
    assert "category" in refused.json()["errors"]
