"""The synthetic city: a small one, loaded into the test database (SQLite by default)."""

from datetime import date, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from shapely.geometry import shape

from civicgrid.accounts.models import User
from civicgrid.cases import sla
from civicgrid.cases.models import Case, CaseEvent, Category
from civicgrid.cases.routing import load_rules, route
from civicgrid.cases.sweep import sweep
from civicgrid.core.crypto import blind_index, decrypt, mask
from civicgrid.fieldwork.models import Visit
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.geo import grid_for_point
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.org.services import validate_boundary, validate_unit_code
from civicgrid.registry.models import Household, Person
from civicgrid.registry.selectors import person_search
from civicgrid.registry.validators import id_birth_date, id_sex, validate_id_number, validate_mobile
from civicgrid.synth.checks import table_checksums
from civicgrid.synth.generate import SHANGHAI
from civicgrid.synth.load import ensure_reference, load_city

PASSWORD = "Synth-Password-2026"  # nosec B105
YEAR_END = date(2026, 11, 1)
NOW = datetime(2026, 11, 1, tzinfo=SHANGHAI)
SMALL = {"grids": 20, "people": 200, "cases": 500, "visits": 500, "year_end": YEAR_END, "password": PASSWORD}


@pytest.fixture
def city(db):
    return load_city(seed=1, **SMALL)


def checksums(seed: int) -> dict[str, str]:
    """Load, take the checksums, and roll the load back (the next load needs an empty database).

    The reference rows (SLA policies, categories, the holiday calendar) are made first and kept: a
    load that made them inside the rolled-back transaction would give them new ids on PostgreSQL
    (sequences do not roll back), and the cases, which name them, would differ."""
    ensure_reference(date(2024, 1, 1), date(2028, 12, 31))
    with transaction.atomic():
        load_city(seed=seed, **SMALL)
        sums = table_checksums()
        transaction.set_rollback(True)
    return sums


def test_counts_match_the_arguments(city):
    assert OrgUnit.objects.filter(kind=UnitKind.GRID).count() == 20
    assert OrgUnit.objects.filter(kind=UnitKind.COMMUNITY).count() == 2
    assert OrgUnit.objects.filter(kind=UnitKind.STREET).count() == 1
    assert Person.objects.count() == 200
    assert Case.objects.count() == 500
    assert Visit.objects.count() == 500
    assert city.rows["person"] == 200 and city.rows["case"] == 500 and city.rows["visit"] == 500
    assert CaseEvent.objects.count() == city.rows["event"] > 500
    # one grid worker per grid, a head per community, a leader and a dispatcher per street
    assert Membership.objects.filter(role=Role.GRID_WORKER).values("unit").distinct().count() == 20
    assert Membership.objects.filter(role=Role.COMMUNITY_HEAD).count() == 2
    assert Membership.objects.filter(role__in=[Role.STREET_LEADER, Role.DISPATCHER]).count() == 2
    # one password hash, made once
    assert User.objects.filter(kind="staff").values("password").distinct().count() == 1
    assert User.objects.get(username="g000001").check_password(PASSWORD)


def test_the_tree_is_valid(city):
    assert all(not problem for problem in OrgUnit.objects.find_problems())
    for unit in OrgUnit.objects.all():
        parent = OrgUnit.objects.get_parent(unit)
        assert unit.numchild == OrgUnit.objects.get_children_count(unit)
        if unit.kind in (
            UnitKind.CITY,
            UnitKind.DISTRICT,
            UnitKind.STREET,
            UnitKind.COMMUNITY,
            UnitKind.GRID,
        ):
            validate_unit_code(kind=unit.kind, code=unit.code, parent=parent)
        if unit.kind == UnitKind.GRID:
            validate_boundary(unit.boundary)
            assert parent.kind == UnitKind.COMMUNITY
            assert shape(parent.boundary).contains(shape(unit.boundary).centroid)


def test_people_decrypt_validate_and_are_found_by_id(city):
    people = list(Person.objects.select_related("household"))
    numbers = set()
    for person in people:
        number = validate_id_number(person.id_number)  # decrypted by the field; checksum right
        assert number == person.id_number and number not in numbers
        numbers.add(number)
        assert person.birth_date == id_birth_date(number) and person.sex == id_sex(number)
        assert person.id_masked == mask(number, keep_start=4, keep_end=4)
        assert person.id_last4_index == blind_index(number[-4:], purpose="id_last4")
        assert Person.objects.get(id_index=blind_index(number, purpose="id")) == person
        if person.phone:
            assert validate_mobile(person.phone) == person.phone
            assert person.phone_index == blind_index(person.phone, purpose="phone")
        assert person.household.grid_id == person.grid_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number FROM registry_person ORDER BY id LIMIT 5")
        for pk, token in cursor.fetchall():  # stored encrypted
            clear = decrypt(token)
            assert clear not in token and Person.objects.get(pk=pk).id_number == clear
    # the app's own search finds a person by ID number, for the worker of the person's grid
    person = people[17]
    worker = User.objects.get(memberships__unit_id=person.grid_id, memberships__role=Role.GRID_WORKER)
    assert list(person_search(user=worker, query=person.id_number)) == [person]


def test_cases_lie_in_their_grid_and_community(city):
    for case in Case.objects.select_related("grid", "holder"):
        assert case.grid.kind == UnitKind.GRID
        assert grid_for_point(lat=case.lat, lng=case.lng) == case.grid
        community = OrgUnit.objects.get_parent(case.grid)
        assert community.kind == UnitKind.COMMUNITY
        if case.holder is not None:
            street_path = community.path[: 3 * OrgUnit.steplen]
            assert case.holder.path.startswith(street_path)
            if case.holder.kind in (UnitKind.COMMUNITY, UnitKind.GRID):
                assert case.grid.path.startswith(case.holder.path)
        assert NOW.timestamp() - 366 * 86400 <= case.reported_at.timestamp() < NOW.timestamp()


def test_routing_rules_send_cases_where_the_rule_dispatches_went(city):
    rules = load_rules()
    dispatched = CaseEvent.objects.filter(kind="dispatched", data__by="rule").select_related("case__grid")
    assert dispatched.exists()
    for event in dispatched:
        target = route(event.case, rules=rules)
        assert target is not None and target.name == event.data["to"]
    for category in Category.objects.all():  # every category of every street has a way out
        case = Case.objects.filter(category=category).select_related("grid").first()
        target = route(case, rules=rules)
        assert (target is None) == (category.code == "suggestion"), category.code
        if category.is_rewarded:
            assert target.kind == UnitKind.COMMUNITY and case.grid.path.startswith(target.path)


def test_lights_match_the_app_and_the_sweep_has_nothing_to_do(city):
    expected = city.synth.expected_lights
    cases = list(Case.objects.all())
    assert len(expected) == len(cases)
    lights = {case.pk: sla.light(case, NOW) for case in cases}
    assert lights == {pk: sla.Light(light) for pk, light in expected.items()}
    open_lights = [light for light in lights.values() if light != sla.Light.NONE]
    assert sla.Light.RED in open_lights and sla.Light.GREEN in open_lights
    overdue = sum(1 for case in cases if case.red_at is not None) / len(cases)
    assert 0.03 <= overdue <= 0.15
    for case in cases:  # deadlines follow the policy of the case
        if case.assigned_at is not None:
            assert case.resolve_due_at > case.assigned_at
            assert case.claim_due_at is None or case.status == "awaiting_claim"
    assert sweep(now=NOW) == {"dispatched": 0, "yellow": 0, "red": 0}


def test_visits_confirm_households(city):
    confirmed = Visit.objects.filter(data_confirmed=True)
    assert 0.2 < confirmed.count() / Visit.objects.count() < 0.5
    for household in Household.objects.exclude(last_verified_at=None)[:20]:
        last = confirmed.filter(household=household).order_by("-visited_at").first()
        assert last.visited_at == household.last_verified_at
        assert last.visitor_id == household.last_verified_by_id
        assert all(
            p.last_verified_at == household.last_verified_at
            for p in household.members.filter(status="living")
        )


def test_a_grid_worker_opens_the_home_page_and_the_centre(city, client):
    worker = User.objects.get(username="g000001")
    client.force_login(worker)
    for url in ("/", "/cases/"):
        response = client.get(url)
        assert response.status_code == 200, url


def test_same_seed_same_data_other_seed_other_data(db):
    first, again, other = checksums(1), checksums(1), checksums(2)
    assert first == again
    for table in ("registry_person", "cases_case", "cases_caseevent", "fieldwork_visit", "accounts_user"):
        assert first[table] != other[table], table


def test_refuses_a_database_with_data(city):
    with pytest.raises(CommandError, match="--force"):
        call_command("synth", grids=2, people=5, cases=5, visits=5)
    with pytest.raises(CommandError, match="已有"):
        call_command("synth", grids=2, people=5, cases=5, visits=5, force=True)
