"""Polls and surveys on the shared `tree`: a poll of community A, a street-wide poll, and a survey with
one question of each kind; residents are verified directly (the portal's own tests cover how)."""

from datetime import timedelta

import pytest

from civicgrid.core import clock
from civicgrid.core.testing import make_user
from civicgrid.org.choices import Role
from civicgrid.polls import services
from civicgrid.polls.choices import PollKind, QuestionKind, ResultsVisibility
from civicgrid.portal.choices import VerificationStatus
from civicgrid.portal.models import PointsRule, Verification


def verify(user, unit) -> None:
    Verification.objects.create(
        user=user,
        full_name=user.full_name,
        id_masked="3301**********1234",
        unit=unit,
        status=VerificationStatus.CONFIRMED,
        created_at=clock.now(),
    )


@pytest.fixture
def rules(db):
    PointsRule.objects.create(code="vote", name="参与投票", points=2)
    PointsRule.objects.create(code="survey", name="参与调研", points=5)


@pytest.fixture
def resident_b(tree):
    return make_user(
        "resident_b", unit=tree.community_b, role=Role.RESIDENT, kind="resident", phone="13800000002"
    )


@pytest.fixture
def verified(personas, tree, resident_b):
    """The resident and the volunteer of community A, and the resident of B, all verified."""
    verify(personas.resident, tree.grid_a1)
    verify(personas.volunteer, tree.grid_a1)
    verify(resident_b, tree.grid_b1)


def make_poll(head, unit, *, publish=True, **overrides):
    now = clock.now()
    fields = {
        "actor": head,
        "unit": unit,
        "title": "社区活动室开放时间调整",
        "description": "请选择您希望的开放时间。",
        "options": ["早上 8 点", "早上 9 点", "下午 1 点", "晚上 7 点"],
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=3),
        "kind": PollKind.SINGLE,
        "results_visibility": ResultsVisibility.ALWAYS,
    } | overrides
    poll = services.poll_create(**fields)
    if publish:
        services.poll_publish(actor=head, poll=poll)
    return poll


def options_of(poll) -> list[int]:
    return list(poll.options.values_list("pk", flat=True))


@pytest.fixture
def poll(personas, tree):
    return make_poll(personas.community_head_a, tree.community_a)


@pytest.fixture
def street_poll(personas, tree):
    return make_poll(
        personas.street_leader,
        tree.street,
        title="街道民生实事投票",
        kind=PollKind.MULTIPLE,
        max_choices=2,
        options=["老年食堂", "儿童乐园", "青年夜校", "家庭医生"],
    )


def make_survey(head, unit, *, publish=True):
    now = clock.now()
    survey = services.survey_create(
        actor=head,
        unit=unit,
        title="社区环境满意度调查",
        intro="约需 2 分钟。",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
    )
    services.question_add(
        actor=head,
        survey=survey,
        kind=QuestionKind.SINGLE,
        text="居住年限",
        options=["不到 5 年", "5 年以上"],
    )
    services.question_add(
        actor=head,
        survey=survey,
        kind=QuestionKind.MULTIPLE,
        text="希望改善什么",
        options=["卫生", "停车", "养老"],
    )
    services.question_add(actor=head, survey=survey, kind=QuestionKind.RATING, text="服务满意度")
    services.question_add(actor=head, survey=survey, kind=QuestionKind.TEXT, text="其他建议", required=False)
    if publish:
        services.survey_publish(actor=head, survey=survey)
    return survey


@pytest.fixture
def survey(personas, tree):
    return make_survey(personas.community_head_a, tree.community_a)


def questions(survey):
    """(single, multiple, rating, text) with their option ids."""
    rows = list(survey.questions.prefetch_related("options"))
    return [(q, [o.pk for o in q.options.all()]) for q in rows]
