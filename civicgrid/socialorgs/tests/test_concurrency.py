"""Double taps and two deciders at the same moment: one request, one decision (PostgreSQL: a database
shared between threads)."""

import threading

import pytest
from django.db import connection, connections

from civicgrid.core.errors import Conflict
from civicgrid.socialorgs import services
from civicgrid.socialorgs.models import JoinRequest, SocialOrg

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between threads"),
]


def run_together(target, args_list):
    barrier = threading.Barrier(len(args_list))
    results: list[str] = []

    def attempt(*args):
        try:
            barrier.wait()
            target(*args)
            results.append("ok")
        except Conflict as error:
            results.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_six_taps_on_join_make_one_request(personas, dance):
    results = run_together(
        lambda: services.join_request_create(actor=personas.resident, org=SocialOrg.objects.get(pk=dance.pk)),
        [()] * 6,
    )
    assert results.count("ok") == 1
    assert set(results) - {"ok"} == {"already_pending"}
    assert JoinRequest.objects.filter(user=personas.resident).count() == 1


def test_accept_and_refuse_at_once_decide_once(personas, people, dance):
    row = services.join_request_create(actor=personas.resident, org=dance)

    def decide(accept):
        services.join_request_decide(
            actor=people.org_account,
            join_request=JoinRequest.objects.select_related("org").get(pk=row.pk),
            accept=accept,
            reason="" if accept else "名额已满",
        )

    results = run_together(decide, [(True,), (False,), (True,), (False,)])
    assert results.count("ok") == 1
    assert set(results) - {"ok"} == {"already_decided"}
    row.refresh_from_db()
    assert row.status in ("accepted", "refused")
    assert row.user.notifications.filter(kind__startswith="socialorgs.request.").count() == 1
