"""Search finds people by name prefix, full ID, last four ID characters, mobile or address — in scope only."""

import pytest
from django.urls import reverse

from civicgrid.core.testing import log_in
from civicgrid.registry.selectors import person_search

from .conftest import LI_NA_PHONE, WANG_FANG_ID, ZHANG_WEI_ID, ZHANG_WEI_PHONE

pytestmark = pytest.mark.django_db


def found(user, query: str, **kwargs) -> list[str]:
    return [p.full_name for p in person_search(user=user, query=query, **kwargs)]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("张", ["张伟", "张小明"]),
        ("张小", ["张小明"]),
        ("李娜", ["李娜"]),
        ("伟", []),
        (ZHANG_WEI_ID, ["张伟"]),
        (f" {ZHANG_WEI_ID[:6]} {ZHANG_WEI_ID[6:]} ", ["张伟"]),
        (ZHANG_WEI_ID[-4:], ["张伟"]),
        (ZHANG_WEI_PHONE, ["张伟"]),
        (LI_NA_PHONE, ["李娜"]),
        ("凯旋路12号1幢1单元301", ["张伟", "张小明", "李娜"]),
        ("凯旋路12号 1幢 1单元 301室", ["张伟", "张小明", "李娜"]),
        ("凯旋路12号1幢1单元302", []),
        ("1幢1单元301", ["张伟", "张小明", "李娜"]),
        ("凯旋路", ["张伟", "张小明", "李娜"]),
    ],
)
def test_community_head_finds_their_people_every_way(personas, registry, query, names):
    assert sorted(found(personas.community_head_a, query)) == sorted(names)


def test_lower_case_x_in_the_last_four_is_found(personas, registry):
    from civicgrid.registry import services

    x_id = "11010519491231002X"
    services.person_update(
        actor=personas.grid_worker_a, person=registry.xiaoming, id_number=x_id, reason="更正身份证号"
    )
    assert found(personas.grid_worker_a, "002x") == ["张小明"]
    assert found(personas.grid_worker_a, x_id.lower()) == ["张小明"]


@pytest.mark.parametrize(
    "query",
    ["王", "王芳", WANG_FANG_ID, WANG_FANG_ID[-4:], "13712340000", "景芳路8号2幢1单元502", "2幢1单元502"],
)
def test_people_outside_the_scope_are_never_found(personas, registry, query):
    assert found(personas.grid_worker_b, query) == ["王芳"]
    for user in (personas.grid_worker_a, personas.community_head_a, personas.assistant_a):
        assert found(user, query) == [], user.username


@pytest.mark.parametrize(
    "query", ["张", ZHANG_WEI_ID, ZHANG_WEI_ID[-4:], ZHANG_WEI_PHONE, "凯旋路12号1幢1单元301"]
)
def test_community_head_b_does_not_find_community_a_people(personas, registry, query):
    assert found(personas.community_head_b, query) == []
    assert found(personas.street_leader, query) != []


def test_grid_filter_narrows_the_search(personas, tree, registry):
    assert found(personas.street_leader, "王", grid_id=tree.grid_b1.pk) == ["王芳"]
    assert found(personas.street_leader, "王", grid_id=tree.grid_a1.pk) == []


def test_empty_query_finds_nobody(personas, registry):
    assert found(personas.community_head_a, "  ") == []


def test_search_page_lists_matches_with_masked_ids_and_links(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    response = client.get(reverse("registry:search"), {"q": ZHANG_WEI_ID[-4:]})
    assert response.status_code == 200
    page = response.content.decode()
    assert reverse("registry:person", args=[registry.zhang_wei.pk]) in page
    assert registry.zhang_wei.id_masked in page
    assert "凯旋路12号1幢1单元301室" in page
    assert "李娜" not in page


def test_search_page_for_someone_outside_the_scope_says_nothing_found(client, personas, tree, registry):
    log_in(client, personas.grid_worker_a)
    response = client.get(reverse("registry:search"), {"q": "王芳", "grid": tree.grid_b1.pk})
    page = response.content.decode()
    assert "没有找到符合条件的人员。" in page
    assert "乙一网格" not in page


def test_htmx_search_answers_with_the_results_only(client, personas, registry):
    log_in(client, personas.grid_worker_a)
    response = client.get(reverse("registry:search"), {"q": "张"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'data-testid="search-results"' in page
    assert "<html" not in page
    assert page.count('class="list-group-item list-group-item-action"') == 2


def test_api_search_is_scoped_and_paginated(client, personas, registry, django_assert_max_num_queries):
    log_in(client, personas.community_head_a)
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/registry/people", {"q": "张", "limit": 1}).json()
    assert body["count"] == 2
    assert [p["full_name"] for p in body["items"]] == ["张伟"]
    assert client.get("/api/v1/registry/people", {"q": "王芳"}).json() == {"items": [], "count": 0}


@pytest.mark.parametrize("query", ["138-1234-5678", "+86 138 1234 5678"])
def test_mobile_typed_with_dashes_or_country_code_is_found(personas, registry, query):
    assert found(personas.grid_worker_a, query) == ["张伟"]
