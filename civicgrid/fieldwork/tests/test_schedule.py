"""My day: visits fall due from the members' service-group grades, across month ends; overdue
households show, visited ones leave the list; and only the worker's own grids are read."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from civicgrid.core.testing import log_in
from civicgrid.fieldwork import selectors, services
from civicgrid.fieldwork.selectors import next_due

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=10):
    return datetime(y, m, d, h, 0, tzinfo=SHANGHAI)


def due_ids(user, today):
    return {d.household.pk: d for d in selectors.visits_due(user=user, today=today)[0]}


def test_next_due_adds_the_interval_across_month_and_year_ends():
    assert next_due(
        last_visit=date(2026, 1, 31), interval_days=7, since=None, today=date(2026, 2, 1)
    ) == date(2026, 2, 7)
    assert next_due(
        last_visit=date(2026, 1, 31), interval_days=30, since=None, today=date(2026, 2, 1)
    ) == date(2026, 3, 2)
    assert next_due(
        last_visit=date(2026, 12, 20), interval_days=14, since=None, today=date(2026, 12, 21)
    ) == date(2027, 1, 3)
    # Never visited: due from the day the member joined the group, or today.
    assert next_due(last_visit=None, interval_days=7, since=date(2026, 1, 5), today=date(2026, 2, 1)) == date(
        2026, 1, 5
    )
    assert next_due(last_visit=None, interval_days=7, since=None, today=date(2026, 2, 1)) == date(2026, 2, 1)


def test_the_shortest_grade_of_the_household_sets_the_interval(registry, personas):
    # 张伟: open group grade 2 (30 days); 李娜: sensitive group grade 1 (7 days) → every 7 days.
    schedule = {
        row[0]: row for row in selectors.visit_schedule(user=personas.grid_worker_a, today=date(2026, 2, 1))
    }
    assert schedule[registry.household_a.pk][2] == 7
    # 王芳's household has no graded member: nothing scheduled there.
    assert registry.household_b.pk not in schedule


def test_weekly_visit_falls_due_across_the_month_end_and_leaves_when_done(registry, personas):
    worker = personas.grid_worker_a
    household = registry.household_a
    assert household.pk in due_ids(worker, date(2026, 1, 31))  # never visited: due now
    with time_machine.travel(at(2026, 1, 31), tick=False):
        services.visit_record(actor=worker, household=household, notes="入户了解情况")
    assert household.pk not in due_ids(worker, date(2026, 1, 31))  # done today: gone
    assert household.pk not in due_ids(worker, date(2026, 2, 6))
    assert due_ids(worker, date(2026, 2, 7))[household.pk].due_on == date(2026, 2, 7)
    with time_machine.travel(at(2026, 2, 10), tick=False):
        overdue = due_ids(worker, date(2026, 2, 10))[household.pk]
        assert overdue.overdue_days == 3


def test_monthly_grade_across_february(registry, personas):
    from civicgrid.registry.models import GroupMembership

    GroupMembership.objects.filter(person=registry.li_na).update(
        is_active=False
    )  # only the 30-day grade left
    worker = personas.grid_worker_a
    with time_machine.travel(at(2026, 1, 31), tick=False):
        services.visit_record(actor=worker, household=registry.household_a, notes="月度走访")
    assert registry.household_a.pk not in due_ids(worker, date(2026, 2, 28))
    assert registry.household_a.pk not in due_ids(worker, date(2026, 3, 1))
    assert registry.household_a.pk in due_ids(worker, date(2026, 3, 2))


def test_a_visit_in_another_grid_is_not_on_my_list_and_theirs_not_on_mine(registry, personas):
    from civicgrid.registry import services as registry_services

    registry_services.person_tag(
        actor=None, person=registry.wang_fang, group=registry.open_group, grade=1, reason="建档"
    )
    assert set(due_ids(personas.grid_worker_a, date(2026, 2, 1))) == {registry.household_a.pk}
    assert set(due_ids(personas.grid_worker_b, date(2026, 2, 1))) == {registry.household_b.pk}


@pytest.mark.parametrize("persona", ["department_staff", "resident", "agency_staff"])
def test_my_day_is_for_field_roles_only(client, registry, personas, persona):
    log_in(client, getattr(personas, persona))
    assert client.get("/fieldwork/").status_code == 403
    assert client.get("/api/v1/fieldwork/my-day").status_code == 403


def test_my_day_page_and_api_show_due_visits_cases_and_inbox(client, registry, personas, flow):
    worker = personas.grid_worker_a
    log_in(client, worker)
    page = client.get("/fieldwork/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "凯旋路12号" in text and 'data-testid="due-visit"' in text
    assert "景芳路8号" not in text  # grid B1 is not theirs
    api = client.get("/api/v1/fieldwork/my-day").json()
    assert api["due_total"] == 1
    assert api["due"][0]["household_id"] == registry.household_a.pk
    assert api["due"][0]["interval_days"] == 7
