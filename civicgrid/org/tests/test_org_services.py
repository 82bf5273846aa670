"""The org tree: kinds nest correctly, codes have the national shape, boundaries are valid polygons."""

import pytest
from django.core.exceptions import ValidationError

from civicgrid.org.choices import Role, UnitKind
from civicgrid.org.geo import grid_for_point
from civicgrid.org.models import OrgUnit
from civicgrid.org.services import membership_grant, org_unit_create, org_unit_set_boundary

pytestmark = pytest.mark.django_db


def test_a_grid_code_must_extend_its_community_code(tree):
    with pytest.raises(ValidationError) as error:
        org_unit_create(parent=tree.community_a, kind=UnitKind.GRID, name="错号网格", code="339901001002009")
    assert "编码应以上级单元的编码 339901001001 开头" in str(error.value)
    assert not OrgUnit.objects.filter(name="错号网格").exists()


def test_a_grid_code_has_fifteen_digits(tree):
    with pytest.raises(ValidationError, match="15 位数字"):
        org_unit_create(parent=tree.community_a, kind=UnitKind.GRID, name="短号", code="3399010010010")


def test_kinds_nest_only_where_they_belong(tree):
    with pytest.raises(ValidationError, match="不能设在"):
        org_unit_create(parent=tree.grid_a1, kind=UnitKind.COMMUNITY, name="错层", code="339901001001001001")


def test_a_boundary_must_be_a_valid_polygon(tree):
    with pytest.raises(ValidationError, match="GeoJSON"):
        org_unit_create(
            parent=tree.community_a,
            kind=UnitKind.GRID,
            name="坏边界",
            code="339901001001009",
            boundary={"type": "Point", "coordinates": [120.0, 30.0]},
        )


def test_a_role_only_fits_its_unit_kind(personas, tree):
    with pytest.raises(ValidationError):
        membership_grant(user=personas.grid_worker_a, unit=tree.community_a, role=Role.GRID_WORKER)


def test_a_point_finds_its_grid(tree):
    assert grid_for_point(lat=30.05, lng=120.02) == tree.grid_a1
    assert grid_for_point(lat=30.05, lng=120.07) == tree.grid_a2
    assert grid_for_point(lat=30.05, lng=120.15) == tree.grid_b1
    assert grid_for_point(lat=31.0, lng=121.0) is None


def test_a_new_grid_is_found_after_it_is_added(tree):
    assert grid_for_point(lat=30.05, lng=120.25) is None
    street_c = org_unit_create(
        parent=tree.street, kind=UnitKind.COMMUNITY, name="丙社区", code="339901001003"
    )
    grid = org_unit_create(
        parent=street_c,
        kind=UnitKind.GRID,
        name="丙一网格",
        code="339901001003001",
        boundary={
            "type": "Polygon",
            "coordinates": [[[120.2, 30.0], [120.3, 30.0], [120.3, 30.1], [120.2, 30.0]]],
        },
    )
    assert grid_for_point(lat=30.03, lng=120.28) == grid


@pytest.mark.parametrize("shared_cache", [True, False])
def test_a_changed_boundary_and_a_closed_grid_are_seen_at_once(tree, settings, shared_cache):
    settings.SHARED_CACHE = shared_cache  # the version from the cache, or from the grid rows
    assert grid_for_point(lat=30.05, lng=120.02) == tree.grid_a1
    org_unit_set_boundary(
        unit=tree.grid_a2,
        boundary={
            "type": "Polygon",
            "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1], [120.0, 30.0]]],
        },
    )
    tree.grid_a1.is_active = False
    tree.grid_a1.save()
    assert grid_for_point(lat=30.02, lng=120.08) == tree.grid_a2
