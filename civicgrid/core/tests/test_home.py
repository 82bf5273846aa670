"""The home page shows the user's place in the tree and only what that place allows."""

import pytest

from civicgrid.core.testing import log_in

pytestmark = pytest.mark.django_db


def test_grid_worker_home_shows_their_place_and_nothing_beyond(client, personas):
    log_in(client, personas.grid_worker_a)
    page = client.get("/").content.decode()
    assert "您好，甲网格员" in page
    for name in ("测试街道", "甲社区", "甲一网格", "网格责任社工"):
        assert name in page
    assert "乙社区" not in page
    assert "甲二网格" not in page
    assert "审计日志" not in page  # not in the menu of this role


def test_community_head_home_lists_the_grids_of_the_community(client, personas):
    log_in(client, personas.community_head_a)
    page = client.get("/").content.decode()
    assert "甲一网格" in page and "甲二网格" in page
    assert "乙一网格" not in page


def test_admin_home_shows_worker_status_and_audit_menu(client, personas):
    log_in(client, personas.platform_admin)
    page = client.get("/").content.decode()
    assert "审计日志" in page
    assert "任务进程未运行" in page  # no heartbeat yet
    from civicgrid.core.tasks import worker_heartbeat

    worker_heartbeat.call_local()
    assert "任务进程运行中" in client.get("/").content.decode()


def test_the_page_is_chinese_by_default(client, personas):
    log_in(client, personas.grid_worker_a)
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_language_switch_sets_english_and_back(client, personas):
    log_in(client, personas.grid_worker_a)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert '<html lang="zh-hans">' in client.get("/").content.decode()


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, personas):
    log_in(client, personas.grid_worker_a)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "<script>" not in response.content.decode()


def test_scope_summary_counts_every_unit_of_each_kind(client, personas):
    log_in(client, personas.community_head_a)
    response = client.get("/")
    assert {str(label): n for label, n in response.context["scope_counts"]} == {"社区": 1, "网格": 2}


def test_an_english_browser_still_gets_chinese_until_the_user_switches(client, personas):
    log_in(client, personas.grid_worker_a)
    assert '<html lang="zh-hans">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
