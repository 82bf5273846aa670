"""The API: what is open for me, a poll with its options, vote, answer a survey, read results —
the same rules, scoping and Chinese errors as the pages, as {code, message, errors}."""

import pytest

from civicgrid.core.testing import log_in
from civicgrid.polls import services
from civicgrid.polls.choices import ResultsVisibility
from civicgrid.polls.models import Response, Vote

from .conftest import make_poll, make_survey, options_of, questions

pytestmark = pytest.mark.django_db


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_open_items_are_scoped_to_my_community_and_street(
    client, personas, tree, poll, street_poll, survey, resident_b, django_assert_max_num_queries
):
    make_poll(personas.community_head_b, tree.community_b, title="乙社区投票")
    log_in(client, resident_b)
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/polls/open").json()
    assert [p["title"] for p in body["polls"]] == ["街道民生实事投票", "乙社区投票"] or [
        p["title"] for p in body["polls"]
    ] == ["乙社区投票", "街道民生实事投票"]
    assert body["surveys"] == []
    client.logout()
    log_in(client, personas.resident)
    body = client.get("/api/v1/polls/open").json()
    assert {p["title"] for p in body["polls"]} == {"社区活动室开放时间调整", "街道民生实事投票"}
    assert all(p["phase"] == "open" and p["voted"] is False for p in body["polls"])
    assert [s["title"] for s in body["surveys"]] == ["社区环境满意度调查"]
    client.logout()
    log_in(client, personas.community_head_a)
    assert client.get("/api/v1/polls/open").status_code == 403


def test_vote_through_the_api(client, personas, street_poll, verified, rules):
    log_in(client, personas.resident)
    a, b, c, _d = options_of(street_poll)
    detail = client.get(f"/api/v1/polls/{street_poll.pk}").json()
    assert detail["can_vote"] is True and detail["max_choices"] == 2 and len(detail["options"]) == 4
    too_many = post(client, f"/api/v1/polls/{street_poll.pk}/vote", {"option_ids": [a, b, c]})
    assert too_many.status_code == 400
    assert too_many.json()["errors"] == {"options": ["最多只能选择 2 项。"]}
    created = post(client, f"/api/v1/polls/{street_poll.pk}/vote", {"option_ids": [c, a]})
    assert created.status_code == 201 and created.json()["option_ids"] == sorted([a, c])
    again = post(client, f"/api/v1/polls/{street_poll.pk}/vote", {"option_ids": [b]})
    assert again.status_code == 409
    assert again.json() == {
        "code": "already_voted",
        "message": "您已经投过票了，每人只能投一次。",
        "errors": {},
    }
    detail = client.get(f"/api/v1/polls/{street_poll.pk}").json()
    assert (
        detail["voted"] is True
        and detail["can_vote"] is False
        and sorted(detail["my_choices"]) == sorted([a, c])
    )
    assert post(client, f"/api/v1/polls/{street_poll.pk}/vote", {"option_ids": "x"}).status_code == 422
    assert Vote.objects.count() == 1


def test_unverified_or_outside_voters_are_refused(client, personas, poll, resident_b):
    log_in(client, personas.resident)
    refused = post(client, f"/api/v1/polls/{poll.pk}/vote", {"option_ids": options_of(poll)[:1]})
    assert refused.status_code == 403 and refused.json()["code"] == "not_verified"
    client.logout()
    log_in(client, resident_b)
    assert client.get(f"/api/v1/polls/{poll.pk}").status_code == 404
    outside = post(client, f"/api/v1/polls/{poll.pk}/vote", {"option_ids": options_of(poll)[:1]})
    assert outside.status_code == 404 and outside.json()["code"] == "not_found"
    assert not Vote.objects.exists()


def test_answer_a_survey_through_the_api(client, personas, survey, verified):
    (q1, o1), (q2, o2), (q3, _), (q4, _) = questions(survey)
    log_in(client, personas.resident)
    shown = client.get(f"/api/v1/polls/surveys/{survey.pk}").json()
    assert [q["kind"] for q in shown["questions"]] == ["single", "multiple", "rating", "text"]
    assert [o["id"] for o in shown["questions"][0]["options"]] == o1
    url = f"/api/v1/polls/surveys/{survey.pk}/responses"
    missing = post(client, url, {"answers": [{"question_id": q1.pk, "option_ids": [o1[0]]}]})
    assert missing.status_code == 400
    assert missing.json()["errors"] == {q2.field_name: ["此题为必答题。"], q3.field_name: ["此题为必答题。"]}
    answers = [
        {"question_id": q1.pk, "option_ids": [o1[0]]},
        {"question_id": q2.pk, "option_ids": o2[:2]},
        {"question_id": q3.pk, "rating": 4},
        {"question_id": q4.pk, "text": "多组织活动"},
    ]
    assert post(client, url, {"answers": answers}).status_code == 201
    assert post(client, url, {"answers": answers}).json()["code"] == "already_responded"
    assert Response.objects.count() == 1
    results = client.get(f"/api/v1/polls/surveys/{survey.pk}/results")
    assert results.status_code == 403 and results.json()["code"] == "results_hidden"


def test_survey_results_for_staff_match_the_page(client, personas, tree, survey, verified):
    (q1, o1), (q2, o2), (q3, _), (_q4, _) = questions(survey)
    services.survey_respond(
        actor=personas.resident, survey=survey, answers={q1.pk: o1[0], q2.pk: o2[:1], q3.pk: 3}
    )
    log_in(client, personas.community_head_a)
    body = client.get(f"/api/v1/polls/surveys/{survey.pk}/results").json()
    assert body["responses"] == 1
    assert [o["count"] for o in body["questions"][0]["options"]] == [1, 0]
    assert body["questions"][2]["average"] == 3.0 and body["questions"][3]["texts"] == []
    client.logout()
    log_in(client, personas.community_head_b)
    assert client.get(f"/api/v1/polls/surveys/{survey.pk}/results").status_code == 404
    other = make_survey(personas.community_head_b, tree.community_b)
    assert client.get(f"/api/v1/polls/surveys/{other.pk}/results").json()["responses"] == 0


def test_poll_results_follow_the_visibility_rule(client, personas, tree, verified):
    poll = make_poll(
        personas.community_head_a, tree.community_a, results_visibility=ResultsVisibility.AFTER_VOTING
    )
    log_in(client, personas.resident)
    assert client.get(f"/api/v1/polls/{poll.pk}").json()["results_visible"] is False
    post(client, f"/api/v1/polls/{poll.pk}/vote", {"option_ids": options_of(poll)[:1]})
    body = client.get(f"/api/v1/polls/{poll.pk}/results").json()
    assert body["voters"] == 1 and body["options"][0]["count"] == 1
