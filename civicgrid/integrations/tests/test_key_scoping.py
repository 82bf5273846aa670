"""An API key answers like a person of its role in its unit: for every list operation of the API, a
key made for a persona's role and place gets the same status and the same rows as that persona's
signed-in session (the matrix of roles × operations, checked for keys)."""

import re

import pytest
from django.test import Client

from civicgrid.api import api
from civicgrid.cases.models import Case
from civicgrid.cases.services import case_report
from civicgrid.cases.tests.conftest import A1_POINT
from civicgrid.core.testing import log_in
from civicgrid.integrations.services import KEY_ROLES, api_key_create
from civicgrid.org.selectors import memberships_of

pytestmark = pytest.mark.django_db

SCHEMA = api.get_openapi_schema()
LISTS = sorted(
    path
    for path, operations in SCHEMA["paths"].items()
    if "get" in operations and "{" not in path and not path.endswith(("/me", "/docs"))
)
# Fields that name the caller rather than the data (the key's service account is another account).
PERSONAL = re.compile(r'"(mine|my_[a-z_]+|is_mine|voted|responded|joined|signed_up)": [^,}\]]+')


@pytest.mark.parametrize(
    "persona",
    [
        "grid_worker_a",
        "assistant_a",
        "supervisor",
        "dispatcher",
        "department_staff",
        "agency_staff",
        "street_leader",
    ],
)
def test_a_key_sees_every_list_as_the_persona_of_its_role_and_place(client, personas, flow, persona):
    numbers = []
    for worker, point in ((personas.grid_worker_a, A1_POINT), (personas.grid_worker_b, (30.05, 120.15))):
        for category in (flow.ordinary, flow.rewarded):
            case = case_report(
                actor=worker,
                channel="patrol",
                category=category,
                description="楼道堆物",
                lat=point[0],
                lng=point[1],
            )
            numbers.append(Case.objects.values_list("number", flat=True).get(pk=case.pk))
    person = getattr(personas, persona)
    membership = memberships_of(person)[0]
    assert membership.role in KEY_ROLES
    _, key = api_key_create(
        actor=personas.platform_admin,
        name=persona,
        unit=membership.unit,
        role=membership.role,
        rate_per_minute=6000,
    )
    log_in(client, person)
    machine = Client()
    differences, with_cases = [], 0
    for path in LISTS:
        by_person = client.get(path)
        by_key = machine.get(path, HTTP_X_API_KEY=key)
        with_cases += any(number in by_key.content.decode() for number in numbers)
        same_body = PERSONAL.sub("", by_person.content.decode()) == PERSONAL.sub("", by_key.content.decode())
        if by_person.status_code != by_key.status_code or not same_body:
            differences.append(f"{path}: {by_person.status_code} vs {by_key.status_code}")
    assert not differences, differences
    if persona in ("grid_worker_a", "dispatcher", "street_leader"):
        assert with_cases, "the cases these roles see should be in some list"
    assert len(LISTS) > 10
