"""The demo street's polls and surveys load twice without change; the portal home links to them."""

import io

import pytest

from civicgrid.accounts import demo as accounts_demo
from civicgrid.core.testing import log_in
from civicgrid.org import demo as org_demo
from civicgrid.polls import demo, selectors
from civicgrid.polls.models import Answer, Poll, PollOption, Question, Response, Survey, Vote, VoteChoice

pytestmark = pytest.mark.django_db

MODELS = (Poll, PollOption, Vote, VoteChoice, Survey, Question, Response, Answer)


def test_the_demo_is_realistic_and_idempotent():
    ctx: dict = {"stdout": io.StringIO(), "scale": 0}
    org_demo.load(ctx)
    accounts_demo.load(ctx)
    demo.load(ctx)
    counts = [model.objects.count() for model in MODELS]
    demo.load(ctx)
    assert [model.objects.count() for model in MODELS] == counts
    street_poll = Poll.objects.get(unit=ctx["street"])
    results = selectors.poll_results(street_poll, by_community=True)
    assert results["voters"] > 20 and len(results["communities"]) > 5
    assert not Vote.objects.filter(user__username="resident01", poll=street_poll).exists()
    assert Poll.objects.filter(status="draft").count() == 1
    summary = selectors.survey_summary(Survey.objects.get())
    assert summary["responses"] == 15 and summary["questions"][2]["average"] is not None
    assert sum(selectors.poll_demand(ctx["communities"][0]).values()) > 0


def test_the_portal_home_links_residents_to_polls(client, personas):
    log_in(client, personas.resident)
    page = client.get("/portal/").content.decode()
    assert 'data-testid="polls-panel"' in page and "/portal/polls/" in page
    client.logout()
    log_in(client, personas.community_head_a)
    assert "/portal/polls/staff/" in client.get("/").content.decode()  # the staff menu
