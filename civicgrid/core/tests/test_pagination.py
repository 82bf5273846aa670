"""The capped paginator: exact below the cap, "more" above it, never past the cap."""

import pytest

from civicgrid.core.pagination import CappedPaginator
from civicgrid.org.models import OrgUnit

pytestmark = pytest.mark.django_db


def test_below_the_cap_the_count_is_exact(tree):
    units = OrgUnit.objects.order_by("path")
    paginator = CappedPaginator(units, 2, cap=1000)
    assert paginator.count == units.count() and not paginator.more


def test_above_the_cap_it_counts_to_the_cap_and_says_there_is_more(tree):
    units = OrgUnit.objects.order_by("path")
    assert units.count() > 3
    paginator = CappedPaginator(units, 2, cap=3)
    assert (paginator.count, paginator.num_pages, paginator.more) == (3, 2, True)
    last = paginator.get_page(99)
    assert last.number == 2 and not last.has_next()
