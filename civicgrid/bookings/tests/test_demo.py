"""The demo street shows a few resources and bookings, and loading it again adds nothing."""

import io

import pytest

from civicgrid.bookings import demo
from civicgrid.bookings.models import Booking, OpeningHours, Resource

pytestmark = pytest.mark.django_db


def test_the_demo_is_idempotent(demo_street):
    counts = (Resource.objects.count(), OpeningHours.objects.count(), Booking.objects.count())
    assert counts[0] == 5 and counts[2] == 3
    assert Resource.objects.filter(
        organisation__username="org01", organisation_name="凯旋商贸有限公司"
    ).exists()
    from civicgrid.org.models import OrgUnit

    ctx = {
        "street": OrgUnit.objects.get(code="330102010"),
        "communities": list(OrgUnit.objects.filter(kind="community").order_by("code")),
        "stdout": io.StringIO(),
    }
    demo.load(ctx)
    assert (Resource.objects.count(), OpeningHours.objects.count(), Booking.objects.count()) == counts
