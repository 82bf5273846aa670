"""Surveys: residents answer once with every required question answered (422 in Chinese otherwise);
staff build the questionnaire while it is a draft and read the summary, with charts and an audited
XLSX export that holds no personal data."""

import io
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError

from civicgrid.audit.models import AuditEvent
from civicgrid.core import clock
from civicgrid.core.errors import Conflict, Forbidden, NotFound
from civicgrid.core.testing import log_in
from civicgrid.polls import selectors, services
from civicgrid.polls.choices import QuestionKind, Status
from civicgrid.polls.models import Answer, Question, Response
from civicgrid.polls.services.common import EDIT_ONLY_DRAFT
from civicgrid.polls.services.surveys import (
    ALREADY_CLOSED,
    ALREADY_RESPONDED,
    ANSWER_ONE_OPTION,
    ANSWER_OPTIONS,
    ANSWER_RATING,
    ANSWER_REQUIRED,
    NO_QUESTIONS,
)
from civicgrid.portal.models import PointsEntry, Verification

from .conftest import make_survey, questions

pytestmark = pytest.mark.django_db


def full_answers(survey, *, single=0, multiple=(0,), rating=4, text=""):
    (q1, o1), (q2, o2), (q3, _), (q4, _) = questions(survey)
    return {q1.pk: o1[single], q2.pk: [o2[i] for i in multiple], q3.pk: rating, q4.pk: text}


def test_required_questions_must_be_answered_and_nothing_is_saved(personas, survey, verified, rules):
    (q1, o1), (q2, _), (q3, _), (q4, _) = questions(survey)
    with pytest.raises(ValidationError) as missing:
        services.survey_respond(actor=personas.resident, survey=survey, answers={q1.pk: o1[0]})
    assert missing.value.message_dict == {
        q2.field_name: [str(ANSWER_REQUIRED)],
        q3.field_name: [str(ANSWER_REQUIRED)],
    }  # the text question is optional
    with pytest.raises(ValidationError) as wrong:
        services.survey_respond(
            actor=personas.resident,
            survey=survey,
            answers={q1.pk: [o1[0], o1[1]], q2.pk: [999999], q3.pk: 6, q4.pk: "好"},
        )
    assert wrong.value.message_dict == {
        q1.field_name: [str(ANSWER_ONE_OPTION)],
        q2.field_name: [str(ANSWER_OPTIONS)],
        q3.field_name: [str(ANSWER_RATING)],
    }
    assert not Response.objects.exists() and not Answer.objects.exists()
    assert not PointsEntry.objects.exists()


def test_one_response_per_resident_with_points_once(personas, survey, verified, rules):
    response = services.survey_respond(
        actor=personas.resident, survey=survey, answers=full_answers(survey, multiple=(0, 2), text="多种树")
    )
    assert response.answers.count() == 5  # one, two, a rating and a text
    with pytest.raises(Conflict) as again:
        services.survey_respond(actor=personas.resident, survey=survey, answers=full_answers(survey))
    assert again.value.code == "already_responded" and str(again.value.message) == str(ALREADY_RESPONDED)
    assert Response.objects.count() == 1
    assert PointsEntry.objects.get(user=personas.resident).rule == "survey"
    assert AuditEvent.objects.filter(object_type="polls.response", action="create").count() == 1


def test_outside_the_audience_the_window_or_verification_is_refused(
    personas, survey, resident_b, tree, verified
):
    with pytest.raises(NotFound):
        services.survey_respond(actor=resident_b, survey=survey, answers=full_answers(survey))
    with time_machine.travel(survey.closes_at, tick=False), pytest.raises(Conflict) as late:
        services.survey_respond(actor=personas.resident, survey=survey, answers=full_answers(survey))
    assert str(late.value.message) == str(ALREADY_CLOSED)
    Verification.objects.filter(user=personas.volunteer).delete()
    with pytest.raises(Forbidden) as unverified:
        services.survey_respond(actor=personas.volunteer, survey=survey, answers=full_answers(survey))
    assert unverified.value.code == "not_verified"
    assert not Response.objects.exists()


def test_the_survey_page_answers_422_with_errors_under_each_question(client, personas, survey, verified):
    (q1, o1), (q2, o2), (q3, _), (q4, _) = questions(survey)
    log_in(client, personas.resident)
    page = client.get(f"/portal/polls/surveys/{survey.pk}/").content.decode()
    assert page.count("<fieldset") == 4 and 'type="checkbox"' in page and f'name="{q3.field_name}"' in page
    bad = client.post(f"/portal/polls/surveys/{survey.pk}/", {q1.field_name: o1[1], q4.field_name: "路灯"})
    assert bad.status_code == 422
    body = bad.content.decode()
    assert body.count(str(ANSWER_REQUIRED)) == 2
    assert f'value="{o1[1]}" id="{q1.field_name}-{o1[1]}" checked' in body and "路灯</textarea>" in body
    assert not Response.objects.exists()
    good = client.post(
        f"/portal/polls/surveys/{survey.pk}/",
        {q1.field_name: o1[1], q2.field_name: [o2[0], o2[1]], q3.field_name: "5"},
    )
    assert good.status_code == 302
    page = client.get(f"/portal/polls/surveys/{survey.pk}/").content.decode()
    assert 'data-testid="responded"' in page and 'data-testid="survey-form"' not in page
    assert sorted(Answer.objects.filter(question=q2).values_list("option_id", flat=True)) == sorted(o2[:2])


def answered(survey, personas):
    services.survey_respond(
        actor=personas.resident,
        survey=survey,
        answers=full_answers(survey, single=0, multiple=(0, 1), rating=5, text="电话 13812345678 联系我"),
    )
    services.survey_respond(
        actor=personas.volunteer,
        survey=survey,
        answers=full_answers(survey, single=1, multiple=(1,), rating=2),
    )


def test_the_summary_counts_options_averages_ratings_and_lists_texts(personas, survey, verified):
    answered(survey, personas)
    summary = selectors.survey_summary(survey)
    assert summary["responses"] == 2
    single, multiple, rating, text = summary["questions"]
    assert [(o["count"], o["percent"]) for o in single["options"]] == [(1, 50.0), (1, 50.0)]
    assert [o["count"] for o in multiple["options"]] == [1, 2, 0]
    assert [o["percent"] for o in multiple["options"]] == [50.0, 100.0, 0.0]
    assert rating["average"] == 3.5 and rating["ratings"] == [0, 1, 0, 0, 1]
    assert text["answered"] == 1 and text["texts"] == ["电话 *** 联系我"]  # no phone numbers, no names


def test_staff_results_page_with_charts_and_no_names(client, personas, survey, verified):
    answered(survey, personas)
    log_in(client, personas.community_head_a)
    page = client.get(f"/portal/polls/staff/surveys/{survey.pk}/").content.decode()
    assert 'data-testid="response-count">2<' in page
    assert 'data-testid="average">3.5<' in page
    assert 'id="poll-charts"' in page and page.count('class="poll-chart"') == 3  # two choice, one rating
    assert "电话 *** 联系我" in page and "13812345678" not in page
    assert "resident" not in page and "volunteer" not in page
    client.logout()
    log_in(client, personas.community_head_b)
    assert client.get(f"/portal/polls/staff/surveys/{survey.pk}/").status_code == 404
    assert client.post(f"/portal/polls/staff/surveys/{survey.pk}/export/").status_code == 404
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_export_has_a_summary_and_anonymous_raw_answers_and_is_audited(
    client, personas, survey, verified
):
    answered(survey, personas)
    log_in(client, personas.community_head_a)
    response = client.post(f"/portal/polls/staff/surveys/{survey.pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == ["汇总", "原始答卷"]
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[0][0] == "社区环境满意度调查" and summary[1][3] == 2
    assert (1, "居住年限", "单选题", "不到 5 年", 1, 50.0) in summary
    assert (2, "希望改善什么", "多选题", "停车", 2, 100.0) in summary
    assert (3, "服务满意度", "1–5 分评分题", "平均分", 3.5) in summary
    assert (4, "其他建议", "填空题", "填写人数", 1) in summary
    raw = list(book["原始答卷"].iter_rows(values_only=True))
    assert raw[0][2:] == ("居住年限", "希望改善什么", "服务满意度", "其他建议")
    assert [r[0] for r in raw[1:]] == [1, 2]
    assert raw[1][2:] == ("不到 5 年", "卫生、停车", 5, "电话 *** 联系我")
    assert raw[2][2:4] == ("5 年以上", "停车") and raw[2][4] == 2
    flat = " ".join(str(cell) for row in raw + summary for cell in row)
    assert "resident" not in flat and "volunteer" not in flat and "13812345678" not in flat
    event = AuditEvent.objects.get(action="export")
    assert event.actor == personas.community_head_a and event.object_type == "polls.survey"
    assert event.details == {"what": "survey_results", "rows": 2}


def test_questions_are_edited_only_while_the_survey_is_a_draft(client, personas, tree):
    head = personas.community_head_a
    survey = make_survey(head, tree.community_a, publish=False)
    log_in(client, head)
    url = f"/portal/polls/staff/surveys/{survey.pk}/questions/"
    bad = client.post(url, {"kind": "single", "text": "只有一个选项", "required": "on", "options": "是"})
    assert bad.status_code == 422 and "请至少填写两个选项" in bad.content.decode()
    assert client.post(url, {"kind": "rating", "text": "总体评价", "required": "on"}).status_code == 302
    last = survey.questions.order_by("-position").first()
    assert (last.text, last.kind, last.position) == ("总体评价", QuestionKind.RATING, 5)
    client.post(f"{url}{last.pk}/move/", {"direction": "up"})
    assert list(survey.questions.values_list("text", flat=True))[3] == "总体评价"
    client.post(f"{url}{last.pk}/", {"kind": "text", "text": "总体评价（文字）", "options": ""})
    last.refresh_from_db()
    assert (last.kind, last.required) == (QuestionKind.TEXT, False)
    client.post(f"{url}{last.pk}/delete/")
    assert not Question.objects.filter(pk=last.pk).exists()
    client.post(f"/portal/polls/staff/surveys/{survey.pk}/publish/")
    survey.refresh_from_db()
    assert survey.status == Status.PUBLISHED
    with pytest.raises(Conflict) as refused:
        services.question_add(actor=head, survey=survey, kind="text", text="迟到的问题")
    assert str(refused.value.message) == str(EDIT_ONLY_DRAFT)
    follow = client.post(url, {"kind": "text", "text": "迟到的问题"}, follow=True)
    assert str(EDIT_ONLY_DRAFT) in follow.content.decode()
    assert survey.questions.count() == 4


def test_a_survey_without_questions_cannot_be_published(client, personas, tree):
    survey = services.survey_create(
        actor=personas.community_head_a,
        unit=tree.community_a,
        title="空问卷",
        opens_at=clock.now(),
        closes_at=clock.now() + timedelta(days=1),
    )
    log_in(client, personas.community_head_a)
    response = client.post(f"/portal/polls/staff/surveys/{survey.pk}/publish/", follow=True)
    assert str(NO_QUESTIONS) in response.content.decode()
    survey.refresh_from_db()
    assert survey.status == Status.DRAFT
