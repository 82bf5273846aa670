"""A survey's results as XLSX: a summary sheet and the raw answers, with no personal data; audited."""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from civicgrid.audit.choices import AuditAction
from civicgrid.audit.services import audit_record
from civicgrid.portal.services import scrub

from .choices import CHOICE_KINDS, QuestionKind
from .models import Answer, Response, Survey
from .selectors import questions_of, survey_summary
from .services.common import require_manager


def survey_results_xlsx(*, actor, survey: Survey, request=None) -> bytes:
    """Sheet 汇总: per question its counts, average or number of texts. Sheet 原始答卷: one row per
    response, numbered and dated, with neither names nor accounts."""
    require_manager(actor, survey.unit)
    summary = survey_summary(survey, texts_shown=0)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_("汇总"))
    sheet.append([survey.title])
    sheet.append([_("参与范围"), survey.unit.name, _("答卷数"), summary["responses"]])
    sheet.append([])
    sheet.append([_("序号"), _("题目"), _("题型"), _("选项 / 项目"), _("人数"), _("占比（%）")])
    for number, question in enumerate(summary["questions"], start=1):
        head = [number, question["text"], question["kind_label"]]
        if question["kind"] in CHOICE_KINDS:
            for option in question["options"]:
                sheet.append([*head, option["text"], option["count"], option["percent"]])
        elif question["kind"] == QuestionKind.RATING:
            for score, count in enumerate(question["ratings"], start=1):
                sheet.append([*head, _("%(n)d 分") % {"n": score}, count, None])
            sheet.append([*head, _("平均分"), question["average"], None])
        else:
            sheet.append([*head, _("填写人数"), question["answered"], None])

    questions = questions_of(survey)
    raw = book.create_sheet(title=_("原始答卷"))
    raw.append([_("答卷编号"), _("提交日期"), *(q.text for q in questions)])
    cells: dict[int, dict[int, list[str]]] = {}
    for response_id, question_id, option_text, rating, text in (
        Answer.objects.filter(response__survey=survey)
        .order_by("pk")
        .values_list("response_id", "question_id", "option__text", "rating", "text")
    ):
        value = (
            option_text if option_text is not None else (str(rating) if rating is not None else scrub(text))
        )
        cells.setdefault(response_id, {}).setdefault(question_id, []).append(value)
    count = 0
    for count, (response_id, created_at) in enumerate(
        Response.objects.filter(survey=survey).order_by("created_at", "pk").values_list("pk", "created_at"),
        start=1,
    ):
        answers = cells.get(response_id, {})
        raw.append(
            [
                count,
                timezone.localdate(created_at).isoformat(),
                *(_cell(q, answers.get(q.pk, [])) for q in questions),
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    audit_record(
        action=AuditAction.EXPORT,
        actor=actor,
        obj=survey,
        request=request,
        details={"what": "survey_results", "rows": count},
    )
    return buffer.getvalue()


def _cell(question, values: list[str]):
    if question.kind == QuestionKind.RATING and values:
        return int(values[0])
    return "、".join(values)
