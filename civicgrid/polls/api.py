"""JSON API of 投票与调研 (mounted at /api/v1/polls/): what is open for me, vote, respond, results —
the same rules and scoping as the pages."""

from datetime import datetime

from ninja import Field, Router, Schema, Status

from civicgrid.core import clock
from civicgrid.core.api import Id
from civicgrid.core.errors import Forbidden, NotFound
from civicgrid.org.selectors import user_can
from civicgrid.portal.services import is_verified

from . import selectors, services
from .choices import Phase

router = Router()

SURVEY_RESULTS_STAFF_ONLY = "调研结果仅供工作人员查看。"


class OptionOut(Schema):
    id: int
    text: str


class PollRow(Schema):
    id: int
    title: str
    unit: str = Field(..., description="参与范围 · audience")
    kind: str
    max_choices: int
    opens_at: datetime
    closes_at: datetime
    phase: str = Field(..., description="upcoming / open / closed")
    voted: bool


class SurveyRow(Schema):
    id: int
    title: str
    unit: str
    opens_at: datetime
    closes_at: datetime
    phase: str
    responded: bool


class OpenOut(Schema):
    polls: list[PollRow]
    surveys: list[SurveyRow]


class PollOut(PollRow):
    description: str
    results_visibility: str
    options: list[OptionOut]
    my_choices: list[int]
    can_vote: bool
    results_visible: bool


class VoteIn(Schema):
    option_ids: list[Id] = Field(..., description="所选选项 id；单选只填一个 · chosen option ids")


class VoteOut(Schema):
    poll_id: int
    option_ids: list[int]
    created_at: datetime


class OptionCount(Schema):
    id: int
    text: str
    count: int
    percent: float


class PollResultsOut(Schema):
    poll_id: int
    voters: int
    options: list[OptionCount]


class QuestionOut(Schema):
    id: int
    kind: str
    text: str
    required: bool
    options: list[OptionOut]


class SurveyOut(SurveyRow):
    intro: str
    questions: list[QuestionOut]


class AnswerIn(Schema):
    question_id: Id
    option_ids: list[Id] = Field(default_factory=list, description="单选、多选题 · choice questions")
    rating: int | None = Field(None, description="评分题 1–5 · rating questions")
    text: str = Field("", max_length=1000, description="填空题 · text questions")


class RespondIn(Schema):
    answers: list[AnswerIn]


class ResponseOut(Schema):
    survey_id: int
    created_at: datetime


class QuestionSummary(Schema):
    id: int
    kind: str
    text: str
    required: bool
    answered: int
    options: list[OptionCount]
    average: float | None
    ratings: list[int]
    texts: list[str]


class SurveyResultsOut(Schema):
    survey_id: int
    responses: int
    questions: list[QuestionSummary]


def _voter(request) -> None:
    if not user_can(request.user, "polls.vote"):
        raise Forbidden()


def _poll_row(poll, now: datetime) -> dict:
    return {
        "id": poll.pk,
        "title": poll.title,
        "unit": poll.unit.name,
        "kind": poll.kind,
        "max_choices": poll.choice_limit,
        "opens_at": poll.opens_at,
        "closes_at": poll.closes_at,
        "phase": poll.phase(now),
        "voted": poll.voted,
    }


def _survey_row(survey, now: datetime) -> dict:
    return {
        "id": survey.pk,
        "title": survey.title,
        "unit": survey.unit.name,
        "opens_at": survey.opens_at,
        "closes_at": survey.closes_at,
        "phase": survey.phase(now),
        "responded": survey.responded,
    }


@router.get("/open", response=OpenOut, summary="我可以参与的投票与调研 · Open polls and surveys for me")
def open_items(request):
    """Open and upcoming polls and surveys of the caller's community and street, soonest to close first."""
    _voter(request)
    now = clock.now()
    polls = selectors.open_polls_for(request.user, now=now)[: selectors.LIST_LIMIT]
    surveys = selectors.open_surveys_for(request.user, now=now)[: selectors.LIST_LIMIT]
    return {"polls": [_poll_row(p, now) for p in polls], "surveys": [_survey_row(s, now) for s in surveys]}


@router.get("/surveys/{survey_id}", response=SurveyOut, summary="调研问卷 · A survey's questions")
def get_survey(request, survey_id: int):
    _voter(request)
    survey = selectors.access_survey(user=request.user, survey_id=survey_id)
    questions = [
        {
            "id": q.pk,
            "kind": q.kind,
            "text": q.text,
            "required": q.required,
            "options": [{"id": o.pk, "text": o.text} for o in q.options.all()],
        }
        for q in selectors.questions_of(survey)
    ]
    return _survey_row(survey, clock.now()) | {"intro": survey.intro, "questions": questions}


@router.post(
    "/surveys/{survey_id}/responses", response={201: ResponseOut}, summary="提交调研答卷 · Answer a survey"
)
def respond(request, survey_id: int, payload: RespondIn):
    """Errors name the question: {"q<question id>": ["此题为必答题。"]}."""
    _voter(request)
    survey = selectors.access_survey(user=request.user, survey_id=survey_id)
    answers: dict[int, object] = {}
    for answer in payload.answers:
        if answer.option_ids:
            answers[answer.question_id] = answer.option_ids
        elif answer.rating is not None:
            answers[answer.question_id] = answer.rating
        else:
            answers[answer.question_id] = answer.text
    response = services.survey_respond(actor=request.user, survey=survey, answers=answers)
    return Status(201, {"survey_id": survey.pk, "created_at": response.created_at})


@router.get(
    "/surveys/{survey_id}/results", response=SurveyResultsOut, summary="调研结果（工作人员）· Survey results"
)
def survey_results(request, survey_id: int):
    """Staff managing the survey; a resident of its audience gets 403, anyone else 404."""
    if user_can(request.user, "polls.manage"):
        try:
            survey = selectors.access_managed_survey(user=request.user, survey_id=survey_id)
        except NotFound:
            survey = None
        if survey is not None:
            return {"survey_id": survey.pk, **selectors.survey_summary(survey)}
    if user_can(request.user, "polls.vote"):
        selectors.access_survey(user=request.user, survey_id=survey_id)  # 404 outside the audience
        raise Forbidden(SURVEY_RESULTS_STAFF_ONLY, code="results_hidden")
    raise NotFound()


@router.get("/{poll_id}", response=PollOut, summary="投票详情 · A poll")
def get_poll(request, poll_id: int):
    _voter(request)
    poll = selectors.access_poll(user=request.user, poll_id=poll_id)
    now = clock.now()
    hidden = selectors.results_hidden_reason(user=request.user, poll=poll, voted=poll.voted, now=now)
    return _poll_row(poll, now) | {
        "description": poll.description,
        "results_visibility": poll.results_visibility,
        "options": [{"id": o.pk, "text": o.text} for o in selectors.poll_options(poll)],
        "my_choices": selectors.my_choices(user=request.user, poll=poll) if poll.voted else [],
        "can_vote": not poll.voted and poll.phase(now) == Phase.OPEN and is_verified(request.user),
        "results_visible": hidden is None,
    }


@router.post("/{poll_id}/vote", response={201: VoteOut}, summary="投票 · Vote")
def vote(request, poll_id: int, payload: VoteIn):
    """One vote per verified resident: a second one is 409 `already_voted`; outside the window 409,
    unverified 403 `not_verified`, too many options 400 with the reason under `options`."""
    _voter(request)
    poll = selectors.access_poll(user=request.user, poll_id=poll_id)
    cast = services.vote_cast(actor=request.user, poll=poll, option_ids=payload.option_ids)
    return Status(
        201,
        {
            "poll_id": poll.pk,
            "option_ids": sorted(c.option_id for c in cast.choices.all()),
            "created_at": cast.created_at,
        },
    )


@router.get("/{poll_id}/results", response=PollResultsOut, summary="投票结果 · Poll results")
def poll_results(request, poll_id: int):
    """Staff managing the poll always; residents of its audience as its results rule allows (403 with
    the reason otherwise); anyone else 404."""
    poll = None
    if user_can(request.user, "polls.manage"):
        try:
            poll = selectors.access_managed_poll(user=request.user, poll_id=poll_id)
        except NotFound:
            poll = None
    if poll is None:
        if not user_can(request.user, "polls.vote"):
            raise NotFound()
        poll = selectors.access_poll(user=request.user, poll_id=poll_id)
        hidden = selectors.results_hidden_reason(user=request.user, poll=poll, voted=poll.voted)
        if hidden is not None:
            raise Forbidden(hidden, code="results_hidden")
    return {"poll_id": poll.pk, **selectors.poll_results(poll)}
