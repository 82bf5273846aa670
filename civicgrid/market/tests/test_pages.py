"""Every market page answers its allowed readers, refuses the others, and carries no inline script;
the staff menu and the portal home lead to it."""

import pytest

from civicgrid.core.testing import log_in
from civicgrid.market import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(personas, tree, merchant_account):
    return services.merchant_create(
        actor=personas.community_head_a,
        community=tree.community_a,
        owner=merchant_account,
        name="巷口早餐店",
        category="food",
        address="凯旋路 12 号",
        lat=30.05,
        lng=120.05,
        phone="0571-86001234",
    )


def pages(listing, shop) -> dict[str, str]:
    return {
        "market": "/portal/market/",
        "listing": f"/portal/market/listings/{listing.pk}/",
        "new": "/portal/market/listings/new/",
        "mine": "/portal/market/mine/",
        "merchants": "/portal/market/merchants/",
        "merchant": f"/portal/market/merchants/{shop.pk}/",
        "my_merchant": "/portal/market/my-merchant/",
        "moderation": "/portal/market/staff/",
        "staff_merchants": "/portal/market/staff/merchants/",
        "staff_new": "/portal/market/staff/merchants/new/",
        "staff_edit": f"/portal/market/staff/merchants/{shop.pk}/edit/",
    }


ALLOWED = {
    "resident": {"market", "listing", "new", "mine", "merchants", "merchant"},
    "grid_worker_a": {
        "market",
        "listing",
        "merchants",
        "merchant",
        "moderation",
        "staff_merchants",
        "staff_new",
        "staff_edit",
    },
    "merchant_account": {"market", "listing", "merchants", "merchant", "my_merchant"},
}


@pytest.mark.parametrize("who", sorted(ALLOWED))
def test_each_role_reaches_its_pages_and_no_others(client, personas, merchant_account, on_sale, shop, who):
    user = merchant_account if who == "merchant_account" else getattr(personas, who)
    listing = on_sale()
    log_in(client, user)
    for name, url in pages(listing, shop).items():
        response = client.get(url)
        expected = 200 if name in ALLOWED[who] else 403
        assert response.status_code == expected, (name, response.status_code)
        if expected == 200:
            assert "<script>" not in response.content.decode()


def test_signed_out_visitors_are_sent_to_log_in(client, on_sale, shop):
    listing = on_sale()
    for url in pages(listing, shop).values():
        assert client.get(url).status_code == 302


def test_the_menu_and_the_portal_home_lead_to_the_market(client, personas, merchant_account):
    log_in(client, personas.community_head_a)
    home = client.get("/").content.decode()
    assert "跳蚤市场审核" in home and "微商圈商户" in home
    client.logout()
    log_in(client, personas.resident)
    portal = client.get("/portal/").content.decode()
    assert 'data-testid="market-links"' in portal and "/portal/market/merchants/" in portal
    assert "我的商户" not in portal
    client.logout()
    log_in(client, merchant_account)
    assert "/portal/market/my-merchant/" in client.get("/portal/").content.decode()
