"""Poll pages: residents see their community's and street's polls and vote (with htmx or without);
staff draft, fix errors, publish (the audience is told) and close; roles and scopes are enforced."""

from datetime import timedelta

import pytest

from civicgrid.audit.models import AuditEvent
from civicgrid.core import clock
from civicgrid.core.testing import log_in
from civicgrid.notifications.models import Notification
from civicgrid.polls import services
from civicgrid.polls.choices import Status
from civicgrid.polls.forms import local_input
from civicgrid.polls.models import Poll, PollOption, Vote
from civicgrid.polls.services.common import OPTIONS_TOO_FEW, WINDOW_ORDER
from civicgrid.polls.services.polls import ALREADY_VOTED, CHOOSE_AT_MOST

from .conftest import make_poll, options_of

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_residents_community_and_street_only(client, personas, tree, resident_b, verified):
    mine = make_poll(personas.community_head_a, tree.community_a, title="甲社区的投票")
    street = make_poll(personas.street_leader, tree.street, title="全街道的投票")
    make_poll(personas.community_head_b, tree.community_b, title="乙社区的投票")
    make_poll(personas.community_head_a, tree.community_a, title="甲社区的草稿", publish=False)
    ended = make_poll(personas.community_head_a, tree.community_a, title="已结束的投票")
    services.poll_close(actor=personas.community_head_a, poll=ended)
    log_in(client, personas.resident)
    page = client.get("/portal/polls/").content.decode()
    open_part, closed_part = page.split('data-testid="closed-items"')
    assert "甲社区的投票" in open_part and "全街道的投票" in open_part
    assert "已结束的投票" in closed_part
    assert "乙社区的投票" not in page and "甲社区的草稿" not in page
    assert client.get(f"/portal/polls/{mine.pk}/").status_code == 200
    assert client.get(f"/portal/polls/{street.pk}/").status_code == 200
    draft = Poll.objects.get(title="甲社区的草稿")
    assert client.get(f"/portal/polls/{draft.pk}/").status_code == 404


def test_vote_on_the_page_without_htmx(client, personas, poll, verified, rules):
    log_in(client, personas.resident)
    page = client.get(f"/portal/polls/{poll.pk}/").content.decode()
    assert 'data-testid="vote-form"' in page and 'type="radio"' in page
    response = client.post(f"/portal/polls/{poll.pk}/vote/", {"options": options_of(poll)[2]})
    assert response.status_code == 302
    page = client.get(f"/portal/polls/{poll.pk}/").content.decode()
    assert "投票成功" in page and "您已投票" in page and 'data-testid="vote-form"' not in page
    again = client.post(f"/portal/polls/{poll.pk}/vote/", {"options": options_of(poll)[0]}, follow=True)
    assert str(ALREADY_VOTED) in again.content.decode()
    assert Vote.objects.count() == 1


def test_vote_with_htmx_swaps_in_the_results_or_the_errors(client, personas, street_poll, verified):
    log_in(client, personas.resident)
    a, b, c, _d = options_of(street_poll)
    url = f"/portal/polls/{street_poll.pk}/vote/"
    bad = client.post(url, {"options": [a, b, c]}, headers={"HX-Request": "true"})
    assert bad.status_code == 422
    body = bad.content.decode()
    assert str(CHOOSE_AT_MOST % {"n": 2}) in body and body.count("checked") == 3  # the choices stay
    assert not Vote.objects.exists()
    good = client.post(url, {"options": [a, c]}, headers={"HX-Request": "true"})
    assert good.status_code == 200
    body = good.content.decode()
    assert body.startswith('<div id="poll-body"') and "投票成功" in body  # the partial only
    again = client.post(url, {"options": [b]}, headers={"HX-Request": "true"})
    assert again.status_code == 422 and str(ALREADY_VOTED) in again.content.decode()


def test_an_unverified_resident_is_sent_to_verification(client, personas, poll):
    log_in(client, personas.resident)
    page = client.get(f"/portal/polls/{poll.pk}/").content.decode()
    assert 'data-testid="vote-form"' not in page and "/portal/verify/" in page
    response = client.post(f"/portal/polls/{poll.pk}/vote/", {"options": options_of(poll)[0]}, follow=True)
    assert "完成实名认证后才能参与" in response.content.decode()
    assert not Vote.objects.exists()


def test_roles_and_scopes_of_the_pages(client, personas, poll):
    log_in(client, personas.community_head_a)
    assert client.get("/portal/polls/").status_code == 403  # staff do not vote
    client.logout()
    log_in(client, personas.resident)
    for url in ["/portal/polls/staff/", "/portal/polls/staff/new/", f"/portal/polls/staff/{poll.pk}/"]:
        assert client.get(url).status_code == 403
    assert client.post(f"/portal/polls/staff/{poll.pk}/close/").status_code == 403
    client.logout()
    log_in(client, personas.community_head_b)
    assert client.get(f"/portal/polls/staff/{poll.pk}/").status_code == 404
    assert client.post(f"/portal/polls/staff/{poll.pk}/close/").status_code == 404
    assert "社区活动室开放时间调整" not in client.get("/portal/polls/staff/").content.decode()
    poll.refresh_from_db()
    assert poll.status == Status.PUBLISHED
    client.logout()
    assert client.get("/portal/polls/").status_code == 302  # signed out: to the log-in


def form(**overrides) -> dict:
    now = clock.now()
    return {
        "title": "垃圾分类投放点位置",
        "description": "",
        "kind": "single",
        "max_choices": "",
        "opens_at": local_input(now),
        "closes_at": local_input(now + timedelta(days=5)),
        "results_visibility": "after_closing",
        "options": "1 号楼东侧\n3 号楼北侧\n",
    } | overrides


def test_staff_create_with_errors_then_publish_and_close(client, personas, tree):
    log_in(client, personas.community_head_a)
    page = client.get("/portal/polls/staff/new/").content.decode()
    assert "甲社区" in page and "测试街道" not in page and "乙社区" not in page  # the audiences they may ask
    bad = client.post(
        "/portal/polls/staff/new/",
        form(
            unit=tree.community_a.pk,
            options="只有一个",
            closes_at=local_input(clock.now() - timedelta(days=1)),
        ),
    )
    assert bad.status_code == 422
    body = bad.content.decode()
    assert str(OPTIONS_TOO_FEW) in body and str(WINDOW_ORDER) in body
    assert client.post("/portal/polls/staff/new/", form(unit=tree.street.pk)).status_code == 422
    assert not Poll.objects.exists()
    created = client.post("/portal/polls/staff/new/", form(unit=tree.community_a.pk))
    poll = Poll.objects.get()
    assert created.status_code == 302 and created["Location"] == f"/portal/polls/staff/{poll.pk}/"
    assert poll.status == Status.DRAFT and list(poll.options.values_list("text", flat=True)) == [
        "1 号楼东侧",
        "3 号楼北侧",
    ]
    edited = client.post(
        f"/portal/polls/staff/{poll.pk}/edit/", form(unit=tree.community_a.pk, options="甲\n乙\n丙")
    )
    assert edited.status_code == 302 and PollOption.objects.filter(poll=poll).count() == 3
    client.post(f"/portal/polls/staff/{poll.pk}/publish/")
    poll.refresh_from_db()
    assert poll.status == Status.PUBLISHED
    told = Notification.objects.filter(kind="polls.poll")
    assert set(told.values_list("user__username", flat=True)) == {"resident", "volunteer"}
    assert told.first().url == f"/portal/polls/{poll.pk}/"
    again = client.get(f"/portal/polls/staff/{poll.pk}/edit/", follow=True)
    assert "已发布的内容不能再修改" in again.content.decode()
    client.post(f"/portal/polls/staff/{poll.pk}/close/")
    poll.refresh_from_db()
    assert poll.status == Status.CLOSED and poll.closed_at is not None
    actions = list(
        AuditEvent.objects.filter(object_type="polls.poll").order_by("pk").values_list("action", flat=True)
    )
    assert actions == ["create", "update", "state_change", "state_change"]


def test_multiple_choice_needs_a_sensible_maximum(client, personas, tree):
    log_in(client, personas.street_leader)
    bad = client.post("/portal/polls/staff/new/", form(unit=tree.street.pk, kind="multiple", max_choices="5"))
    assert (
        bad.status_code == 422
        and "多选时，最多可选项数应不少于 2、不超过选项数（2 个）" in bad.content.decode()
    )
    ok = client.post("/portal/polls/staff/new/", form(unit=tree.street.pk, kind="multiple", max_choices="2"))
    assert ok.status_code == 302 and Poll.objects.get().max_choices == 2


def test_a_street_poll_shows_participation_per_community(client, personas, street_poll, resident_b, verified):
    services.vote_cast(actor=personas.resident, poll=street_poll, option_ids=options_of(street_poll)[:1])
    services.vote_cast(actor=resident_b, poll=street_poll, option_ids=options_of(street_poll)[:2])
    log_in(client, personas.street_leader)
    page = client.get(f"/portal/polls/staff/{street_poll.pk}/").content.decode()
    assert 'data-testid="by-community"' in page and "甲社区" in page and "乙社区" in page
    assert "vendor/echarts/echarts.min.js" in page and "polls/results.js" in page
    listing = client.get("/portal/polls/staff/").content.decode()
    assert "街道民生实事投票" in listing and "2 人投票" in listing
