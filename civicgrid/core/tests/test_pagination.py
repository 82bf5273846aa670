"""Pages that are never counted: one row more than shown tells whether there is a next page; page
numbers stop at the cap, where "more" asks for a filter instead."""

import pytest
from django.http import QueryDict

from civicgrid.core.pagination import PeekPage
from civicgrid.org.models import OrgUnit

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(tree):
    units = OrgUnit.objects.order_by("path")
    assert units.count() >= 5
    return units


def test_the_first_page_shows_its_rows_and_knows_there_is_a_next_one(units):
    page = PeekPage(units, None, 2)
    assert list(page) == list(units[:2])
    assert (page.number, page.has_previous, page.has_next, page.more) == (1, False, True, False)


def test_the_last_page_has_no_next_one(units):
    total = units.count()
    last = (total + 1) // 2
    page = PeekPage(units, last, 2)
    assert list(page) == list(units[(last - 1) * 2 :])
    assert page.has_previous and not page.has_next and not page.more


def test_page_numbers_stop_at_the_cap_and_say_there_is_more(units):
    page = PeekPage(units, 99, 2, cap=4)
    assert page.number == 2
    assert list(page) == list(units[2:4])
    assert not page.has_next and page.more and page.has_other_pages


@pytest.mark.parametrize("number", ["", "x", "-3", "0", None])
def test_a_page_number_that_is_not_one_gives_the_first_page(units, number):
    assert PeekPage(units, number, 2).number == 1


def test_page_links_keep_the_other_parameters(units):
    page = PeekPage(units, 1, 2, params=QueryDict("tab=open&channel=visit&page=1"))
    assert page.query(2) == "tab=open&channel=visit&page=2"
