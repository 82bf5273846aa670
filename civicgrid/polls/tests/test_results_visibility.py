"""Who sees a poll's results, and when: always, after voting, after closing, or staff only — the same
on the page and in the API."""

from datetime import timedelta

import pytest
import time_machine

from civicgrid.core.testing import log_in
from civicgrid.polls import selectors, services
from civicgrid.polls.choices import ResultsVisibility

from .conftest import make_poll, options_of

pytestmark = pytest.mark.django_db


def results_api(client, poll):
    return client.get(f"/api/v1/polls/{poll.pk}/results")


def poll_page(client, poll) -> str:
    return client.get(f"/portal/polls/{poll.pk}/").content.decode()


def voted_poll(personas, tree, visibility):
    poll = make_poll(personas.community_head_a, tree.community_a, results_visibility=visibility)
    services.vote_cast(actor=personas.volunteer, poll=poll, option_ids=[options_of(poll)[1]])
    return poll


def test_always_shows_results_to_the_audience_before_voting(client, personas, tree, verified):
    poll = voted_poll(personas, tree, ResultsVisibility.ALWAYS)
    log_in(client, personas.resident)
    body = results_api(client, poll).json()
    assert body["voters"] == 1
    assert [o["count"] for o in body["options"]] == [0, 1, 0, 0]
    assert [o["percent"] for o in body["options"]] == [0.0, 100.0, 0.0, 0.0]
    assert 'data-testid="poll-results"' in poll_page(client, poll)


def test_after_voting_shows_results_once_the_resident_has_voted(client, personas, tree, verified):
    poll = voted_poll(personas, tree, ResultsVisibility.AFTER_VOTING)
    log_in(client, personas.resident)
    hidden = results_api(client, poll)
    assert hidden.status_code == 403
    assert hidden.json() == {
        "code": "results_hidden",
        "message": str(selectors.RESULTS_AFTER_VOTING),
        "errors": {},
    }
    page = poll_page(client, poll)
    assert 'data-testid="poll-results"' not in page and str(selectors.RESULTS_AFTER_VOTING) in page
    client.post(f"/portal/polls/{poll.pk}/vote/", {"options": options_of(poll)[0]})
    assert results_api(client, poll).json()["voters"] == 2
    page = poll_page(client, poll)
    assert 'data-testid="poll-results"' in page and "bi-check-circle-fill" in page  # their own choice marked


def test_after_closing_hides_results_from_voters_until_the_poll_ends(client, personas, tree, verified):
    poll = voted_poll(personas, tree, ResultsVisibility.AFTER_CLOSING)
    log_in(client, personas.volunteer)  # has voted: still hidden
    assert results_api(client, poll).status_code == 403
    assert str(selectors.RESULTS_AFTER_CLOSING) in poll_page(client, poll)
    with time_machine.travel(poll.closes_at + timedelta(seconds=1), tick=False):
        log_in(client, personas.volunteer)  # the session of three days ago has expired
        assert results_api(client, poll).json()["voters"] == 1
        assert 'data-testid="poll-results"' in poll_page(client, poll)


def test_staff_only_results_never_reach_residents(client, personas, tree, verified):
    poll = voted_poll(personas, tree, ResultsVisibility.STAFF_ONLY)
    services.poll_close(actor=personas.community_head_a, poll=poll)
    log_in(client, personas.volunteer)
    response = results_api(client, poll)
    assert response.status_code == 403 and response.json()["message"] == str(selectors.RESULTS_STAFF_ONLY)
    assert 'data-testid="poll-results"' not in poll_page(client, poll)
    client.logout()
    log_in(client, personas.community_head_a)
    assert results_api(client, poll).json()["voters"] == 1
    page = client.get(f"/portal/polls/staff/{poll.pk}/").content.decode()
    assert 'data-testid="poll-results"' in page and 'id="poll-charts"' in page


def test_results_outside_the_audience_or_scope_are_not_found(client, personas, tree, resident_b, verified):
    poll = voted_poll(personas, tree, ResultsVisibility.ALWAYS)
    log_in(client, resident_b)
    assert results_api(client, poll).status_code == 404
    assert client.get(f"/portal/polls/{poll.pk}/").status_code == 404
    client.logout()
    log_in(client, personas.community_head_b)
    assert results_api(client, poll).status_code == 404
    assert client.get(f"/portal/polls/staff/{poll.pk}/").status_code == 404
