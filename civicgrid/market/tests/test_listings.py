"""The flea market: a resident offers an item with photos; nobody else sees it until the community
publishes it; the seller marks it sold; buyers write to the seller without learning their phone."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from PIL import Image

from civicgrid.audit.models import AuditEvent
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.market import selectors, services
from civicgrid.market.choices import ListingStatus
from civicgrid.market.models import Listing, ListingPhoto
from civicgrid.notifications.models import Notification

from .conftest import photo

pytestmark = pytest.mark.django_db


def test_a_resident_lists_an_item_with_photos_and_it_waits_for_moderation(client, personas, tree):
    log_in(client, personas.resident)
    response = client.post(
        "/portal/market/listings/new/",
        {
            "title": "九成新儿童自行车",
            "price": "150",
            "description": "16 寸",
            "photos": [photo(gps=True), photo("b.png")],
        },
    )
    assert response.status_code == 302
    listing = Listing.objects.get()
    assert (listing.status, listing.price, listing.community) == ("pending", Decimal("150"), tree.community_a)
    photos = list(listing.photos.all())
    assert len(photos) == 2
    with default_storage.open(photos[0].image.name) as stored, Image.open(stored) as image:
        assert image.format == "JPEG" and not image.getexif().get(0x8825)  # the GPS position is gone
    page = client.get(response["Location"]).content.decode()
    assert "待审核" in page and "¥150" in page
    assert "九成新儿童自行车" in client.get("/portal/market/mine/").content.decode()
    assert AuditEvent.objects.filter(object_type="market.listing", action="create").exists()


def test_an_empty_price_means_free(personas):
    listing = services.listing_create(actor=personas.resident, title="旧书一摞", price="")
    assert listing.price is None and listing.is_free
    zero = services.listing_create(actor=personas.resident, title="花盆", price="0")
    assert zero.price is None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"title": "", "price": "10"}, "title", "请填写物品名称。"),
        ({"title": "台灯", "price": "十元"}, "price", "请填写正确的价格"),
        ({"title": "台灯", "price": "-5"}, "price", "请填写正确的价格"),
        ({"title": "台灯", "price": "1.999"}, "price", "请填写正确的价格"),
        ({"title": "台灯", "price": "2000000"}, "price", "价格不能超过 100 万元。"),
    ],
)
def test_bad_input_gives_422_with_chinese_errors_and_saves_nothing(client, personas, data, field, message):
    log_in(client, personas.resident)
    response = client.post("/portal/market/listings/new/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert field in response.context["form"].errors
    assert not Listing.objects.exists()


def test_a_file_that_is_not_an_image_is_refused(client, personas):
    from django.core.files.uploadedfile import SimpleUploadedFile

    log_in(client, personas.resident)
    fake = SimpleUploadedFile("bike.jpg", b"#!/bin/sh\necho not a picture", content_type="image/jpeg")
    response = client.post("/portal/market/listings/new/", {"title": "自行车", "photos": [fake]})
    assert response.status_code == 422
    assert "只能上传图片" in response.content.decode()
    assert not Listing.objects.exists() and not ListingPhoto.objects.exists()


def test_too_many_photos_are_refused(personas):
    with pytest.raises(ValidationError) as caught:
        services.listing_create(actor=personas.resident, title="餐桌", photos=[photo() for _ in range(7)])
    assert caught.value.message_dict["photos"] == ["最多上传 6 张照片。"]


def test_staff_and_organisations_cannot_list_items(client, personas, merchant_account):
    for user in (personas.grid_worker_a, merchant_account):
        client.logout()
        log_in(client, user)
        assert client.get("/portal/market/listings/new/").status_code == 403
        with pytest.raises(Forbidden):
            services.listing_create(actor=user, title="桌子")


def test_pending_is_invisible_to_others_published_visible_hidden_disappears(
    client, personas, tree, resident_b
):
    listing = services.listing_create(actor=personas.resident, title="宜家书架", price="80", photos=[photo()])
    cover = listing.photos.get().image
    url = f"/portal/market/listings/{listing.pk}/"
    # Pending: the seller and the community's moderators see it; a neighbour does not, nor its photo.
    log_in(client, resident_b)
    assert client.get(url).status_code == 404
    assert client.get(cover.url).status_code == 404
    assert "宜家书架" not in client.get("/portal/market/").content.decode()
    client.logout()
    log_in(client, personas.grid_worker_a)  # a grid worker of the seller's community moderates it
    queue = client.get("/portal/market/staff/").content.decode()
    assert "宜家书架" in queue
    assert (
        client.post(f"/portal/market/staff/listings/{listing.pk}/", {"decision": "publish"}).status_code
        == 302
    )
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED and listing.moderated_by == personas.grid_worker_a
    assert Notification.objects.filter(user=personas.resident, kind="market.listing.published").exists()
    # Published: the whole street sees it and its photo.
    client.logout()
    log_in(client, resident_b)
    assert "宜家书架" in client.get("/portal/market/").content.decode()
    assert client.get(url).status_code == 200
    assert client.get(cover.url).status_code == 200
    # Hidden with a reason: gone for everyone but the seller (who reads why) and the moderators.
    services.listing_hide(actor=personas.community_head_a, listing=listing, reason="涉嫌违禁物品")
    assert "宜家书架" not in client.get("/portal/market/").content.decode()
    assert client.get(url).status_code == 404
    assert client.get(cover.url).status_code == 404
    client.logout()
    log_in(client, personas.resident)
    response = client.get(url)
    page = response.content.decode()
    assert "已下架" in page and "涉嫌违禁物品" in page
    assert AuditEvent.objects.filter(object_type="market.listing", action="state_change").count() == 2


def test_hiding_or_refusing_needs_a_reason(client, personas):
    listing = services.listing_create(actor=personas.resident, title="台灯")
    with pytest.raises(ValidationError):
        services.listing_refuse(actor=personas.community_head_a, listing=listing, reason=" ")
    log_in(client, personas.community_head_a)
    response = client.post(f"/portal/market/staff/listings/{listing.pk}/", {"decision": "hide"}, follow=True)
    assert "请说明下架原因。" in response.content.decode()
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PENDING
    services.listing_refuse(actor=personas.community_head_a, listing=listing, reason="描述不清，请补充照片")
    assert Notification.objects.get(user=personas.resident, kind="market.listing.refused").body == (
        "描述不清，请补充照片"
    )
    with pytest.raises(Conflict):
        services.listing_publish(actor=personas.community_head_a, listing=listing)


def test_moderation_is_limited_to_the_community(client, personas, resident_b):
    listing = services.listing_create(actor=personas.resident, title="台灯")
    for user in (personas.community_head_b, personas.grid_worker_b):
        log_in(client, user)
        assert "台灯" not in client.get("/portal/market/staff/").content.decode()
        response = client.post(f"/portal/market/staff/listings/{listing.pk}/", {"decision": "publish"})
        assert response.status_code == 404
        client.logout()
    with pytest.raises(Forbidden):
        services.listing_publish(actor=personas.community_head_b, listing=listing)
    log_in(client, resident_b)
    assert client.get("/portal/market/staff/").status_code == 403
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PENDING


def test_another_street_sees_nothing_of_this_market(client, personas, other_street, on_sale):
    listing = on_sale()
    log_in(client, other_street.resident)
    assert "九成新儿童自行车" not in client.get("/portal/market/").content.decode()
    assert client.get(f"/portal/market/listings/{listing.pk}/").status_code == 404
    response = client.post(f"/portal/market/listings/{listing.pk}/report/", {"reason": "虚假信息"})
    assert response.status_code == 404
    assert client.get(f"/api/v1/market/listings/{listing.pk}").status_code == 404


def test_the_seller_marks_sold_and_nobody_else_can(client, personas, resident_b, on_sale):
    listing = on_sale()
    log_in(client, resident_b)
    assert client.post(f"/portal/market/listings/{listing.pk}/sold/").status_code == 302
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED  # refused with a message
    with pytest.raises(Forbidden):
        services.listing_mark_sold(actor=resident_b, listing=listing)
    client.logout()
    log_in(client, personas.resident)
    client.post(f"/portal/market/listings/{listing.pk}/sold/")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.SOLD and listing.sold_at is not None
    assert "九成新儿童自行车" not in client.get("/portal/market/").content.decode()
    response = client.post(f"/portal/market/listings/{listing.pk}/sold/", follow=True)
    assert "不能再进行此操作" in response.content.decode()


def test_the_market_filters_by_community_and_free(client, personas, tree, resident_b, on_sale):
    on_sale(title="甲社区的台灯", price="20")
    on_sale(title="甲社区的旧书", price="")
    listing_b = services.listing_create(actor=resident_b, title="乙社区的花盆", price=None)
    services.listing_publish(actor=personas.community_head_b, listing=listing_b)
    log_in(client, personas.resident)
    everything = client.get("/portal/market/").content.decode()
    assert all(t in everything for t in ("甲社区的台灯", "甲社区的旧书", "乙社区的花盆"))
    free = client.get("/portal/market/?free=1").content.decode()
    assert "甲社区的台灯" not in free and "甲社区的旧书" in free and "乙社区的花盆" in free
    in_b = client.get(f"/portal/market/?community={tree.community_b.pk}", HTTP_HX_REQUEST="true")
    assert "乙社区的花盆" in in_b.content.decode() and "甲社区的旧书" not in in_b.content.decode()
    assert "<html" not in in_b.content.decode()  # htmx gets the rows only


def test_buyers_write_to_the_seller_with_a_masked_name_once_a_day(client, personas, resident_b, on_sale):
    listing = on_sale()
    log_in(client, resident_b)
    page = client.get(f"/portal/market/listings/{listing.pk}/").content.decode()
    assert personas.resident.phone not in page and "13800000001" not in page
    response = client.post(
        f"/portal/market/listings/{listing.pk}/contact/", {"message": "周六上午小区门口交易可以吗？"}
    )
    assert response.status_code == 302
    message = Notification.objects.get(user=personas.resident, kind="market.contact")
    assert message.title.startswith("钱*多 ") and "九成新儿童自行车" in message.title
    assert message.body == "周六上午小区门口交易可以吗？" and "钱多多" not in message.title
    again = client.post(f"/portal/market/listings/{listing.pk}/contact/", {"message": "在吗？"})
    assert again.status_code == 422 and "今天已给卖家留过言" in again.content.decode()
    empty = client.post(f"/portal/market/listings/{listing.pk}/contact/", {"message": ""})
    assert empty.status_code == 422 and "请填写想对卖家说的话。" in empty.content.decode()
    assert Notification.objects.filter(kind="market.contact").count() == 1


def test_a_seller_has_at_most_twenty_items_on_offer(personas):
    for i in range(services.MAX_OPEN_LISTINGS):
        services.listing_create(actor=personas.resident, title=f"物品{i}")
    with pytest.raises(Conflict) as caught:
        services.listing_create(actor=personas.resident, title="第二十一件")
    assert caught.value.code == "too_many_listings"


def test_the_market_list_reads_a_bounded_number_of_queries(
    client, personas, on_sale, django_assert_max_num_queries
):
    for i in range(12):
        on_sale(title=f"物品{i}", photos=[photo()])
    log_in(client, personas.resident)
    client.get("/portal/market/")
    with django_assert_max_num_queries(14):
        assert client.get("/portal/market/").status_code == 200


def test_moderators_reach_their_communities_only(personas, tree):
    assert selectors.moderated_community_ids(personas.grid_worker_a) == [tree.community_a.pk]
    assert selectors.moderated_community_ids(personas.community_head_b) == [tree.community_b.pk]
    assert set(selectors.moderated_community_ids(personas.platform_admin)) == {
        tree.community_a.pk,
        tree.community_b.pk,
    }
    assert selectors.moderated_community_ids(personas.resident) == []


def test_the_seller_corrects_a_listing_and_it_waits_for_moderation_again(client, personas, on_sale):
    listing = on_sale()
    log_in(client, personas.resident)
    mine = client.get("/portal/market/mine/").content.decode()
    assert f"/portal/market/listings/{listing.pk}/edit/" in mine
    bad = client.post(f"/portal/market/listings/{listing.pk}/edit/", {"title": "", "price": "120"})
    assert bad.status_code == 422 and "请填写物品名称。" in bad.content.decode()
    assert Listing.objects.get(pk=listing.pk).status == "published"  # nothing changed
    response = client.post(
        f"/portal/market/listings/{listing.pk}/edit/", {"title": "九成新儿童自行车", "price": "120"}
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.status, listing.price) == ("pending", Decimal("120"))
    assert listing not in selectors.published_listings(user=personas.volunteer)
    assert AuditEvent.objects.filter(
        object_id=str(listing.pk), action="update", details__changed=["price"]
    ).exists()
    services.listing_publish(actor=personas.community_head_a, listing=listing)
    assert Listing.objects.get(pk=listing.pk).status == "published"


def test_nobody_else_corrects_a_listing_and_a_sold_one_stays_as_it_was(client, personas, on_sale):
    listing = on_sale()
    log_in(client, personas.volunteer)
    assert client.get(f"/portal/market/listings/{listing.pk}/edit/").status_code == 404
    with pytest.raises(Forbidden):
        services.listing_update(actor=personas.volunteer, listing=listing, title="我的了")
    services.listing_mark_sold(actor=personas.resident, listing=listing)
    listing.refresh_from_db()
    with pytest.raises(Conflict):
        services.listing_update(
            actor=personas.resident, listing=listing, title="九成新儿童自行车", price="99"
        )
    assert Listing.objects.get(pk=listing.pk).price == Decimal("150")


def test_the_api_corrects_a_listing(client, personas, on_sale):
    listing = on_sale()
    log_in(client, personas.resident)
    url = f"/api/v1/market/listings/{listing.pk}"
    bad = client.patch(url, {"title": "自行车", "price": "abc"}, content_type="application/json")
    assert bad.status_code == 400 and "price" in bad.json()["errors"]
    done = client.patch(url, {"title": "自行车", "price": ""}, content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "pending" and done.json()["price"] is None
