"""Two residents after the last item at the same moment: one gets it, the other a clear refusal,
and the stock never goes below zero (PostgreSQL: a database shared between threads)."""

import threading

import pytest
from django.db import connection, connections

from civicgrid.core.errors import Conflict
from civicgrid.portal import services
from civicgrid.portal.models import PointsRule, Redemption, Reward

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between threads"),
]


def test_the_last_item_goes_to_one_of_two_residents(registry, personas, tree):
    PointsRule.objects.create(code="activity", name="参加活动", points=50)
    reward = Reward.objects.create(unit=tree.street, name="最后一袋大米", cost=10, stock=1)
    residents = [personas.resident, personas.volunteer]
    for user, person in zip(residents, [registry.zhang_wei, registry.li_na], strict=True):
        request = services.verification_request(
            user=user, full_name=person.full_name, id_number=person.id_number
        )
        services.verification_decide(actor=personas.grid_worker_a, verification=request, confirm=True)
        services.points_award(user=user, rule_code="activity")
    barrier = threading.Barrier(len(residents) * 5)
    results: list[str] = []

    def redeem(user):
        try:
            barrier.wait()
            services.redeem(user=user, reward=Reward.objects.get(pk=reward.pk))
            results.append("got it")
        except Conflict as error:
            results.append(error.code)
        finally:
            connections.close_all()

    # Each resident also presses twice in two tabs: ten attempts, one item.
    threads = [threading.Thread(target=redeem, args=(user,)) for user in residents for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("got it") == 1
    assert set(results) - {"got it"} == {"out_of_stock"}
    reward.refresh_from_db()
    assert reward.stock == 0
    assert Redemption.objects.count() == 1


def test_one_resident_cannot_spend_the_same_points_twice(registry, personas, tree):
    PointsRule.objects.create(code="activity", name="参加活动", points=10)
    reward = Reward.objects.create(unit=tree.street, name="环保袋", cost=10, stock=50)
    request = services.verification_request(
        user=personas.resident, full_name="张伟", id_number=registry.zhang_wei.id_number
    )
    services.verification_decide(actor=personas.grid_worker_a, verification=request, confirm=True)
    services.points_award(user=personas.resident, rule_code="activity")
    barrier = threading.Barrier(6)
    results: list[str] = []

    def redeem():
        try:
            barrier.wait()
            services.redeem(user=personas.resident, reward=Reward.objects.get(pk=reward.pk))
            results.append("got it")
        except Conflict as error:
            results.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=redeem) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("got it") == 1
    assert set(results) - {"got it"} == {"insufficient_points"}
    reward.refresh_from_db()
    assert reward.stock == 49  # the refused attempts gave their item back
