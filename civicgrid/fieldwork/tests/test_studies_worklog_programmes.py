"""Case studies (sanitised Markdown, comments, pinning by the community head), the work log (a
community head reads their workers' logs, nobody else's), and visit-programme progress."""

from datetime import date, timedelta

import pytest
import time_machine

from civicgrid.audit.models import AuditEvent
from civicgrid.core import clock
from civicgrid.core.errors import Forbidden
from civicgrid.core.testing import log_in
from civicgrid.fieldwork import selectors, services
from civicgrid.fieldwork.models import CaseStudy, VisitProgramme, WorkLogEntry

BODY = "## 情况\n\n楼道堆物反复出现。\n\n- 推选楼道长\n- 每周巡查\n\n<script>alert(1)</script><img src=x onerror=alert(2)>[链接](javascript:alert(3))"


def write(client, tree, **data):
    return client.post(
        "/fieldwork/studies/new/",
        {
            "community": tree.community_a.pk,
            "title": "楼道堆物治理",
            "body": BODY,
            "tags": "消防安全，居民自治",
        }
        | data,
    )


def test_a_worker_writes_a_case_study_and_it_is_rendered_safely(client, tree, personas):
    log_in(client, personas.grid_worker_a)
    response = write(client, tree)
    assert response.status_code == 302
    study = CaseStudy.objects.get()
    assert study.tags == ["消防安全", "居民自治"]
    page = client.get(f"/fieldwork/studies/{study.pk}/").content.decode()
    assert "<h2>情况</h2>" in page and "<li>推选楼道长</li>" in page
    body = page.split('data-testid="study-body">')[1].split("</article>")[0]
    assert "<script" not in body and "onerror" not in body and "javascript:" not in body


def test_bad_case_study_input_is_refused(client, tree, personas):
    log_in(client, personas.grid_worker_a)
    response = write(client, tree, title="", body="太短")
    assert response.status_code == 422
    assert "请填写标题" in response.content.decode() or "正文至少" in response.content.decode()
    assert write(client, tree, community=tree.community_b.pk).status_code == 422  # not their community
    assert not CaseStudy.objects.exists()


def test_colleagues_in_the_street_read_search_and_comment(client, tree, personas):
    study = services.study_create(
        actor=personas.grid_worker_a,
        community=tree.community_a,
        title="失业人员再就业陪办",
        body=BODY,
        tags=["就业帮扶"],
    )
    log_in(client, personas.grid_worker_b)
    assert "失业人员再就业陪办" in client.get("/fieldwork/studies/", {"q": "再就业"}).content.decode()
    assert "失业人员再就业陪办" in client.get("/fieldwork/studies/", {"tag": "就业帮扶"}).content.decode()
    assert "失业人员再就业陪办" not in client.get("/fieldwork/studies/", {"tag": "就业"}).content.decode()
    assert client.post(f"/fieldwork/studies/{study.pk}/comment/", {"body": "学习了"}).status_code == 302
    assert client.post(f"/fieldwork/studies/{study.pk}/comment/", {"body": ""}).status_code == 422
    assert study.comments.count() == 1
    log_in(client, personas.resident)
    assert client.get(f"/fieldwork/studies/{study.pk}/").status_code == 403


def test_the_community_head_pins_and_others_cannot(client, tree, personas):
    study = services.study_create(
        actor=personas.grid_worker_a, community=tree.community_a, title="案例", body=BODY
    )
    log_in(client, personas.grid_worker_a)
    assert client.post(f"/fieldwork/studies/{study.pk}/pin/", {"pinned": "1"}).status_code == 403
    with pytest.raises(Forbidden):
        services.study_pin(actor=personas.community_head_b, study=study, pinned=True)
    log_in(client, personas.community_head_a)
    assert "置顶" in client.get(f"/fieldwork/studies/{study.pk}/").content.decode()
    assert client.post(f"/fieldwork/studies/{study.pk}/pin/", {"pinned": "1"}).status_code == 302
    study.refresh_from_db()
    assert study.is_pinned and study.pinned_by == personas.community_head_a
    assert AuditEvent.objects.filter(object_type="fieldwork.casestudy", action="state_change").exists()
    other = services.study_create(
        actor=personas.grid_worker_a, community=tree.community_a, title="后写的", body=BODY
    )
    assert next(iter(selectors.studies_for(personas.grid_worker_a))) == study  # pinned first
    assert other in selectors.studies_for(personas.grid_worker_a)


def test_the_work_log_is_written_and_read_by_the_community_head_only(client, tree, personas, registry, flow):
    visit, _ = services.visit_record(
        actor=personas.grid_worker_a, household=registry.household_a, notes="走访"
    )
    log_in(client, personas.grid_worker_a)
    response = client.post(
        "/fieldwork/worklog/",
        {"day": clock.today().isoformat(), "unit": tree.grid_a1.pk, "body": "走访6户", "visits": [visit.pk]},
    )
    assert response.status_code == 302
    entry = WorkLogEntry.objects.get()
    assert list(entry.visits.all()) == [visit]
    future = client.post(
        "/fieldwork/worklog/",
        {"day": (clock.today() + timedelta(days=1)).isoformat(), "unit": tree.grid_a1.pk, "body": "明天"},
    )
    assert future.status_code == 422 and "未来" in future.content.decode()
    assert WorkLogEntry.objects.count() == 1
    assert list(selectors.worklog_for(personas.community_head_a)) == [entry]
    assert list(selectors.worklog_for(personas.community_head_b)) == []
    assert list(selectors.worklog_for(personas.grid_worker_b)) == []
    log_in(client, personas.community_head_a)
    assert "走访6户" in client.get("/fieldwork/worklog/").content.decode()
    log_in(client, personas.assistant_a)
    assert "走访6户" not in client.get("/fieldwork/worklog/").content.decode()


@time_machine.travel("2026-11-10 10:00 +0800", tick=False)
def test_programme_progress_per_grid_and_worker(client, tree, personas, registry):
    programme = services.programme_create(
        actor=personas.street_leader,
        unit=tree.street,
        name="六六三走访",
        starts_on=date(2026, 10, 1),
        ends_on=date(2026, 12, 31),
        groups=[registry.open_group],
    )
    with pytest.raises(Forbidden):
        services.programme_create(
            actor=personas.grid_worker_a,
            unit=tree.street,
            name="x",
            starts_on=date(2026, 10, 1),
            ends_on=date(2026, 10, 2),
        )
    services.visit_record(actor=personas.grid_worker_a, household=registry.household_a, notes="计划走访")
    grids, workers = selectors.programme_progress(user=personas.street_leader, programme=programme)
    assert [(g.name, g.targets, g.done) for g in grids] == [("甲一网格", 1, 1)]
    assert [(w.name, w.done, w.visits) for w in workers] == [("甲网格员", 1, 1)]
    # The other community's head sees their own part only (no targets there).
    assert selectors.programme_progress(user=personas.community_head_b, programme=programme) == ([], [])
    log_in(client, personas.community_head_a)
    page = client.get(f"/fieldwork/programmes/{programme.pk}/").content.decode()
    assert "甲一网格" in page and "100%" in page


def test_programme_input_is_checked(client, tree, personas):
    log_in(client, personas.community_head_a)
    response = client.post(
        "/fieldwork/programmes/",
        {
            "unit": tree.community_a.pk,
            "name": "季度走访",
            "starts_on": "2026-12-31",
            "ends_on": "2026-10-01",
            "visits_per_target": 1,
        },
    )
    assert response.status_code == 422 and "结束日期不能早于开始日期" in response.content.decode()
    assert not VisitProgramme.objects.exists()
    log_in(client, personas.grid_worker_a)
    assert client.post("/fieldwork/programmes/", {"name": "x"}).status_code == 404
