"""The same resident voting twice at the same moment (two tabs, a double tap): exactly one ballot,
the other attempt told clearly (PostgreSQL: a database shared between threads)."""

import threading

import pytest
from django.db import connection, connections

from civicgrid.core.errors import Conflict
from civicgrid.polls import services
from civicgrid.polls.models import Poll, Vote, VoteChoice
from civicgrid.portal.models import PointsEntry

from .conftest import make_poll, options_of

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database shared between threads"),
]


def test_two_simultaneous_ballots_of_one_resident_make_one_vote(personas, tree, verified, rules):
    poll = make_poll(personas.community_head_a, tree.community_a)
    first, second = options_of(poll)[:2]
    attempts = 6
    barrier = threading.Barrier(attempts)
    results: list[str] = []

    def vote(option_id):
        try:
            barrier.wait()
            services.vote_cast(
                actor=personas.resident, poll=Poll.objects.get(pk=poll.pk), option_ids=[option_id]
            )
            results.append("voted")
        except Conflict as error:
            results.append(error.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(first if i % 2 else second,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("voted") == 1
    assert set(results) - {"voted"} == {"already_voted"}
    assert Vote.objects.filter(poll=poll, user=personas.resident).count() == 1
    assert VoteChoice.objects.filter(vote__poll=poll).count() == 1
    assert PointsEntry.objects.filter(user=personas.resident, rule="vote").count() == 1


def test_many_residents_at_once_all_count(personas, tree, verified, resident_b):
    poll = make_poll(personas.street_leader, tree.street)
    voters = [personas.resident, personas.volunteer, resident_b]
    barrier = threading.Barrier(len(voters))
    results: list[str] = []

    def vote(user):
        try:
            barrier.wait()
            services.vote_cast(
                actor=user, poll=Poll.objects.get(pk=poll.pk), option_ids=[options_of(poll)[0]]
            )
            results.append("voted")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=vote, args=(user,)) for user in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["voted"] * 3
    assert Vote.objects.filter(poll=poll).count() == 3
