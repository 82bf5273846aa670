"""The demo street: Kaixuan-like, deterministic, idempotent, and scoped per role as expected."""

import io

import pytest
from django.core.management import call_command
from shapely.geometry import shape

from civicgrid.accounts.models import User
from civicgrid.org import selectors
from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.models import Membership, OrgUnit
from civicgrid.registry import models as registry

pytestmark = pytest.mark.django_db
REGISTRY_MODELS = [
    registry.Building,
    registry.Room,
    registry.Household,
    registry.Person,
    registry.Organisation,
    registry.Vehicle,
    registry.GroupMembership,
    registry.ServiceGroup,
    registry.ImportSource,
]


def counts() -> dict:
    return {
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "names": sorted(User.objects.values_list("username", "full_name")),
        "codes": sorted(OrgUnit.objects.values_list("code", "path")),
        "registry": {model._meta.model_name: model.objects.count() for model in REGISTRY_MODELS},
    }


def test_loading_twice_changes_nothing(db):
    call_command("demo", quiet_logins=True, stdout=io.StringIO())
    first = counts()
    assert first["registry"]["person"] > 5000
    call_command("demo", quiet_logins=True, stdout=io.StringIO())
    assert counts() == first


def test_demo_has_the_shape_of_kaixuan(demo_street):
    kinds = {kind: OrgUnit.objects.filter(kind=kind).count() for kind in UnitKind.values}
    assert kinds[UnitKind.STREET] == 1
    assert kinds[UnitKind.COMMUNITY] == 14
    assert kinds[UnitKind.GRID] == 169
    assert kinds[UnitKind.DEPARTMENT] >= 6
    assert kinds[UnitKind.AGENCY] >= 2
    assert Membership.objects.filter(role=Role.GRID_WORKER).values("user").distinct().count() == 169
    for role in Role.values:
        assert Membership.objects.filter(role=role).exists(), role
    assert "综治办" in set(OrgUnit.objects.filter(kind=UnitKind.DEPARTMENT).values_list("name", flat=True))


def test_grid_codes_follow_the_national_shape(demo_street):
    for grid in OrgUnit.objects.filter(kind=UnitKind.GRID):
        parent = OrgUnit.objects.get(path=grid.path[: -OrgUnit.steplen])
        assert len(grid.code) == 15 and grid.code.isdigit()
        assert grid.code.startswith(parent.code)


def test_grids_tile_each_community_without_overlap(demo_street):
    for community in OrgUnit.objects.filter(kind=UnitKind.COMMUNITY):
        area = shape(community.boundary)
        grids = [
            shape(g.boundary)
            for g in OrgUnit.objects.filter(kind=UnitKind.GRID, path__startswith=community.path)
        ]
        assert abs(sum(g.area for g in grids) - area.area) < 1e-9
        for i, a in enumerate(grids):
            assert a.within(area.buffer(1e-9))
            for b in grids[i + 1 :]:
                assert a.intersection(b).area < 1e-12


def test_scoping_matrix_of_the_demo_roles(demo_street):
    """For each demo role, the units visible are exactly the expected ones."""
    street = OrgUnit.objects.get(kind=UnitKind.STREET)
    everything = set(OrgUnit.objects.filter(path__startswith=street.path).values_list("pk", flat=True))
    community = OrgUnit.objects.get(code="330102010001")
    community_units = set(
        OrgUnit.objects.filter(path__startswith=community.path).values_list("pk", flat=True)
    )
    grid = OrgUnit.objects.get(code="330102010001001")
    police = OrgUnit.objects.get(name="凯旋派出所")
    department = OrgUnit.objects.get(name="城管科")

    def visible(username: str) -> set[int]:
        return set(
            selectors.units_visible_to(User.objects.get(username=username)).values_list("pk", flat=True)
        )

    expected = {
        "admin": everything,
        "leader01": everything,
        "dispatcher01": everything,
        "supervisor01": everything,
        "supervisor03": community_units,
        "head01": community_units,
        "grid001": {grid.pk},
        "assist001": {grid.pk, OrgUnit.objects.get(code="330102010001002").pk},
        "cgk01": {department.pk},
        "police01": {police.pk},
        "volunteer01": set(),
        "resident01": set(),
        "org01": set(),
    }
    for username, units in expected.items():
        assert visible(username) == units, username
    # neighbours: grid002's worker never sees grid001, head02 never sees community 1
    assert grid.pk not in visible("grid002")
    assert not visible("head02") & community_units


def test_demo_command_refuses_production(settings):
    from django.core.management.base import CommandError

    settings.DEMO_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("demo", stdout=io.StringIO())


def test_if_empty_skips_a_database_that_has_data_and_still_prints_logins(demo_street):
    out = io.StringIO()
    call_command("demo", if_empty=True, stdout=out)
    assert "跳过" in out.getvalue()
    assert "Kaixuan@2026" in out.getvalue()


def test_totp_code_command_prints_a_code_the_device_accepts(demo_street):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    out = io.StringIO()
    call_command("totp_code", "admin", stdout=out, stderr=io.StringIO())
    code = out.getvalue().strip()
    assert len(code) == 6
    assert TOTPDevice.objects.get(user__username="admin").verify_token(code)
