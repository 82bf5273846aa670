"""Reporting a listing: once per member (a database constraint), shown in the staff queue, and closed
when the moderator hides the listing or dismisses the reports."""

import pytest
from django.db import IntegrityError, transaction

from civicgrid.audit.models import AuditEvent
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.market import services
from civicgrid.market.choices import ListingStatus, ReportStatus
from civicgrid.market.models import ListingReport

pytestmark = pytest.mark.django_db


def test_one_report_per_member_and_listing_is_a_database_rule(personas, resident_b, on_sale):
    listing = on_sale()
    ListingReport.objects.create(
        listing=listing, reporter=resident_b, reason="虚假信息", created_at=clock.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ListingReport.objects.create(
            listing=listing, reporter=resident_b, reason="再举报", created_at=clock.now()
        )
    with pytest.raises(Conflict) as caught:
        services.listing_report(actor=resident_b, listing=listing, reason="再举报一次")
    assert caught.value.code == "already_reported"
    assert ListingReport.objects.count() == 1


def test_a_report_through_the_page_reaches_the_staff_queue(client, personas, resident_b, on_sale):
    listing = on_sale(title="全新充电宝")
    log_in(client, resident_b)
    response = client.post(f"/portal/market/listings/{listing.pk}/report/", {"reason": "疑似转卖"})
    assert response.status_code == 302
    again = client.post(f"/portal/market/listings/{listing.pk}/report/", {"reason": "疑似转卖"})
    assert again.status_code == 422 and "您已举报过该物品" in again.content.decode()
    empty = client.post(f"/portal/market/listings/{listing.pk}/report/", {"reason": ""})
    assert empty.status_code == 422 and "请说明举报原因。" in empty.content.decode()
    assert AuditEvent.objects.filter(object_type="market.listingreport", action="create").count() == 1
    client.logout()
    log_in(client, personas.community_head_a)
    queue = client.get("/portal/market/staff/").content.decode()
    assert "全新充电宝" in queue and "1 条举报" in queue
    detail = client.get(f"/portal/market/listings/{listing.pk}/").content.decode()
    assert "疑似转卖" in detail
    client.logout()
    log_in(client, personas.community_head_b)  # another community's head learns nothing of it
    assert "全新充电宝" not in client.get("/portal/market/staff/").content.decode()
    assert "疑似转卖" not in client.get(f"/portal/market/listings/{listing.pk}/").content.decode()


def test_hiding_upholds_the_open_reports(personas, resident_b, on_sale):
    listing = on_sale()
    report = services.listing_report(actor=resident_b, listing=listing, reason="违禁物品")
    services.listing_hide(actor=personas.grid_worker_a, listing=listing, reason="违禁物品，已下架")
    report.refresh_from_db()
    assert report.status == ReportStatus.UPHELD and report.handled_by == personas.grid_worker_a


def test_dismissing_keeps_the_listing_and_empties_the_queue(client, personas, resident_b, on_sale):
    listing = on_sale(title="旧书一摞")
    services.listing_report(actor=resident_b, listing=listing, reason="看着像广告")
    log_in(client, personas.community_head_a)
    client.post(f"/portal/market/staff/listings/{listing.pk}/", {"decision": "dismiss"})
    listing.refresh_from_db()
    assert listing.status == ListingStatus.PUBLISHED
    assert ListingReport.objects.get().status == ReportStatus.DISMISSED
    assert "旧书一摞" not in client.get("/portal/market/staff/").content.decode()
    with pytest.raises(Conflict):
        services.listing_reports_dismiss(actor=personas.community_head_a, listing=listing)


def test_no_report_of_ones_own_or_of_what_is_not_on_sale(personas, resident_b, on_sale):
    listing = on_sale()
    with pytest.raises(Forbidden):
        services.listing_report(actor=personas.resident, listing=listing, reason="自己举报自己")
    services.listing_mark_sold(actor=personas.resident, listing=listing)
    with pytest.raises(Conflict) as caught:
        services.listing_report(actor=resident_b, listing=listing, reason="已经卖了")
    assert caught.value.code == "not_on_sale"
    assert not ListingReport.objects.exists()
