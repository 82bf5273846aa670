"""Market fixtures on top of the shared `tree` and `personas`: photos, a second street, a merchant
account and helpers that put a listing on the market."""

import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.core.testing import make_user
from civicgrid.registry.tests.conftest import registry  # noqa: F401

# Hangzhou, 30.29 N 120.17 E: the middle of the business-circle tests.
HANGZHOU = (30.29, 120.17)


def photo(name: str = "item.jpg", *, gps: bool = False, colour=(200, 80, 40)) -> SimpleUploadedFile:
    """A small JPEG, optionally carrying a GPS position in its EXIF."""
    image = Image.new("RGB", (64, 48), colour)
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (30.0, 17.0, 24.0), 3: "E", 4: (120.0, 10.0, 12.0)}
        image.save(out, format="JPEG", exif=exif)
    else:
        image.save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@dataclass
class OtherStreet:
    street: object
    community: object
    resident: object
    head: object


@pytest.fixture
def other_street(tree) -> OtherStreet:
    """A second street in the same district, with its own community, resident and head."""
    from civicgrid.org.choices import Role
    from civicgrid.org.choices import UnitKind as K
    from civicgrid.org.services import org_unit_create as add

    street = add(parent=tree.district, kind=K.STREET, name="远方街道", code="339901002")
    community = add(parent=street, kind=K.COMMUNITY, name="丙社区", code="339901002001")
    return OtherStreet(
        street=street,
        community=community,
        resident=make_user(
            "far_resident", unit=community, role=Role.RESIDENT, kind="resident", full_name="赵远"
        ),
        head=make_user("far_head", unit=community, role=Role.COMMUNITY_HEAD),
    )


@pytest.fixture
def merchant_account(tree):
    """An organisation account confirmed as 单位管理员 in community A (a shop)."""
    from civicgrid.org.choices import Role

    return make_user(
        "shop_a", unit=tree.community_a, role=Role.ORG_ADMIN, kind="organisation", full_name="甲社区早餐店"
    )


@pytest.fixture
def resident_b(tree):
    from civicgrid.org.choices import Role

    return make_user(
        "resident_b", unit=tree.community_b, role=Role.RESIDENT, kind="resident", full_name="钱多多"
    )


@pytest.fixture
def on_sale(personas):
    """Offer an item as the resident of community A and have the community head publish it."""
    from civicgrid.market import services

    def make(title: str = "九成新儿童自行车", price="150", seller=None, **kwargs):
        listing = services.listing_create(
            actor=seller or personas.resident, title=title, price=price, **kwargs
        )
        return services.listing_publish(actor=personas.community_head_a, listing=listing)

    return make
