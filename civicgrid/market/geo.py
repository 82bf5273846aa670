"""Distances on the sphere for the business circle: haversine and the box that holds a circle."""

import math

from django.utils.translation import gettext as _

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
# The box is widened by about a centimetre so that rounding never drops a point the circle holds.
BOX_MARGIN_DEG = 1e-7


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS 84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def within(lat: float, lng: float, radius_m: float, points) -> list[tuple[float, int]]:
    """(distance, id) of each (id, lat, lng) point within `radius_m` of the centre: haversine_m's
    formula with the centre's terms computed once (this loop runs over thousands of candidates)."""
    rad, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    p1 = rad(lat)
    cos_p1, diameter = cos(p1), 2 * EARTH_RADIUS_M
    found = []
    for pk, p_lat, p_lng in points:
        p2 = rad(p_lat)
        a = sin((p2 - p1) / 2) ** 2 + cos_p1 * cos(p2) * sin(rad(p_lng - lng) / 2) ** 2
        distance = diameter * asin(min(1.0, sqrt(a)))
        if distance <= radius_m:
            found.append((distance, pk))
    return found


def bounding_box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    """Return (south, north, west, east) of a box holding every point within `radius_m` of the centre.

    The widest longitude of a circle of angular radius d around latitude p is asin(sin d / cos p): the
    usual d / cos p is slightly too narrow and would lose points on the circle's east and west edges.
    Near a pole (or with a circle reaching over it) every longitude is in.
    """
    d = radius_m / EARTH_RADIUS_M
    dlat = math.degrees(d) + BOX_MARGIN_DEG
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    ratio = math.sin(d) / max(math.cos(math.radians(lat)), 1e-12)
    if ratio >= 1 or north >= 90 or south <= -90:
        return south, north, -180.0, 180.0
    dlng = math.degrees(math.asin(ratio)) + BOX_MARGIN_DEG
    # Across the antimeridian the box would wrap; the platform's cities lie far from it, so the
    # whole longitude range is read instead (correct, merely slower).
    if lng - dlng < -180 or lng + dlng > 180:
        return south, north, -180.0, 180.0
    return south, north, lng - dlng, lng + dlng


def format_distance(metres: float) -> str:
    """350 米, 1 公里, 1.2 公里."""
    if round(metres) < 1000:
        return _("%(n)d 米") % {"n": round(metres)}
    km = round(metres / 1000, 1)
    if km == int(km):
        return _("%(n)d 公里") % {"n": int(km)}
    return _("%(n).1f 公里") % {"n": km}
