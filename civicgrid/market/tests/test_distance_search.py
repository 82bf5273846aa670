"""The business circle's distance search gives exactly what a brute-force haversine over every
merchant gives: the same merchants within the radius, nearest first."""

import math

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civicgrid.core import clock
from civicgrid.market import selectors
from civicgrid.market.choices import MerchantCategory, MerchantStatus
from civicgrid.market.geo import bounding_box, format_distance, haversine_m
from civicgrid.market.models import Merchant

from .conftest import HANGZHOU

pytestmark = pytest.mark.django_db

# A box of about 5 × 5 km around Hangzhou (30.29 N 120.17 E).
HALF_LAT = 2500 / 111_195
HALF_LNG = HALF_LAT / math.cos(math.radians(HANGZHOU[0]))
LATS = st.floats(HANGZHOU[0] - HALF_LAT, HANGZHOU[0] + HALF_LAT, allow_nan=False)
LNGS = st.floats(HANGZHOU[1] - HALF_LNG, HANGZHOU[1] + HALF_LNG, allow_nan=False)
CATEGORIES = st.sampled_from(MerchantCategory.values)
# Most merchants are published and open; some wait for moderation or have closed (never found).
STATES = st.sampled_from([(True, True)] * 4 + [(False, True), (True, False)])
MERCHANTS = st.lists(
    st.tuples(LATS, LNGS, CATEGORIES, STATES).map(
        lambda t: {"lat": t[0], "lng": t[1], "category": t[2], "published": t[3][0], "is_active": t[3][1]}
    ),
    max_size=40,
)
# On the circle itself either answer is right: the two computations may round differently.
EDGE_M = 1e-6


def brute_force(merchants, lat, lng, radius, category):
    """Independent of the selector: every merchant, the textbook haversine, a full sort."""
    r = 6_371_008.8
    found = []
    for m in merchants:
        if not (m.status == MerchantStatus.PUBLISHED and m.is_active):
            continue
        if category and m.category != category:
            continue
        phi1, phi2 = math.radians(lat), math.radians(m.lat)
        h = (
            math.sin((phi2 - phi1) / 2) ** 2
            + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(m.lng - lng) / 2) ** 2
        )
        found.append((2 * r * math.asin(math.sqrt(h)), m.pk))
    return sorted((d, pk) for d, pk in found if d <= radius + EDGE_M)


def seed(tree, rows) -> list[Merchant]:
    Merchant.objects.all().delete()
    now = clock.now()
    return Merchant.objects.bulk_create(
        [
            Merchant(
                name=f"商户{i}",
                category=row["category"],
                address="测试路",
                lat=row["lat"],
                lng=row["lng"],
                community=tree.community_a,
                status=MerchantStatus.PUBLISHED if row["published"] else MerchantStatus.PENDING,
                is_active=row["is_active"],
                created_at=now,
                updated_at=now,
            )
            for i, row in enumerate(rows)
        ]
    )


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=MERCHANTS,
    data=st.data(),
    radius=st.one_of(st.none(), st.integers(1, selectors.MAX_RADIUS_M)),
    category=st.one_of(st.none(), CATEGORIES),
)
def test_search_returns_exactly_the_brute_force_set_nearest_first(
    personas, tree, rows, data, radius, category
):
    merchants = seed(tree, rows)
    if merchants and data.draw(st.booleans(), label="start at a merchant"):
        start = data.draw(st.sampled_from(merchants), label="merchant")
        lat, lng = start.lat, start.lng
    else:
        lat, lng = data.draw(LATS, label="lat"), data.draw(LNGS, label="lng")
    kwargs = {} if radius is None else {"radius_m": radius}
    nearby = selectors.merchants_near(
        user=personas.resident, lat=lat, lng=lng, category=category, limit=100, **kwargs
    )
    radius_m = radius or 1000
    expected = brute_force(merchants, lat, lng, radius_m, category)
    got = [(n.distance_m, n.merchant.pk) for n in nearby.items]
    on_edge = {pk for d, pk in expected if abs(d - radius_m) <= EDGE_M}
    assert {pk for _, pk in got} - on_edge == {pk for _, pk in expected} - on_edge
    assert nearby.total == len(got) and nearby.radius_m == radius_m
    distances = [d for d, _ in got]
    assert distances == sorted(distances)  # nearest first; equal distances in either order
    by_pk = {pk: d for d, pk in expected}
    for d, pk in got:
        assert abs(d - by_pk.get(pk, d)) < 1e-6
        assert d <= radius_m


@settings(max_examples=200, deadline=None)
@given(
    lat=st.floats(-80, 80), lng=st.floats(-170, 170), radius=st.integers(1, 5000), bearing=st.floats(0, 360)
)
def test_the_box_holds_every_point_of_the_circle(lat, lng, radius, bearing):
    """A point exactly on the circle (any bearing) lies inside the prefilter's box."""
    d, theta, phi1 = radius / 6_371_008.8, math.radians(bearing), math.radians(lat)
    phi2 = math.asin(math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(theta))
    lam2 = math.radians(lng) + math.atan2(
        math.sin(theta) * math.sin(d) * math.cos(phi1), math.cos(d) - math.sin(phi1) * math.sin(phi2)
    )
    south, north, west, east = bounding_box(lat, lng, radius)
    assert south <= math.degrees(phi2) <= north
    assert west <= math.degrees(lam2) <= east


def test_category_filter_default_radius_and_nearest_first(personas, tree):
    lat, lng = HANGZHOU
    north_m = 1 / 111_195  # degrees of latitude per metre
    rows = [
        ("早餐店", "food", 300),
        ("面馆", "food", 900),
        ("远处的饭店", "food", 1100),
        ("裁缝铺", "clothing", 100),
        ("歇业的包子铺", "food", 50),
    ]
    now = clock.now()
    for name, category, metres in rows:
        Merchant.objects.create(
            name=name,
            category=category,
            address="凯旋路",
            lat=lat + metres * north_m,
            lng=lng,
            community=tree.community_a,
            status=MerchantStatus.PUBLISHED,
            is_active=name != "歇业的包子铺",
            created_at=now,
            updated_at=now,
        )
    everything = selectors.merchants_near(user=personas.resident, lat=lat, lng=lng)
    assert [n.merchant.name for n in everything.items] == ["裁缝铺", "早餐店", "面馆"]  # 1 km by default
    food = selectors.merchants_near(user=personas.resident, lat=lat, lng=lng, category="food")
    assert [n.merchant.name for n in food.items] == ["早餐店", "面馆"]
    assert [format_distance(n.distance_m) for n in food.items] == ["300 米", "900 米"]
    wider = selectors.merchants_near(user=personas.resident, lat=lat, lng=lng, category="food", radius_m=2000)
    assert [n.merchant.name for n in wider.items] == ["早餐店", "面馆", "远处的饭店"]
    assert format_distance(wider.items[-1].distance_m) == "1.1 公里"
    first = selectors.merchants_near(user=personas.resident, lat=lat, lng=lng, radius_m=2000, limit=2)
    assert [n.merchant.name for n in first.items] == ["裁缝铺", "早餐店"] and first.total == 4


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"radius_m": 0}, "radius"),
        ({"radius_m": 5001}, "radius"),
        ({"lat": 91}, "lat"),
        ({"lat": "北"}, "lat"),
        ({"category": "spaceships"}, "category"),
    ],
)
def test_bad_search_inputs_are_refused_in_chinese(personas, kwargs, field):
    arguments = {"lat": HANGZHOU[0], "lng": HANGZHOU[1]} | kwargs
    with pytest.raises(ValidationError) as caught:
        selectors.merchants_near(user=personas.resident, **arguments)
    assert field in caught.value.message_dict
    assert all("\u4e00" <= message[0] <= "\u9fff" for message in caught.value.message_dict[field])


def test_haversine_matches_known_distances():
    # One degree of latitude is R·π/180 on the sphere; a degree of longitude shrinks by cos(latitude).
    assert haversine_m(30, 120, 31, 120) == pytest.approx(111_195.08, abs=0.01)
    assert haversine_m(30, 120, 30, 121) == pytest.approx(96_297.4, rel=1e-4)
    assert haversine_m(*HANGZHOU, *HANGZHOU) == 0
