"""Test personas and helpers shared by every app's tests (registered in the root conftest.py).

A small tree is built per test: street → communities A and B → grids A1, A2 and B1, plus a
department and an agency, with one persona per role (STYLE.md: owner, teammate, outsider).
"""

import io
import json
import os
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.management import call_command
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

PASSWORD = "Test-Password-2026"  # nosec B105


def record_figure(check: str, **counts: int) -> None:
    """Add counts to a figure of scripts/security-figures (a no-op unless SECURITY_FIGURES_DIR is set).
    One JSON line per call, appended: tests running in parallel add up."""
    folder = os.environ.get("SECURITY_FIGURES_DIR")
    if folder:
        with open(os.path.join(folder, "figures.jsonl"), "a", encoding="utf-8") as out:
            out.write(json.dumps({"check": check, **counts}) + "\n")


@dataclass
class Tree:
    city: object
    district: object
    street: object
    community_a: object
    community_b: object
    grid_a1: object
    grid_a2: object
    grid_b1: object
    department: object
    agency: object


def _rect(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: what one test cached never answers another."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def tree(db) -> Tree:
    return build_tree()


def build_tree(*, department: str = "城管科") -> Tree:
    """City → district → street → communities A and B → grids A1, A2, B1, a department, an agency."""
    from civicgrid.org.choices import UnitKind as K
    from civicgrid.org.services import org_unit_create as add

    city = add(parent=None, kind=K.CITY, name="测试市", code="339900")
    district = add(parent=city, kind=K.DISTRICT, name="测试区", code="339901")
    street = add(
        parent=district,
        kind=K.STREET,
        name="测试街道",
        code="339901001",
        boundary=_rect(120.0, 30.0, 120.2, 30.1),
    )
    community_a = add(
        parent=street,
        kind=K.COMMUNITY,
        name="甲社区",
        code="339901001001",
        boundary=_rect(120.0, 30.0, 120.1, 30.1),
    )
    community_b = add(
        parent=street,
        kind=K.COMMUNITY,
        name="乙社区",
        code="339901001002",
        boundary=_rect(120.1, 30.0, 120.2, 30.1),
    )
    return Tree(
        city=city,
        district=district,
        street=street,
        community_a=community_a,
        community_b=community_b,
        grid_a1=add(
            parent=community_a,
            kind=K.GRID,
            name="甲一网格",
            code="339901001001001",
            boundary=_rect(120.0, 30.0, 120.05, 30.1),
        ),
        grid_a2=add(
            parent=community_a,
            kind=K.GRID,
            name="甲二网格",
            code="339901001001002",
            boundary=_rect(120.05, 30.0, 120.1, 30.1),
        ),
        grid_b1=add(
            parent=community_b,
            kind=K.GRID,
            name="乙一网格",
            code="339901001002001",
            boundary=_rect(120.1, 30.0, 120.2, 30.1),
        ),
        department=add(parent=street, kind=K.DEPARTMENT, name=department, code="339901001D01"),
        agency=add(parent=street, kind=K.AGENCY, name="派出所", code="339901001A01"),
    )


def make_user(
    username: str, *, unit=None, role: str | None = None, kind: str = "staff", phone: str = "", **extra
):
    from civicgrid.accounts.services import user_create
    from civicgrid.org.services import membership_grant

    user = user_create(
        username=username, full_name=extra.pop("full_name", username), kind=kind, phone=phone, **extra
    )
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    if unit is not None and role is not None:
        membership_grant(user=user, unit=unit, role=role)
    return user


@dataclass
class Personas:
    grid_worker_a: object
    grid_worker_b: object
    assistant_a: object
    community_head_a: object
    community_head_b: object
    department_staff: object
    agency_staff: object
    dispatcher: object
    supervisor: object
    street_leader: object
    platform_admin: object
    volunteer: object
    resident: object


@pytest.fixture
def personas(tree) -> Personas:
    return build_personas(tree)


def build_personas(tree: Tree) -> Personas:
    """One account per role, in the places of `tree`."""
    from civicgrid.org.choices import Role as R

    return Personas(
        grid_worker_a=make_user("worker_a", unit=tree.grid_a1, role=R.GRID_WORKER, full_name="甲网格员"),
        grid_worker_b=make_user("worker_b", unit=tree.grid_b1, role=R.GRID_WORKER, full_name="乙网格员"),
        assistant_a=make_user("assistant_a", unit=tree.grid_a1, role=R.GRID_ASSISTANT),
        community_head_a=make_user(
            "head_a", unit=tree.community_a, role=R.COMMUNITY_HEAD, full_name="甲社区书记"
        ),
        community_head_b=make_user("head_b", unit=tree.community_b, role=R.COMMUNITY_HEAD),
        department_staff=make_user("dept", unit=tree.department, role=R.DEPARTMENT_STAFF),
        agency_staff=make_user("police", unit=tree.agency, role=R.AGENCY_STAFF),
        dispatcher=make_user("dispatcher", unit=tree.street, role=R.DISPATCHER),
        supervisor=make_user("supervisor", unit=tree.street, role=R.SUPERVISOR),
        street_leader=make_user("leader", unit=tree.street, role=R.STREET_LEADER),
        platform_admin=make_user("admin", unit=tree.street, role=R.PLATFORM_ADMIN, is_staff=True),
        volunteer=make_user(
            "volunteer", unit=tree.community_a, role=R.VOLUNTEER, kind="resident", phone="13900000001"
        ),
        resident=make_user(
            "resident", unit=tree.community_a, role=R.RESIDENT, kind="resident", phone="13800000001"
        ),
    )


def totp_device(user) -> TOTPDevice:
    device, _ = TOTPDevice.objects.get_or_create(
        user=user,
        confirmed=True,
        defaults={"name": "测试验证器", "key": "3132333435363738393031323334353637383930"},
    )
    return device


def log_in(client, user) -> None:
    """Sign the test client in as `user`, past the second factor when the role needs one."""
    from civicgrid.accounts.selectors import requires_second_factor

    # A fresh session, as a real log-in after a while makes: the old one may still answer from a
    # cache whose entries expire by the wall clock (Redis) while the test has travelled past them.
    client.cookies.pop(settings.SESSION_COOKIE_NAME, None)
    client.force_login(user)
    if requires_second_factor(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
        session.save()


@pytest.fixture
def demo_street(db):
    """The demo street's tree and accounts, without the registry's households (those take ~10 s)."""
    call_command("demo", quiet_logins=True, scale=0, stdout=io.StringIO())
