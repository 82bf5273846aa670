"""接口密钥: a platform admin makes a key for a departmental system (shown once, stored hashed,
audited); the key calls the API scoped like a person of its role and unit, is throttled per minute,
and stops working the moment it is revoked."""

import re

import pytest
import time_machine
from django.test import Client

from civicgrid.audit.models import AuditEvent
from civicgrid.core.testing import log_in
from civicgrid.integrations import services
from civicgrid.integrations.models import ApiKey

pytestmark = pytest.mark.django_db


def api(key: str, path: str = "/api/v1/org/units"):
    return Client().get(path, HTTP_X_API_KEY=key)


def make_key(personas, unit, role="grid_worker", rate=120):
    return services.api_key_create(
        actor=personas.platform_admin, name="城管执法系统", unit=unit, role=role, rate_per_minute=rate
    )


def test_an_admin_makes_a_key_that_is_shown_once_and_kept_only_as_a_hash(client, personas, tree):
    log_in(client, personas.platform_admin)
    page = client.get("/integrations/keys/")
    assert page.status_code == 200 and "接口密钥" in page.content.decode()
    made = client.post(
        "/integrations/keys/",
        {"name": "城管执法系统", "unit": tree.grid_a1.pk, "role": "grid_worker", "rate_per_minute": 60},
    )
    assert made.status_code == 201 and made["Cache-Control"].startswith("max-age=0")
    full = re.search(r"cg_[0-9a-f]{8}_[\w-]{43}", made.content.decode()).group()
    key = ApiKey.objects.get()
    assert full.split("_", 2)[2] not in (key.secret_hash, key.prefix)
    assert full not in client.get("/integrations/keys/").content.decode()  # never shown again
    assert AuditEvent.objects.filter(action="create", object_type="integrations.apikey").exists()
    assert api(full, "/api/v1/me").json()["memberships"][0]["role"] == "grid_worker"


def test_a_key_sees_what_its_role_and_unit_see_and_nothing_else(personas, tree):
    _, community_a = make_key(personas, tree.community_a, role="supervisor")
    units = {u["name"] for u in api(community_a).json()["items"]}
    assert tree.community_a.name in units and tree.grid_a1.name in units
    assert tree.community_b.name not in units and tree.grid_b1.name not in units
    assert api(community_a, f"/api/v1/org/units/{tree.grid_b1.pk}").status_code == 404


@pytest.mark.parametrize(
    "key", ["", "cg_nothing", "cg_0000000a_wrongwrongwrongwrongwrongwrongwrongwrongwro", "Bearer x"]
)
def test_unknown_or_malformed_keys_get_401_with_a_code(personas, tree, key):
    make_key(personas, tree.grid_a1)
    answer = api(key)
    assert answer.status_code == 401 and answer.json()["code"] == "not_authenticated"


def test_a_revoked_key_stops_at_once_and_its_account_is_closed(client, personas, tree):
    key, full = make_key(personas, tree.grid_a1)
    assert api(full).status_code == 200
    log_in(client, personas.platform_admin)
    answer = client.post(f"/integrations/keys/{key.pk}/revoke/")
    assert answer.status_code == 302
    assert api(full).status_code == 401
    key.refresh_from_db()
    assert key.revoked_at is not None and not key.account.is_active
    assert AuditEvent.objects.filter(action="state_change", object_type="integrations.apikey").exists()
    again = client.post(f"/integrations/keys/{key.pk}/revoke/", follow=True)
    assert "该密钥已吊销" in again.content.decode()


def test_a_key_past_its_rate_gets_429_until_the_next_minute(personas, tree):
    _, full = make_key(personas, tree.grid_a1, rate=3)
    with time_machine.travel("2026-11-28 10:00:05 +0800", tick=False) as clock:
        assert [api(full).status_code for _ in range(3)] == [200, 200, 200]
        refused = api(full)
        assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
        assert "每分钟最多 3 次" in refused.json()["message"]
        clock.shift(60)
        assert api(full).status_code == 200


def test_last_use_is_stamped_at_most_once_a_minute(personas, tree):
    key, full = make_key(personas, tree.grid_a1)
    with time_machine.travel("2026-11-28 10:00:00 +0800", tick=False) as clock:
        api(full)
        key.refresh_from_db()
        first = key.last_used_at
        assert first is not None
        clock.shift(30)
        api(full)
        key.refresh_from_db()
        assert key.last_used_at == first
        clock.shift(40)
        api(full)
        key.refresh_from_db()
        assert key.last_used_at > first


def test_roles_that_reveal_personal_data_cannot_have_keys_and_only_admins_make_them(client, personas, tree):
    log_in(client, personas.platform_admin)
    refused = client.post(
        "/integrations/keys/",
        {"name": "x", "unit": tree.community_a.pk, "role": "community_head", "rate_per_minute": 60},
    )
    assert refused.status_code == 422 and not ApiKey.objects.exists()
    blank = client.post(
        "/integrations/keys/",
        {"name": "", "unit": tree.grid_a1.pk, "role": "grid_worker", "rate_per_minute": 60},
    )
    assert blank.status_code == 422 and "请填写密钥名称" in blank.content.decode()
    for persona in ("community_head_a", "street_leader", "grid_worker_a"):
        other = Client()
        log_in(other, getattr(personas, persona))
        assert other.get("/integrations/keys/").status_code == 403
        assert other.post("/integrations/keys/", {"name": "x"}).status_code == 403
    with pytest.raises(services.Forbidden):
        services.api_key_create(actor=personas.street_leader, name="x", unit=tree.grid_a1, role="grid_worker")


def test_a_key_is_made_only_for_a_unit_in_the_admins_places(personas, tree):
    """An admin of another street cannot hand out a key acting in this street's grid."""
    from django.core.exceptions import ValidationError

    from civicgrid.core.testing import make_user
    from civicgrid.org.choices import Role, UnitKind
    from civicgrid.org.services import org_unit_create

    other = org_unit_create(parent=tree.district, kind=UnitKind.STREET, name="乙街道", code="339901002")
    admin_b = make_user("admin_b", unit=other, role=Role.PLATFORM_ADMIN)
    with pytest.raises(ValidationError) as refused:
        services.api_key_create(actor=admin_b, name="x", unit=tree.grid_a1, role="grid_worker")
    assert "只能为您管理范围内的单元生成密钥" in str(refused.value)
    assert not ApiKey.objects.exists()
