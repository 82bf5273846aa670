"""The demo street has a market to show: shops across the communities and residents' listings, and
loading it again changes nothing."""

import pytest

from civicgrid.market import demo, selectors
from civicgrid.market.choices import ListingStatus
from civicgrid.market.models import Listing, ListingPhoto, ListingReport, Merchant
from civicgrid.org.models import OrgUnit

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    return {
        "merchants": sorted(Merchant.objects.values_list("name", "lat", "lng", "owner_id")),
        "listings": sorted(Listing.objects.values_list("title", "status", "seller_id")),
        "photos": ListingPhoto.objects.count(),
        "reports": ListingReport.objects.count(),
    }


def test_the_demo_market_is_realistic_and_idempotent(demo_street):
    from django.contrib.auth import get_user_model

    first = snapshot()
    assert len(first["merchants"]) == len(demo.MERCHANTS)
    assert {status for _t, status, _s in first["listings"]} >= {"published", "pending", "sold"}
    assert first["reports"] == 1 and first["photos"] == len(demo.LISTINGS)
    ctx = {"communities": list(OrgUnit.objects.filter(kind="community").order_by("code"))}
    demo.load(ctx)
    assert snapshot() == first
    # A resident of the first community finds shops near its centre, and the street's items on offer.
    resident = get_user_model().objects.get(username="resident01")
    origin = selectors.home_origin(resident)
    nearby = selectors.merchants_near(user=resident, lat=origin.lat, lng=origin.lng)
    assert nearby.total >= 2
    assert selectors.published_listings(user=resident).filter(status=ListingStatus.PUBLISHED).count() >= 5
    # org03 (秋涛路便民超市) keeps its own entry.
    assert Merchant.objects.get(name=demo.SHOP_OF_ORG03).owner.username == "org03"
