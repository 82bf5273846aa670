"""The problem-flow pages as people use them: report, centre, case page, emergency board, inbox."""

import io
import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from civicgrid.cases import services
from civicgrid.cases.choices import CaseStatus, Outcome
from civicgrid.cases.models import Case, CasePhoto
from civicgrid.core.testing import log_in
from civicgrid.notifications.models import Notification

from .conftest import A1_POINT, MONDAY_9AM

pytestmark = pytest.mark.django_db

B1_POINT = (30.05, 120.15)
REPORT = reverse("cases:report")
CENTRE = reverse("cases:centre")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def monday_morning():
    """Pages read the clock (lights, time left): keep it on Monday 09:00."""
    with time_machine.travel(MONDAY_9AM, tick=False):
        yield


def report(personas, flow, *, actor=None, category=None, point=A1_POINT, ago=timedelta(0), **kwargs):
    category = category or flow.ordinary
    return services.case_report(
        actor=actor or personas.grid_worker_a,
        channel="rewarded_report" if category.is_rewarded else "visit",
        category=category,
        description=kwargs.pop("description", "路灯不亮"),
        lat=point[0],
        lng=point[1],
        now=MONDAY_9AM - ago,
        **kwargs,
    )


def detail_url(case) -> str:
    return reverse("cases:detail", args=[case.pk])


def act_url(case, action: str) -> str:
    return reverse("cases:act", args=[case.pk, action])


def html(response) -> str:
    return response.content.decode()


def row_of(page: str, case) -> str:
    """The centre row of `case` (empty when it is not listed)."""
    match = re.search(
        rf'<div class="list-group-item" id="case-{case.pk}".*?data-testid="time-left">.*?</div>', page, re.S
    )
    return match.group(0) if match else ""


def resolved_case(personas, flow, **kwargs) -> Case:
    case = report(personas, flow, **kwargs)
    worker = personas.grid_worker_a
    case = services.case_claim(case=case, actor=worker)
    case = services.case_verify(case=case, actor=worker, note="现场确认")
    return services.case_resolve(case=case, actor=worker, note="已修复")


def png_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "GPS-Phone"  # Model
    out = io.BytesIO()
    image.save(out, format="PNG", exif=exif)
    return out.getvalue()


# -------------------------------------------------------------------------------- report page


def test_report_page_for_a_grid_worker_has_the_staff_layout_with_every_category_and_their_grids(
    client, personas, flow
):
    log_in(client, personas.grid_worker_a)
    response = client.get(REPORT)
    page = html(response)
    assert response.status_code == 200
    assert 'data-testid="current-user"' in page
    for category in (flow.ordinary, flow.rewarded, flow.suggestion):
        assert f'<option value="{category.pk}"' in page
    assert 'id="id_grid"' in page
    assert "甲一网格" in page


def test_report_page_for_a_volunteer_has_the_portal_layout_and_offers_only_rewarded_categories(
    client, personas, flow
):
    log_in(client, personas.volunteer)
    response = client.get(REPORT)
    page = html(response)
    assert response.status_code == 200
    assert 'class="portal"' in page
    assert 'data-testid="current-user"' not in page
    assert f'<option value="{flow.rewarded.pk}"' in page
    assert f'<option value="{flow.ordinary.pk}"' not in page
    assert f'<option value="{flow.suggestion.pk}"' not in page
    assert 'id="id_grid"' not in page  # a volunteer places the problem on the map


def test_a_resident_may_not_open_the_report_page(client, personas, flow):
    log_in(client, personas.resident)
    assert client.get(REPORT).status_code == 403


def test_report_map_is_given_the_outlines_of_the_reporters_area(client, personas, flow):
    log_in(client, personas.grid_worker_a)
    page = html(client.get(REPORT))
    assert "data-pick-map" in page
    assert 'data-geojson=""' not in page


def test_a_report_with_a_point_in_a1_opens_the_case_page(client, personas, flow, tree):
    log_in(client, personas.grid_worker_a)
    response = client.post(
        REPORT,
        {
            "category": flow.ordinary.pk,
            "description": "凯旋路路灯不亮",
            "lat": A1_POINT[0],
            "lng": A1_POINT[1],
            "contact_consent": "on",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(case)
    assert (case.grid, case.status, case.channel) == (tree.grid_a1, CaseStatus.AWAITING_CLAIM, "visit")
    page = html(client.get(response.url))
    assert f"已上报，问题编号 {case.number}。" in page
    assert "凯旋路路灯不亮" in page
    assert "甲一网格" in page
    assert 'data-light="green"' in page


def test_a_report_without_a_description_is_refused_with_422_and_nothing_is_saved(client, personas, flow):
    log_in(client, personas.grid_worker_a)
    response = client.post(
        REPORT, {"category": flow.ordinary.pk, "description": "  ", "lat": A1_POINT[0], "lng": A1_POINT[1]}
    )
    assert response.status_code == 422
    assert "请描述问题。" in html(response)
    assert not Case.objects.exists()


def test_a_volunteer_cannot_report_an_ordinary_category(client, personas, flow):
    log_in(client, personas.volunteer)
    response = client.post(
        REPORT,
        {"category": flow.ordinary.pk, "description": "路灯不亮", "lat": A1_POINT[0], "lng": A1_POINT[1]},
    )
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_a_volunteers_report_outside_every_grid_asks_for_a_place(client, personas, flow):
    log_in(client, personas.volunteer)
    response = client.post(
        REPORT, {"category": flow.rewarded.pk, "description": "垃圾堆放", "lat": 31.5, "lng": 121.5}
    )
    assert response.status_code == 422
    assert "无法确定问题所在网格" in html(response)
    assert not Case.objects.exists()


def test_a_text_file_named_like_a_photo_is_refused(client, personas, flow):
    log_in(client, personas.volunteer)
    fake = SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg")
    response = client.post(
        REPORT,
        {
            "category": flow.rewarded.pk,
            "description": "垃圾堆放",
            "lat": A1_POINT[0],
            "lng": A1_POINT[1],
            "photos": [fake],
        },
    )
    assert response.status_code == 422
    assert "只能上传图片" in html(response)
    assert not Case.objects.exists()
    assert not CasePhoto.objects.exists()


def test_a_png_photo_is_stored_re_encoded_as_jpeg_without_its_exif(client, personas, flow):
    data = png_with_exif()
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif()[0x010F] == "TestCam"
    log_in(client, personas.volunteer)
    response = client.post(
        REPORT,
        {
            "category": flow.rewarded.pk,
            "description": "垃圾堆放",
            "lat": A1_POINT[0],
            "lng": A1_POINT[1],
            "photos": [SimpleUploadedFile("photo.png", data, content_type="image/png")],
        },
    )
    assert response.status_code == 302
    photo = CasePhoto.objects.get()
    assert photo.case.channel == "rewarded_report"
    assert photo.image.name.endswith(".jpg")
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.size == (40, 30)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info


# -------------------------------------------------------------------------------- centre


@pytest.fixture
def waiting(personas, flow):
    """Three waiting cases in A1: fresh (green), 20 h old (yellow), 25 h old (red); one in B1."""
    return {
        "green": report(personas, flow, description="新问题"),
        "yellow": report(personas, flow, ago=timedelta(hours=20), description="快到期"),
        "red": report(personas, flow, ago=timedelta(hours=25), description="已超时"),
        "b1": report(personas, flow, actor=personas.grid_worker_b, point=B1_POINT, description="乙网格问题"),
    }


def test_centre_lists_waiting_cases_with_their_light_and_time_left(client, personas, waiting):
    log_in(client, personas.grid_worker_a)
    response = client.get(CENTRE)
    page = html(response)
    assert response.status_code == 200
    green, yellow, red = (row_of(page, waiting[k]) for k in ("green", "yellow", "red"))
    assert 'data-light="green"' in green
    assert "剩余 24.0 小时" in green
    assert 'data-light="yellow"' in yellow
    assert "剩余 4.0 小时" in yellow
    assert 'data-light="red"' in red
    assert "已超时 1.0 小时" in red
    assert page.index(red) < page.index(yellow) < page.index(green)  # most urgent first


def test_centre_filters_by_category_and_by_light(client, personas, flow, waiting):
    rewarded = report(personas, flow, category=flow.rewarded, description="卫生死角")
    log_in(client, personas.grid_worker_a)

    page = html(client.get(CENTRE, {"category": flow.rewarded.pk}))
    assert row_of(page, rewarded)
    assert not any(row_of(page, waiting[k]) for k in ("green", "yellow", "red"))

    page = html(client.get(CENTRE, {"light": "yellow"}))
    assert row_of(page, waiting["yellow"])
    assert not any(row_of(page, c) for c in (waiting["green"], waiting["red"], rewarded))

    page = html(client.get(CENTRE, {"light": "red"}))
    assert row_of(page, waiting["red"])
    assert not any(row_of(page, c) for c in (waiting["green"], waiting["yellow"], rewarded))

    page = html(client.get(CENTRE, {"light": "green", "category": flow.ordinary.pk}))
    assert row_of(page, waiting["green"])
    assert not any(row_of(page, c) for c in (waiting["yellow"], waiting["red"], rewarded))


def test_a_filter_change_from_htmx_returns_only_the_rows(client, personas, waiting):
    log_in(client, personas.grid_worker_a)
    response = client.get(CENTRE, {"light": "red"}, **HTMX)
    page = html(response)
    assert response.status_code == 200
    assert 'data-testid="centre-list"' in page
    assert "<html" not in page
    assert row_of(page, waiting["red"])
    assert not row_of(page, waiting["green"])


def test_the_centre_pages_by_50_and_its_links_keep_the_filters(client, personas, flow):
    cases = [report(personas, flow, ago=timedelta(minutes=i)) for i in range(51)]
    log_in(client, personas.grid_worker_a)
    first = html(client.get(CENTRE, {"tab": "open", "channel": "visit"}))
    assert first.count('data-testid="case-row"') == 50
    assert "第 1 页" in first
    assert "?tab=open&amp;channel=visit&amp;page=2" in first
    second = html(client.get(CENTRE, {"tab": "open", "channel": "visit", "page": 2}))
    assert second.count('data-testid="case-row"') == 1
    assert row_of(second, cases[0])  # the newest case is due last
    assert "?tab=open&amp;channel=visit&amp;page=1" in second and "page=3" not in second


def test_the_centre_speaks_english_when_asked(client, personas, waiting):
    log_in(client, personas.grid_worker_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = html(client.get(CENTRE))
    assert "Case handling centre" in page and "问题流转中心" not in page
    assert "All categories" in page and "Claim" in page


def test_a_grid_worker_of_b_sees_only_b_cases_in_the_centre(client, personas, waiting):
    log_in(client, personas.grid_worker_b)
    page = html(client.get(CENTRE))
    assert row_of(page, waiting["b1"])
    for key in ("green", "yellow", "red"):
        assert waiting[key].number not in page


def test_a_resident_gets_403_from_the_centre_and_a_visitor_is_sent_to_log_in(client, personas, waiting):
    response = client.get(CENTRE)
    assert response.status_code == 302
    assert "/accounts/login/" in response.url
    log_in(client, personas.resident)
    assert client.get(CENTRE).status_code == 403


# -------------------------------------------------------------------------------- claim


def test_claim_from_the_centre_with_htmx_returns_the_claim_result(client, personas, flow, tree):
    case = report(personas, flow)
    log_in(client, personas.grid_worker_a)
    response = client.post(reverse("cases:claim", args=[case.pk]), **HTMX)
    page = html(response)
    assert response.status_code == 200
    assert 'data-testid="claim-result"' in page
    assert f'id="case-{case.pk}"' in page
    assert "已领办。" in page
    assert "<html" not in page
    case.refresh_from_db()
    assert (case.status, case.holder, case.holder_user) == (
        CaseStatus.CLAIMED,
        tree.grid_a1,
        personas.grid_worker_a,
    )


def test_a_second_claim_is_refused_with_409_and_names_the_holder(client, personas, flow, tree):
    case = report(personas, flow)
    claim = reverse("cases:claim", args=[case.pk])
    log_in(client, personas.grid_worker_a)
    assert client.post(claim, **HTMX).status_code == 200

    log_in(client, personas.community_head_a)
    response = client.post(claim, **HTMX)
    assert response.status_code == 409
    assert "该问题已被“甲一网格”领办。" in html(response)
    case.refresh_from_db()
    assert (case.holder, case.holder_user) == (tree.grid_a1, personas.grid_worker_a)


def test_a_second_claim_without_htmx_goes_to_the_case_page_with_the_message(client, personas, flow):
    case = report(personas, flow)
    services.case_claim(case=case, actor=personas.grid_worker_a)
    log_in(client, personas.community_head_a)
    response = client.post(reverse("cases:claim", args=[case.pk]), follow=True)
    assert response.redirect_chain == [(detail_url(case), 302)]
    assert "该问题已被“甲一网格”领办。" in html(response)


# -------------------------------------------------------------------------------- case page


def test_the_case_page_shows_the_claim_button_and_after_claiming_the_holders_forms(client, personas, flow):
    case = report(personas, flow)
    log_in(client, personas.grid_worker_a)
    page = html(client.get(detail_url(case)))
    assert 'data-testid="claim"' in page
    assert 'data-testid="action-verify"' not in page

    client.post(reverse("cases:claim", args=[case.pk]))
    page = html(client.get(detail_url(case)))
    assert 'data-testid="claim"' not in page
    assert 'data-testid="action-verify"' in page
    assert "现场核实" in page
    assert 'data-testid="action-resolve"' not in page  # only after verification
    assert 'data-testid="action-close"' not in page


def test_after_resolving_the_community_head_sees_the_check_and_the_holder_does_not(client, personas, flow):
    case = resolved_case(personas, flow)
    log_in(client, personas.community_head_a)
    page = html(client.get(detail_url(case)))
    assert 'data-testid="action-close"' in page
    assert "核查结案" in page
    assert 'data-testid="action-reopen"' in page

    log_in(client, personas.grid_worker_a)
    page = html(client.get(detail_url(case)))
    assert 'data-testid="action-close"' not in page
    assert 'data-testid="action-reopen"' not in page


def test_a_grid_worker_of_another_grid_gets_404_on_the_case_and_its_actions(client, personas, flow):
    case = report(personas, flow)
    log_in(client, personas.grid_worker_b)
    assert client.get(detail_url(case)).status_code == 404
    assert client.post(reverse("cases:claim", args=[case.pk])).status_code == 404
    assert client.post(act_url(case, "verify"), {"verify-note": "x"}).status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_CLAIM


def test_an_action_the_user_may_not_take_changes_nothing(client, personas, flow):
    case = resolved_case(personas, flow)
    log_in(client, personas.grid_worker_a)  # the holder may not check their own work
    response = client.post(
        act_url(case, "close"), {"close-outcome": Outcome.RESOLVED, "close-note": "自己结案"}, follow=True
    )
    assert response.redirect_chain == [(detail_url(case), 302)]
    assert "当前不能执行此操作，请刷新后查看。" in html(response)
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_at) == (CaseStatus.RESOLVED, "", None)


def test_the_reporter_may_not_resolve_their_own_report(client, personas, flow):
    case = report(personas, flow, actor=personas.volunteer, category=flow.rewarded)
    case = services.case_claim(case=case, actor=personas.grid_worker_a)
    case = services.case_verify(case=case, actor=personas.grid_worker_a)
    log_in(client, personas.volunteer)
    page = html(client.get(detail_url(case)))
    assert 'data-testid="action-' not in page
    client.post(act_url(case, "resolve"), {"resolve-note": "我说修好了"})
    case.refresh_from_db()
    assert case.status == CaseStatus.VERIFIED


def test_resolving_without_a_note_is_refused_with_422(client, personas, flow):
    case = report(personas, flow)
    case = services.case_claim(case=case, actor=personas.grid_worker_a)
    case = services.case_verify(case=case, actor=personas.grid_worker_a)
    log_in(client, personas.grid_worker_a)
    response = client.post(act_url(case, "resolve"), {"resolve-note": " "})
    page = html(response)
    assert response.status_code == 422
    assert "请填写说明。" in page
    assert 'data-testid="action-resolve" open' in page
    case.refresh_from_db()
    assert (case.status, case.resolved_at) == (CaseStatus.VERIFIED, None)


def test_the_case_page_shows_the_time_left_in_chinese_without_fractions_of_a_second(client, personas, flow):
    fresh = report(personas, flow)  # 24 h left to claim
    odd = report(personas, flow, category=flow.rewarded, ago=timedelta(microseconds=250_000))  # 4 h limit
    log_in(client, personas.grid_worker_a)
    for case in (fresh, odd):
        shown = re.search(r"剩余 ([^<\n]*)", html(client.get(detail_url(case)))).group(1)
        assert "day" not in shown
        assert "." not in shown


def test_the_holder_can_attach_photos_to_the_verification(client, personas, flow):
    case = report(personas, flow)
    services.case_claim(case=case, actor=personas.grid_worker_a)
    log_in(client, personas.grid_worker_a)
    page = html(client.get(detail_url(case)))
    field = re.search(r'<input[^>]*name="verify-photos"[^>]*>', page)
    assert field is not None
    assert 'type="file"' in field.group(0)
    assert 'accept="image/*"' in field.group(0)


def test_the_reporter_rates_a_closed_case_once(client, personas, flow):
    case = resolved_case(personas, flow, actor=personas.volunteer, category=flow.rewarded)
    log_in(client, personas.volunteer)
    assert 'data-testid="rate"' not in html(client.get(detail_url(case)))  # not before closing

    services.case_close(case=case, actor=personas.community_head_a, outcome=Outcome.RESOLVED)
    page = html(client.get(detail_url(case)))
    assert 'data-testid="rate"' in page
    assert "评价处理结果" in page

    rate = reverse("cases:rate", args=[case.pk])
    response = client.post(rate, {"rating": 4, "comment": "很及时"}, follow=True)
    page = html(response)
    assert "感谢您的评价。" in page
    assert 'data-testid="rate"' not in page
    assert "4 ★ 很及时" in page

    response = client.post(rate, {"rating": 1, "comment": "改主意了"}, follow=True)
    assert "您已经评价过了。" in html(response)
    case.refresh_from_db()
    assert (case.rating, case.rating_comment) == (4, "很及时")


def test_only_the_reporter_sees_the_rating_form(client, personas, flow):
    case = resolved_case(personas, flow, actor=personas.volunteer, category=flow.rewarded)
    services.case_close(case=case, actor=personas.community_head_a, outcome=Outcome.RESOLVED)
    log_in(client, personas.community_head_a)
    assert 'data-testid="rate"' not in html(client.get(detail_url(case)))
    client.post(reverse("cases:rate", args=[case.pk]), {"rating": 1})
    case.refresh_from_db()
    assert case.rating is None


# -------------------------------------------------------------------------------- emergency board


def test_the_emergency_board_is_closed_to_a_grid_worker(client, personas, flow):
    log_in(client, personas.grid_worker_a)
    assert client.get(reverse("cases:warnings")).status_code == 403


def test_the_emergency_board_lists_open_warnings_for_the_street_leader(
    client, personas, flow, stability_centre
):
    graded = report(personas, flow, description="燃气泄漏")
    services.case_set_warning(case=graded, actor=personas.department_staff, level="II")
    plain = report(personas, flow, description="井盖缺失")
    log_in(client, personas.street_leader)
    response = client.get(reverse("cases:warnings"))
    page = html(response)
    assert response.status_code == 200
    assert graded.number in page
    assert plain.number not in page
    assert 'data-light="green"' in page
    assert "当前没有预警。" not in page


# -------------------------------------------------------------------------------- inbox


def test_the_reporter_finds_the_outcome_in_the_inbox_and_marks_all_read(client, personas, flow):
    case = resolved_case(personas, flow, actor=personas.volunteer, category=flow.rewarded)
    services.case_close(case=case, actor=personas.community_head_a, outcome=Outcome.RESOLVED, note="已清理")
    inbox = reverse("notifications:inbox")
    log_in(client, personas.volunteer)
    page = html(client.get(inbox))
    assert "您反映的问题已处理：已解决" in page
    assert f'href="{detail_url(case)}"' in page
    assert "list-group-item-primary" in page  # unread

    response = client.post(reverse("notifications:mark_read"), follow=True)
    assert response.redirect_chain == [(inbox, 302)]
    assert "list-group-item-primary" not in html(response)
    assert not Notification.objects.filter(user=personas.volunteer, read_at__isnull=True).exists()


# -------------------------------------------------------------------------------- query counts


def test_the_centre_uses_as_many_queries_for_30_cases_as_for_3(client, personas, flow, tree):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(CENTRE)
        assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        report(personas, flow)
    log_in(client, personas.grid_worker_a)
    client.get(CENTRE)  # warm the session
    with_3 = count_queries()
    for i in range(27):
        report(personas, flow, category=flow.rewarded if i % 2 else flow.ordinary, ago=timedelta(hours=i))
    page = html(client.get(CENTRE))
    assert page.count('data-testid="case-row"') == 30
    assert count_queries() <= with_3
