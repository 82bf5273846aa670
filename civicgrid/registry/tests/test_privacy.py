"""Privacy: clear ID numbers and phones never leave the server, except one audited reveal to a role
allowed to see them; the database holds them only encrypted."""

import io

import openpyxl
import pytest
from django.db import connection
from django.urls import reverse

from civicgrid.audit.models import AuditEvent
from civicgrid.core.testing import log_in
from civicgrid.org.selectors import user_can
from civicgrid.registry.choices import ImportSourceKind
from civicgrid.registry.models import Conflict, ImportBatch, ImportSource

from .conftest import CLEAR_ID_NUMBERS, CLEAR_PHONES, LI_NA_ID, ZHANG_WEI_ID, ZHANG_WEI_PHONE

pytestmark = pytest.mark.django_db

ROLES = ("grid_worker_a", "assistant_a", "community_head_a", "supervisor", "street_leader", "platform_admin")
SOURCE_PHONE = "13800000000"


@pytest.fixture
def open_conflict(personas, registry):
    source = ImportSource.objects.create(name="公安人口库", kind=ImportSourceKind.PUBLIC_SECURITY)
    batch = ImportBatch.objects.create(
        source=source, file_name="people.csv", created_by=personas.platform_admin
    )
    return Conflict.objects.create(
        batch=batch,
        person=registry.zhang_wei,
        grid=registry.zhang_wei.grid,
        field="phone",
        registry_value=ZHANG_WEI_PHONE,
        source_value=SOURCE_PHONE,
    )


def responses(client, user, tree, registry) -> dict[str, bytes]:
    """Everything the registry shows `user`, page by page and call by call."""
    log_in(client, user)
    r = registry
    pages = {
        "home": reverse("registry:home"),
        "grid": reverse("registry:grid", args=[tree.grid_a1.pk]),
        "grid_b": reverse("registry:grid", args=[tree.grid_b1.pk]),
        "building": reverse("registry:building", args=[r.building_a.pk]),
        "household": reverse("registry:household", args=[r.household_a.pk]),
        "household_b": reverse("registry:household", args=[r.household_b.pk]),
        "history": reverse("registry:household_history", args=[r.household_a.pk]),
        "history_b": reverse("registry:household_history", args=[r.household_b.pk]),
        "coverage": reverse("registry:coverage"),
        "conflicts": reverse("registry:conflicts"),
        "search_last4": reverse("registry:search") + f"?q={ZHANG_WEI_ID[-4:]}",
        "search_name": reverse("registry:search") + "?q=张",
        "search_address": reverse("registry:search") + "?q=凯旋路12号1幢1单元301",
        "api_household": f"/api/v1/registry/households/{r.household_a.pk}",
        "api_household_b": f"/api/v1/registry/households/{r.household_b.pk}",
        "api_search_name": "/api/v1/registry/people?q=张",
        "api_search_id": f"/api/v1/registry/people?q={ZHANG_WEI_ID}",
        "api_search_phone": f"/api/v1/registry/people?q={ZHANG_WEI_PHONE}",
        "api_search_last4": f"/api/v1/registry/people?q={LI_NA_ID[-4:]}",
    }
    for person in (r.zhang_wei, r.li_na, r.xiaoming, r.wang_fang):
        pages[f"person_{person.pk}"] = reverse("registry:person", args=[person.pk])
        pages[f"api_person_{person.pk}"] = f"/api/v1/registry/people/{person.pk}"
    seen = {name: client.get(path).content for name, path in pages.items()}
    # Searching by a full number answers with the results alone (htmx), so the typed query is not echoed.
    for name, query in (("search_id", ZHANG_WEI_ID), ("search_phone", ZHANG_WEI_PHONE)):
        seen[name] = client.get(reverse("registry:search"), {"q": query}, HTTP_HX_REQUEST="true").content
    for grid in (tree.grid_a1, tree.grid_b1):
        export = client.post(reverse("registry:export", args=[grid.pk]), {"reason": "季度人口核查"})
        seen[f"export_{grid.code}"] = export.content
        if export.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
            book = openpyxl.load_workbook(io.BytesIO(export.content), read_only=True)
            cells = [str(c) for row in book.active.iter_rows(values_only=True) for c in row if c is not None]
            seen[f"export_{grid.code}_cells"] = "\n".join(cells).encode()
    return seen


@pytest.mark.parametrize("role", ROLES)
def test_no_page_or_api_shows_a_clear_id_number_or_phone(
    client, personas, tree, registry, open_conflict, role
):
    user = getattr(personas, role)
    seen = responses(client, user, tree, registry)
    assert len(seen) > 30
    for name, content in seen.items():
        text = content.decode("utf-8", errors="replace")
        for clear in (*CLEAR_ID_NUMBERS, *CLEAR_PHONES, SOURCE_PHONE):
            assert clear not in text, f"{role} sees {clear} in {name}"
    if user_can(user, "registry.export"):
        cells = seen[f"export_{tree.grid_a1.code}_cells"].decode()
        assert registry.zhang_wei.id_masked in cells
        assert "138****5678" in cells
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_masked_values_are_what_the_pages_show(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    page = client.get(reverse("registry:person", args=[registry.zhang_wei.pk])).content.decode()
    assert f'<span data-testid="id-masked">{ZHANG_WEI_ID[:4]}**********{ZHANG_WEI_ID[-4:]}</span>' in page
    assert "138****5678" in page
    assert "1980-01-15" in page
    assert 'data-testid="reveal"' not in page


def test_conflict_queue_shows_both_phones_masked(client, personas, registry, open_conflict):
    log_in(client, personas.community_head_a)
    page = client.get(reverse("registry:conflicts")).content.decode()
    assert "138****5678" in page
    assert "138****0000" in page
    assert "联系电话" in page


def test_community_head_reveals_the_full_number_once_and_it_is_audited(client, personas, registry):
    log_in(client, personas.community_head_a)
    page = client.get(reverse("registry:person", args=[registry.zhang_wei.pk])).content.decode()
    assert 'data-testid="reveal"' in page
    response = client.post(reverse("registry:person_reveal", args=[registry.zhang_wei.pk]))
    assert response.status_code == 200
    assert f'<span data-testid="id-full">{ZHANG_WEI_ID}</span>' in response.content.decode()
    event = AuditEvent.objects.get(action="reveal")
    assert (event.actor, event.object_type, event.object_id) == (
        personas.community_head_a,
        "registry.person",
        str(registry.zhang_wei.pk),
    )
    assert event.details == {"field": "id_number"}
    assert ZHANG_WEI_ID not in str(event.details) + event.object_repr


def test_api_reveal_answers_the_number_and_writes_one_audit_row(client, personas, registry):
    log_in(client, personas.community_head_a)
    response = client.post(f"/api/v1/registry/people/{registry.li_na.pk}/reveal")
    assert response.status_code == 200
    assert response.json() == {"id_number": LI_NA_ID}
    assert AuditEvent.objects.filter(action="reveal", object_id=str(registry.li_na.pk)).count() == 1
    assert AuditEvent.objects.filter(action="reveal").count() == 1


@pytest.mark.parametrize("role", ["grid_worker_a", "assistant_a", "street_leader", "supervisor"])
def test_roles_without_reveal_get_403_and_no_audit_row(client, personas, registry, role):
    log_in(client, getattr(personas, role))
    page = client.post(reverse("registry:person_reveal", args=[registry.zhang_wei.pk]))
    api = client.post(f"/api/v1/registry/people/{registry.zhang_wei.pk}/reveal")
    assert page.status_code == api.status_code == 403
    assert ZHANG_WEI_ID not in page.content.decode() + api.content.decode()
    assert not AuditEvent.objects.filter(action="reveal").exists()


def test_reveal_by_get_is_not_allowed(client, personas, registry):
    log_in(client, personas.community_head_a)
    assert client.get(reverse("registry:person_reveal", args=[registry.zhang_wei.pk])).status_code == 405
    assert not AuditEvent.objects.filter(action="reveal").exists()


def _column_values(table: str, *columns: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")
        return [str(value) for row in cursor.fetchall() for value in row if value]


def test_database_holds_id_numbers_and_phones_only_encrypted(registry, open_conflict):
    stored = {
        "registry_person": _column_values(
            "registry_person", "id_number", "phone", "id_masked", "phone_masked"
        ),
        "registry_historicalperson": _column_values("registry_historicalperson", "id_number", "phone"),
        "registry_conflict": _column_values("registry_conflict", "registry_value", "source_value"),
        "registry_organisation": _column_values("registry_organisation", "contact_phone"),
    }
    assert len(stored["registry_person"]) >= 4 * 2
    for table, values in stored.items():
        for clear in (*CLEAR_ID_NUMBERS, *CLEAR_PHONES, SOURCE_PHONE):
            assert not any(clear in value for value in values), f"{clear} in {table}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM registry_person WHERE id_number LIKE %s", [f"%{ZHANG_WEI_ID}%"])
        assert cursor.fetchone()[0] == 0
    # The application still reads the clear value back.
    registry.zhang_wei.refresh_from_db()
    assert registry.zhang_wei.id_number == ZHANG_WEI_ID
