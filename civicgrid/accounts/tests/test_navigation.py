"""The staff menu: items a role may not use are absent; the portal's staff pages share one drop-down."""

import pytest
from django.conf import settings

from civicgrid.accounts.navigation import PORTAL_GROUP, staff_nav
from civicgrid.core.testing import log_in
from civicgrid.org.choices import Role
from civicgrid.org.services import membership_grant

pytestmark = pytest.mark.django_db


def labels(entries) -> list[str]:
    return [str(e["label"]) for e in entries]


def test_the_portal_pages_of_a_community_head_are_one_drop_down(personas):
    nav = staff_nav(personas.community_head_a, "/portal/staff/verifications/")
    groups = [e for e in nav if e.get("children")]
    assert labels(groups) == [str(PORTAL_GROUP)]
    portal = groups[0]
    assert portal["active"]
    assert {"实名认证审核", "发布新闻", "投票与调研", "社会组织"} <= set(labels(portal["children"]))
    assert "实名认证审核" not in labels(nav)  # not also at the top level
    assert "问题中心" in labels(nav)


def test_a_role_sees_only_what_it_may_use(personas):
    nav = staff_nav(personas.agency_staff, "/")
    flat = labels(nav) + [str(c["label"]) for e in nav for c in e.get("children", ())]
    assert "实名认证审核" not in flat and "审计日志" not in flat


def test_the_menu_renders_the_drop_down(client, personas):
    log_in(client, personas.community_head_a)
    html = client.get("/").content.decode()
    assert 'class="nav-link dropdown-toggle' in html and "淘社区" in html


def test_the_menu_follows_the_page_the_language_and_a_new_role_at_once(client, personas, tree):
    worker = personas.grid_worker_a
    log_in(client, worker)
    home = client.get("/").content.decode()
    assert '<a class="nav-link active" href="/" aria-current="page">' in home
    centre = client.get("/cases/").content.decode()
    assert '<a class="nav-link active" href="/cases/" aria-current="page">' in centre
    assert "/cases/warnings/" not in centre
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Home" in client.get("/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    membership_grant(user=worker, unit=tree.department, role=Role.DEPARTMENT_STAFF)
    assert "/cases/warnings/" in client.get("/").content.decode()
