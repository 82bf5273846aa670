"""Merchants of the business circle: added by the community's staff or by a confirmed merchant account
(then moderated); found from the resident's home or current position; phones masked in lists."""

import pytest
from django.core.exceptions import ValidationError

from civicgrid.audit.models import AuditEvent
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.market import selectors, services
from civicgrid.market.choices import MerchantStatus
from civicgrid.market.models import Merchant
from civicgrid.notifications.models import Notification
from civicgrid.portal import services as portal_services
from civicgrid.registry.tests.conftest import ZHANG_WEI_ID

from .conftest import HANGZHOU

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
SHOP = {
    "name": "巷口早餐店",
    "category": "food",
    "address": "凯旋路 12 号",
    "lat": HANGZHOU[0],
    "lng": HANGZHOU[1],
    "hours": "6:00–10:30",
    "offers": "豆浆油条套餐 5 元",
    "phone": PHONE,
}


def north_of(metres: float) -> tuple[float, float]:
    return HANGZHOU[0] + metres / 111_195, HANGZHOU[1]


def test_staff_add_a_merchant_of_their_community_and_it_is_found_at_once(client, personas, tree):
    log_in(client, personas.community_head_a)
    response = client.post(
        "/portal/market/staff/merchants/new/", {**SHOP, "community": tree.community_a.pk, "owner": ""}
    )
    assert response.status_code == 302, response.content.decode()
    merchant = Merchant.objects.get()
    assert (merchant.status, merchant.community, merchant.created_by) == (
        MerchantStatus.PUBLISHED,
        tree.community_a,
        personas.community_head_a,
    )
    assert AuditEvent.objects.filter(object_type="market.merchant", action="create").exists()
    client.logout()
    log_in(client, personas.resident)
    page = client.get(f"/portal/market/merchants/?lat={north_of(350)[0]}&lng={HANGZHOU[1]}").content.decode()
    assert "巷口早餐店" in page and "350 米" in page
    assert PHONE not in page and "139****5678" in page  # masked in the list
    detail = client.get(f"/portal/market/merchants/{merchant.pk}/").content.decode()
    assert PHONE in detail  # a shop's number, shown whole on its own page


def test_a_merchant_form_with_bad_input_answers_422_in_chinese(client, personas, tree):
    log_in(client, personas.community_head_a)
    data = {
        **SHOP,
        "name": "",
        "category": "",
        "lat": "",
        "phone": "call me",
        "community": tree.community_a.pk,
    }
    response = client.post("/portal/market/staff/merchants/new/", data)
    assert response.status_code == 422
    page = response.content.decode()
    for message in ("请填写商户名称。", "请选择类别", "请在地图上选择商户位置", "请填写正确的电话号码"):
        assert message in page
    assert not Merchant.objects.exists()


def test_staff_of_another_community_cannot_add_or_edit_here(client, personas, tree):
    merchant = services.merchant_create(actor=personas.community_head_a, community=tree.community_a, **SHOP)
    with pytest.raises(Forbidden):
        services.merchant_create(actor=personas.community_head_b, community=tree.community_a, **SHOP)
    log_in(client, personas.community_head_b)
    response = client.post(
        "/portal/market/staff/merchants/new/", {**SHOP, "community": tree.community_a.pk, "owner": ""}
    )
    assert response.status_code == 422  # community A is not among the choices
    assert client.get(f"/portal/market/staff/merchants/{merchant.pk}/edit/").status_code == 404
    assert "巷口早餐店" not in client.get("/portal/market/staff/merchants/").content.decode()
    client.logout()
    log_in(client, personas.resident)
    assert client.get("/portal/market/staff/merchants/").status_code == 403
    assert client.get("/portal/market/staff/merchants/new/").status_code == 403
    with pytest.raises(Forbidden):
        services.merchant_update(actor=personas.resident, merchant=merchant, **SHOP | {"name": "改名"})


def test_a_merchant_account_registers_its_shop_which_waits_for_moderation(client, personas, merchant_account):
    log_in(client, merchant_account)
    assert client.post("/portal/market/my-merchant/", SHOP).status_code == 302
    merchant = Merchant.objects.get()
    assert (merchant.status, merchant.owner) == (MerchantStatus.PENDING, merchant_account)
    with pytest.raises(Conflict):
        services.merchant_create(actor=merchant_account, **SHOP)
    # Not in the search, nor on its page, until the community publishes it.
    assert selectors.merchants_near(user=personas.resident, lat=HANGZHOU[0], lng=HANGZHOU[1]).total == 0
    client.logout()
    log_in(client, personas.resident)
    assert client.get(f"/portal/market/merchants/{merchant.pk}/").status_code == 404
    client.logout()
    log_in(client, personas.grid_worker_a)
    assert "巷口早餐店" in client.get("/portal/market/staff/").content.decode()
    client.post(f"/portal/market/staff/merchants/{merchant.pk}/decide/", {"decision": "refuse"})
    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.PENDING  # a refusal needs a reason
    client.post(
        f"/portal/market/staff/merchants/{merchant.pk}/decide/", {"decision": "refuse", "reason": "地址不详"}
    )
    merchant.refresh_from_db()
    assert (merchant.status, merchant.reason) == (MerchantStatus.REFUSED, "地址不详")
    assert Notification.objects.filter(user=merchant_account, kind="market.merchant.refused").exists()
    # Corrected by its owner, the entry goes back to moderation; published, it is found.
    services.merchant_update(
        actor=merchant_account, merchant=merchant, **SHOP | {"address": "凯旋路 12 号 1 楼"}
    )
    merchant.refresh_from_db()
    assert merchant.status == MerchantStatus.PENDING
    services.merchant_decide(actor=personas.grid_worker_a, merchant=merchant, confirm=True)
    assert selectors.merchants_near(user=personas.resident, lat=HANGZHOU[0], lng=HANGZHOU[1]).total == 1
    assert Notification.objects.filter(user=merchant_account, kind="market.merchant.published").exists()


def test_only_confirmed_merchant_accounts_register_a_shop(client, personas, tree):
    from civicgrid.core import clock
    from civicgrid.core.testing import make_user
    from civicgrid.org.choices import Role
    from civicgrid.portal.models import OrganisationApplication

    troupe = make_user("troupe", unit=tree.community_a, role=Role.ORG_ADMIN, kind="organisation")
    OrganisationApplication.objects.create(
        user=troupe,
        name="文艺队",
        kind="social",
        community=tree.community_a,
        status="confirmed",
        created_at=clock.now(),
    )
    waiting = make_user("waiting_shop", kind="organisation")
    OrganisationApplication.objects.create(
        user=waiting, name="新店", kind="merchant", community=tree.community_a, created_at=clock.now()
    )
    for user in (troupe, waiting, personas.resident):
        client.logout()
        log_in(client, user)
        assert client.post("/portal/market/my-merchant/", SHOP).status_code == 403
        with pytest.raises(Forbidden):
            services.merchant_create(actor=user, **SHOP)
    assert not Merchant.objects.exists()


def test_closing_a_merchant_hides_it_and_staff_say_why(client, personas, tree, merchant_account):
    merchant = services.merchant_create(
        actor=personas.community_head_a, community=tree.community_a, owner=merchant_account, **SHOP
    )
    with pytest.raises(ValidationError):
        services.merchant_set_active(actor=personas.community_head_a, merchant=merchant, is_active=False)
    services.merchant_set_active(
        actor=personas.community_head_a, merchant=merchant, is_active=False, reason="已搬离本社区"
    )
    assert selectors.merchants_near(user=personas.resident, lat=HANGZHOU[0], lng=HANGZHOU[1]).total == 0
    log_in(client, merchant_account)  # the owner reopens it (and sees why it was closed)
    assert "已搬离本社区" in client.get("/portal/market/my-merchant/").content.decode()
    client.post(f"/portal/market/merchants/{merchant.pk}/active/", {"is_active": "1"})
    merchant.refresh_from_db()
    assert merchant.is_active
    client.logout()
    log_in(client, personas.resident)
    assert (
        client.post(f"/portal/market/merchants/{merchant.pk}/active/", {"is_active": "0"}).status_code == 403
    )


def test_search_starts_at_the_verified_home_else_the_community_centre(client, personas, tree, registry):
    for name, metres in (("楼下小卖部", 80), ("社区中心旁药店", 30_000)):
        lat, lng = north_of(metres)
        services.merchant_create(
            actor=personas.community_head_a,
            community=tree.community_a,
            **SHOP | {"name": name, "lat": lat, "lng": lng},
        )
    log_in(client, personas.resident)
    # Not verified: the centre of community A (lng 120.0–120.1, lat 30.0–30.1); nothing within 1 km.
    origin = selectors.home_origin(personas.resident)
    assert (origin.source, round(origin.lat, 3), round(origin.lng, 3)) == ("community", 30.05, 120.05)
    assert "以您所在社区为中心" in client.get("/portal/market/merchants/").content.decode()
    registry.building_a.lat, registry.building_a.lng = HANGZHOU
    registry.building_a.save()
    request = portal_services.verification_request(
        user=personas.resident, full_name="张伟", id_number=ZHANG_WEI_ID
    )
    portal_services.verification_decide(actor=personas.grid_worker_a, verification=request, confirm=True)
    page = client.get("/portal/market/merchants/").content.decode()
    assert "以您家（登记住址）为中心" in page and "楼下小卖部" in page and "80 米" in page
    assert "社区中心旁药店" not in page
    # The browser's position wins over home.
    far = client.get(
        f"/portal/market/merchants/?lat={north_of(30_000)[0]}&lng={HANGZHOU[1]}"
    ).content.decode()
    assert "以您的当前位置为中心" in far and "社区中心旁药店" in far and "楼下小卖部" not in far


def test_the_search_page_filters_by_category_and_radius_through_htmx(client, personas, tree):
    for name, category, metres in (
        ("裁缝铺", "clothing", 100),
        ("面馆", "food", 200),
        ("修车铺", "transport", 1500),
    ):
        lat, lng = north_of(metres)
        services.merchant_create(
            actor=personas.community_head_a,
            community=tree.community_a,
            **SHOP | {"name": name, "category": category, "lat": lat, "lng": lng},
        )
    log_in(client, personas.resident)
    base = f"/portal/market/merchants/?lat={HANGZHOU[0]}&lng={HANGZHOU[1]}"
    page = client.get(f"{base}&category=food", HTTP_HX_REQUEST="true").content.decode()
    assert "面馆" in page and "裁缝铺" not in page and "<html" not in page
    everything = client.get(base).content.decode()
    assert everything.index("裁缝铺") < everything.index("面馆") and "修车铺" not in everything
    assert "修车铺" in client.get(f"{base}&radius=2000").content.decode()
    bad = client.get(f"{base}&radius=99999")
    assert bad.status_code == 422 and "修车铺" not in bad.content.decode()


def test_the_api_masks_phones_in_search_and_validates_its_query(client, personas, tree):
    merchant = services.merchant_create(actor=personas.community_head_a, community=tree.community_a, **SHOP)
    log_in(client, personas.resident)
    body = client.get(f"/api/v1/market/merchants?lat={HANGZHOU[0]}&lng={HANGZHOU[1]}&category=food").json()
    assert body["radius_m"] == 1000 and body["total"] == 1 and body["origin"]["source"] == "here"
    assert body["items"][0]["phone"] == "139****5678" and body["items"][0]["distance_m"] == 0
    assert client.get(f"/api/v1/market/merchants/{merchant.pk}").json()["phone"] == PHONE
    for query in ("radius=6000", "radius=0", "lat=95&lng=120", "category=spaceships", "lat=30"):
        response = client.get(f"/api/v1/market/merchants?{query}")
        assert response.status_code in (400, 422), query
        assert set(response.json()) == {"code", "message", "errors"}
    client.logout()
    assert client.get(f"/api/v1/market/merchants?lat={HANGZHOU[0]}&lng={HANGZHOU[1]}").status_code == 401
