"""Writes of 网络调研: staff build a questionnaire and publish it; verified residents answer once."""

from collections.abc import Mapping
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden, NotFound
from civicgrid.org.models import OrgUnit
from civicgrid.portal.services import is_verified, points_award

from ..choices import CHOICE_KINDS, QuestionKind, Status
from ..models import Answer, Question, QuestionOption, Response, Survey
from ..selectors import voter_community
from .common import (
    ALREADY_PUBLISHED,
    EDIT_ONLY_DRAFT,
    NOT_PUBLISHED,
    NOT_VERIFIED,
    WINDOW_PAST,
    clean_options,
    header_errors,
    raise_if,
    require_manager,
)
from .notices import announce
from .polls import open_or_refuse

QUESTION_KIND_INVALID = gettext_lazy("请选择题型。")
QUESTION_TEXT_REQUIRED = gettext_lazy("请填写题目。")
NO_QUESTIONS = gettext_lazy("请至少添加一个问题。")
MAX_QUESTIONS = 50
TOO_MANY_QUESTIONS = gettext_lazy("一份调研最多 %(n)d 个问题。")
ANSWER_REQUIRED = gettext_lazy("此题为必答题。")
ANSWER_ONE_OPTION = gettext_lazy("请选择一个给出的选项。")
ANSWER_OPTIONS = gettext_lazy("请从给出的选项中选择。")
ANSWER_RATING = gettext_lazy("请打 1 到 5 分。")
TEXT_MAX = 1000
ANSWER_TOO_LONG = gettext_lazy("回答不超过 1000 个字。")
ALREADY_RESPONDED = gettext_lazy("您已经提交过本次调研，每人只能填写一次。")
NOT_YET_OPEN = gettext_lazy("调研尚未开始。")
ALREADY_CLOSED = gettext_lazy("调研已截止。")


def _header(*, unit, title, intro, opens_at, closes_at) -> dict:
    raise_if(header_errors(unit=unit, title=title, opens_at=opens_at, closes_at=closes_at))
    return {
        "unit": unit,
        "title": title.strip()[:80],
        "intro": (intro or "").strip()[:4000],
        "opens_at": opens_at,
        "closes_at": closes_at,
    }


def _lock_draft(survey: Survey) -> None:
    """Hold the survey while its questions change; refuse once it is published."""
    if not Survey.objects.select_for_update().filter(pk=survey.pk, status=Status.DRAFT).exists():
        raise Conflict(EDIT_ONLY_DRAFT, code="not_draft")


@transaction.atomic
def survey_create(
    *,
    actor,
    unit: OrgUnit,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    intro: str = "",
    now: datetime | None = None,
) -> Survey:
    """Draft a survey; its questions are added next."""
    if unit is not None:
        require_manager(actor, unit)
    fields = _header(unit=unit, title=title, intro=intro, opens_at=opens_at, closes_at=closes_at)
    survey = Survey.objects.create(**fields, created_by=actor, created_at=now or clock.now())
    audit_record(action=AuditAction.CREATE, actor=actor, obj=survey)
    return survey


@transaction.atomic
def survey_update(
    *,
    actor,
    survey: Survey,
    unit: OrgUnit,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    intro: str = "",
) -> Survey:
    require_manager(actor, survey.unit)
    if unit is not None:
        require_manager(actor, unit)
    fields = _header(unit=unit, title=title, intro=intro, opens_at=opens_at, closes_at=closes_at)
    _lock_draft(survey)
    Survey.objects.filter(pk=survey.pk).update(**fields)
    survey.refresh_from_db()
    audit_record(action=AuditAction.UPDATE, actor=actor, obj=survey)
    return survey


def _question_fields(*, kind: str, text: str, options) -> tuple[dict, list[str]]:
    errors: dict[str, list] = {}
    if kind not in QuestionKind.values:
        errors["kind"] = [QUESTION_KIND_INVALID]
    if not (text or "").strip():
        errors["text"] = [QUESTION_TEXT_REQUIRED]
    texts: list[str] = []
    if kind in CHOICE_KINDS:
        try:
            texts = clean_options(options)
        except ValidationError as error:
            errors.update(error.message_dict)
    raise_if(errors)
    return {"kind": kind, "text": text.strip()[:200]}, texts


def _set_options(question: Question, texts: list[str]) -> None:
    question.options.all().delete()  # a draft has no answers yet
    QuestionOption.objects.bulk_create(
        [QuestionOption(question=question, text=text[:100], position=i) for i, text in enumerate(texts, 1)]
    )


@transaction.atomic
def question_add(
    *, actor, survey: Survey, kind: str, text: str, required: bool = True, options=()
) -> Question:
    """Append a question (single, multiple, rating 1–5 or text) to a draft survey."""
    require_manager(actor, survey.unit)
    fields, texts = _question_fields(kind=kind, text=text, options=options)
    _lock_draft(survey)
    last = survey.questions.aggregate(m=Max("position"))["m"]
    if survey.questions.count() >= MAX_QUESTIONS:
        raise ValidationError({"__all__": [TOO_MANY_QUESTIONS % {"n": MAX_QUESTIONS}]})
    question = Question.objects.create(
        survey=survey, position=(last or 0) + 1, required=bool(required), **fields
    )
    _set_options(question, texts)
    audit_record(action=AuditAction.UPDATE, actor=actor, obj=survey, details={"question_added": question.pk})
    return question


@transaction.atomic
def question_update(
    *, actor, question: Question, kind: str, text: str, required: bool = True, options=()
) -> Question:
    survey = question.survey
    require_manager(actor, survey.unit)
    fields, texts = _question_fields(kind=kind, text=text, options=options)
    _lock_draft(survey)
    Question.objects.filter(pk=question.pk).update(required=bool(required), **fields)
    _set_options(question, texts)
    question.refresh_from_db()
    audit_record(
        action=AuditAction.UPDATE, actor=actor, obj=survey, details={"question_changed": question.pk}
    )
    return question


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    survey = question.survey
    require_manager(actor, survey.unit)
    _lock_draft(survey)
    question_id = question.pk
    question.delete()
    audit_record(
        action=AuditAction.UPDATE, actor=actor, obj=survey, details={"question_deleted": question_id}
    )


@transaction.atomic
def question_move(*, actor, question: Question, up: bool) -> None:
    """Swap the question with the one before (or after) it."""
    survey = question.survey
    require_manager(actor, survey.unit)
    _lock_draft(survey)
    ordered = list(survey.questions.order_by("position", "pk"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        if item.position != position:
            Question.objects.filter(pk=item.pk).update(position=position)


@transaction.atomic
def survey_publish(*, actor, survey: Survey, now: datetime | None = None) -> Survey:
    """Open the draft to its audience and tell the residents in their inbox."""
    require_manager(actor, survey.unit)
    now = now or clock.now()
    survey.refresh_from_db()
    if survey.closes_at <= now:
        raise ValidationError({"closes_at": [WINDOW_PAST]})
    if not survey.questions.exists():
        raise ValidationError({"__all__": [NO_QUESTIONS]})
    changed = Survey.objects.filter(pk=survey.pk, status=Status.DRAFT).update(
        status=Status.PUBLISHED, published_at=now
    )
    if not changed:
        raise Conflict(ALREADY_PUBLISHED, code="already_published")
    survey.refresh_from_db()
    audit_record(
        action=AuditAction.STATE_CHANGE, actor=actor, obj=survey, details={"status": Status.PUBLISHED}
    )
    announce(
        unit=survey.unit,
        kind="polls.survey",
        key=f"survey:{survey.pk}",
        title=_("新的网络调研：%(title)s") % {"title": survey.title},
        url=survey.get_absolute_url(),
    )
    return survey


@transaction.atomic
def survey_close(*, actor, survey: Survey, now: datetime | None = None) -> Survey:
    require_manager(actor, survey.unit)
    changed = Survey.objects.filter(pk=survey.pk, status=Status.PUBLISHED).update(
        status=Status.CLOSED, closed_at=now or clock.now()
    )
    if not changed:
        raise Conflict(NOT_PUBLISHED, code="not_published")
    survey.refresh_from_db()
    audit_record(action=AuditAction.STATE_CHANGE, actor=actor, obj=survey, details={"status": Status.CLOSED})
    return survey


def _ids(value) -> list[int] | None:
    """Option ids from a form or JSON value; None when one is not a number."""
    if value is None or value == "":
        return []
    values = value if isinstance(value, list | tuple | set) else [value]
    try:
        return list(dict.fromkeys(int(v) for v in values if v not in (None, "")))
    except (TypeError, ValueError):
        return None


def _answers_for(question: Question, value, response: Response) -> tuple[list[Answer], str | None]:
    """The answer rows for one question, or the error to show under it."""
    if question.kind in CHOICE_KINDS:
        ids = _ids(value)
        valid = {option.pk: option for option in question.options.all()}
        if ids is None or any(i not in valid for i in ids):
            return [], str(ANSWER_OPTIONS)
        if question.kind == QuestionKind.SINGLE and len(ids) > 1:
            return [], str(ANSWER_ONE_OPTION)
        return [Answer(response=response, question=question, option=valid[i]) for i in ids], None
    if question.kind == QuestionKind.RATING:
        if value is None or value == "":
            return [], None
        try:
            rating = int(value)
        except (TypeError, ValueError):
            rating = 0
        if not 1 <= rating <= 5:
            return [], str(ANSWER_RATING)
        return [Answer(response=response, question=question, rating=rating)], None
    text = str(value or "").strip()
    if len(text) > TEXT_MAX:
        return [], str(ANSWER_TOO_LONG)
    return ([Answer(response=response, question=question, text=text)] if text else []), None


@transaction.atomic
def survey_respond(
    *, actor, survey: Survey, answers: Mapping[int, object], now: datetime | None = None
) -> Response:
    """A verified resident of the audience answers once, inside the window; `answers` maps a question's
    id to an option id (single), a list of option ids (multiple), 1–5 (rating) or a text. Nothing is
    saved unless every answer is valid and every required question answered."""
    now = now or clock.now()
    community = voter_community(actor, survey.unit)
    if community is None:
        raise NotFound()
    open_or_refuse(survey, now, not_yet=NOT_YET_OPEN, closed=ALREADY_CLOSED)
    if not is_verified(actor):
        raise Forbidden(NOT_VERIFIED, code="not_verified")
    if Response.objects.filter(survey=survey, user=actor).exists():
        raise Conflict(ALREADY_RESPONDED, code="already_responded")
    response = Response(survey=survey, user=actor, community=community, created_at=now)
    rows: list[Answer] = []
    errors: dict[str, list[str]] = {}
    for question in survey.questions.prefetch_related("options"):
        found, error = _answers_for(question, answers.get(question.pk), response)
        if error is None and question.required and not found:
            error = str(ANSWER_REQUIRED)
        if error:
            errors[question.field_name] = [error]
        rows.extend(found)
    raise_if(errors)
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise Conflict(ALREADY_RESPONDED, code="already_responded") from None
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    audit_record(action=AuditAction.CREATE, actor=actor, obj=response, details={"survey": survey.pk})
    points_award(
        user=actor,
        rule_code="survey",
        once_key=f"survey:{survey.pk}",
        note=_("调研：%(title)s") % {"title": survey.title},
        now=now,
    )
    return response
