"""The demand-menu hook: votes of a community's residents for options naming a group, per group."""

import pytest

from civicgrid.polls import selectors, services

from .conftest import make_poll, options_of

pytestmark = pytest.mark.django_db


def test_votes_for_options_naming_a_group_are_counted_per_community(
    personas, tree, street_poll, resident_b, verified
):
    elderly, children, youth, families = options_of(street_poll)  # 老年食堂 is not 老人: not counted
    street_poll.options.filter(pk=elderly).update(text="社区养老服务站")
    services.vote_cast(actor=personas.resident, poll=street_poll, option_ids=[elderly, children])
    services.vote_cast(actor=personas.volunteer, poll=street_poll, option_ids=[elderly, youth])
    services.vote_cast(actor=resident_b, poll=street_poll, option_ids=[families])
    community_poll = make_poll(
        personas.community_head_a,
        tree.community_a,
        options=["老人与孩子共享的家庭活动日", "篮球场翻新"],
    )
    services.vote_cast(
        actor=personas.resident, poll=community_poll, option_ids=options_of(community_poll)[:1]
    )
    assert selectors.poll_demand(tree.community_a) == {"elderly": 3, "children": 2, "youth": 1, "families": 1}
    assert selectors.poll_demand(tree.community_b) == {"elderly": 0, "children": 0, "youth": 0, "families": 1}
    assert selectors.poll_demand(tree.grid_a1) == dict.fromkeys(selectors.DEMAND_GROUPS, 0)


def test_the_community_heads_demand_menu_has_a_column_of_poll_answers(
    personas, tree, street_poll, resident_b, verified
):
    from civicgrid.activities.selectors import demand_menu

    elderly, children, *_ = options_of(street_poll)
    street_poll.options.filter(pk=elderly).update(text="社区养老服务站")
    services.vote_cast(actor=personas.resident, poll=street_poll, option_ids=[elderly, children])
    menu = demand_menu(user=personas.community_head_a)
    column = [source.key for source in menu.sources].index("polls")
    figures = {row.audience: row.figures[column] for row in menu.rows}
    assert figures["elderly"] == 1 and figures["children"] == 1 and figures["youth"] == 0
