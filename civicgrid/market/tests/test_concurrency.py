"""Decisions racing each other: one moderator wins, the others are told plainly; a member pressing
"report" in several tabs leaves one report (PostgreSQL: a database shared between threads)."""

import threading

import pytest
from django.db import connection, connections

from civicgrid.core.errors import Conflict
from civicgrid.market import services
from civicgrid.market.choices import ListingStatus
from civicgrid.market.models import Listing, ListingReport

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between threads"),
]


def race(calls) -> list[str]:
    barrier = threading.Barrier(len(calls))
    results: list[str] = []

    def run(call):
        try:
            barrier.wait()
            call()
            results.append("won")
        except Conflict as error:
            results.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_moderators_deciding_at_once_leave_one_decision(personas):
    listing = services.listing_create(actor=personas.resident, title="宜家书架", price="80")

    def fresh():
        return Listing.objects.get(pk=listing.pk)

    calls = [
        lambda: services.listing_publish(actor=personas.community_head_a, listing=fresh()),
        lambda: services.listing_refuse(actor=personas.grid_worker_a, listing=fresh(), reason="重复发布"),
    ] * 3
    results = race(calls)
    assert results.count("won") == 1
    assert set(results) - {"won"} == {"invalid_transition"}
    listing.refresh_from_db()
    assert listing.status in (ListingStatus.PUBLISHED, ListingStatus.REFUSED)


def test_one_report_however_many_tabs(personas, resident_b, on_sale):
    listing = on_sale()
    results = race(
        [
            lambda: services.listing_report(
                actor=resident_b, listing=Listing.objects.get(pk=listing.pk), reason="疑似转卖"
            )
        ]
        * 6
    )
    assert results.count("won") == 1
    assert set(results) - {"won"} == {"already_reported"}
    assert ListingReport.objects.count() == 1
