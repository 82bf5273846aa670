"""Casting a vote: once per verified resident of the audience, inside the window, within the
choice limit; the database itself refuses a second ballot."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from civicgrid.audit.models import AuditEvent
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden, NotFound
from civicgrid.polls import services
from civicgrid.polls.models import Vote, VoteChoice
from civicgrid.polls.services.polls import (
    ALREADY_CLOSED,
    ALREADY_VOTED,
    CHOOSE_AT_MOST,
    CHOOSE_ONE,
    NOT_YET_OPEN,
    UNKNOWN_OPTION,
)
from civicgrid.portal.models import PointsAccount, PointsEntry

from .conftest import make_poll, options_of

pytestmark = pytest.mark.django_db


def test_a_verified_resident_votes_once_and_earns_points_once(personas, poll, verified, rules):
    first = options_of(poll)[0]
    vote = services.vote_cast(actor=personas.resident, poll=poll, option_ids=[first])
    assert list(vote.choices.values_list("option_id", flat=True)) == [first]
    assert vote.community.name == "甲社区"
    with pytest.raises(Conflict) as refused:
        services.vote_cast(actor=personas.resident, poll=poll, option_ids=[options_of(poll)[1]])
    assert refused.value.code == "already_voted"
    assert str(refused.value.message) == str(ALREADY_VOTED)
    assert Vote.objects.filter(poll=poll).count() == 1
    assert VoteChoice.objects.get().option_id == first  # the second attempt changed nothing
    assert PointsEntry.objects.filter(user=personas.resident, rule="vote").count() == 1
    assert PointsAccount.objects.get(user=personas.resident).balance == 2
    event = AuditEvent.objects.get(object_type="polls.vote", action="create")
    assert event.actor == personas.resident
    assert event.details == {"poll": poll.pk}  # who voted is audited, never what they chose


def test_the_database_refuses_a_second_ballot_even_past_the_service(personas, poll, verified):
    services.vote_cast(actor=personas.resident, poll=poll, option_ids=[options_of(poll)[0]])
    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(poll=poll, user=personas.resident, created_at=clock.now())


def test_an_unverified_resident_is_refused_and_nothing_is_saved(personas, poll, rules):
    with pytest.raises(Forbidden) as refused:
        services.vote_cast(actor=personas.resident, poll=poll, option_ids=[options_of(poll)[0]])
    assert refused.value.code == "not_verified"
    assert "实名认证" in str(refused.value.message)
    assert not Vote.objects.exists()
    assert not PointsEntry.objects.exists()


def test_votes_are_refused_before_opening_and_after_closing(personas, tree, verified):
    poll = make_poll(
        personas.community_head_a,
        tree.community_a,
        opens_at=clock.now() + timedelta(days=1),
        closes_at=clock.now() + timedelta(days=2),
    )
    option = options_of(poll)[0]
    with pytest.raises(Conflict) as early:
        services.vote_cast(actor=personas.resident, poll=poll, option_ids=[option])
    assert (early.value.code, str(early.value.message)) == ("not_open_yet", str(NOT_YET_OPEN))
    with (
        time_machine.travel(poll.closes_at + timedelta(minutes=1), tick=False),
        pytest.raises(Conflict) as late,
    ):
        services.vote_cast(actor=personas.resident, poll=poll, option_ids=[option])
    assert (late.value.code, str(late.value.message)) == ("closed", str(ALREADY_CLOSED))
    with time_machine.travel(poll.opens_at + timedelta(minutes=1), tick=False):
        services.vote_cast(actor=personas.resident, poll=poll, option_ids=[option])
    assert Vote.objects.count() == 1


def test_a_poll_closed_early_takes_no_more_votes(personas, poll, verified):
    services.poll_close(actor=personas.community_head_a, poll=poll)
    with pytest.raises(Conflict) as refused:
        services.vote_cast(actor=personas.resident, poll=poll, option_ids=[options_of(poll)[0]])
    assert refused.value.code == "closed"


def test_a_resident_outside_the_audience_learns_nothing(personas, poll, resident_b, verified):
    with pytest.raises(NotFound):
        services.vote_cast(actor=resident_b, poll=poll, option_ids=[options_of(poll)[0]])
    with pytest.raises(NotFound):  # staff are not voters
        services.vote_cast(actor=personas.community_head_a, poll=poll, option_ids=[options_of(poll)[0]])
    assert not Vote.objects.exists()


def test_a_street_poll_reaches_every_community(personas, street_poll, resident_b, verified):
    a, b = options_of(street_poll)[:2]
    services.vote_cast(actor=personas.resident, poll=street_poll, option_ids=[a])
    vote = services.vote_cast(actor=resident_b, poll=street_poll, option_ids=[a, b])
    assert vote.community.name == "乙社区"


def test_multiple_choice_respects_its_maximum(personas, street_poll, verified):
    a, b, c, _d = options_of(street_poll)
    with pytest.raises(ValidationError) as too_many:
        services.vote_cast(actor=personas.resident, poll=street_poll, option_ids=[a, b, c])
    assert too_many.value.message_dict == {"options": [str(CHOOSE_AT_MOST % {"n": 2})]}
    assert not Vote.objects.exists()
    vote = services.vote_cast(actor=personas.resident, poll=street_poll, option_ids=[a, c])
    assert sorted(vote.choices.values_list("option_id", flat=True)) == [a, c]


def test_single_choice_takes_exactly_one_known_option(personas, poll, street_poll, verified):
    a, b = options_of(poll)[:2]
    for chosen in ([], [a, b]):
        with pytest.raises(ValidationError) as refused:
            services.vote_cast(actor=personas.resident, poll=poll, option_ids=chosen)
        assert refused.value.message_dict == {"options": [str(CHOOSE_ONE)]}
    foreign = options_of(street_poll)[0]
    for chosen in ([foreign], ["abc"]):
        with pytest.raises(ValidationError) as refused:
            services.vote_cast(actor=personas.resident, poll=poll, option_ids=chosen)
        assert refused.value.message_dict == {"options": [str(UNKNOWN_OPTION)]}
    assert not Vote.objects.exists()
