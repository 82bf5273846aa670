"""Sign-up with an SMS code (rate-limited); a suggestion becomes a case, gets a named reply in the
resident's inbox, is resolved, rated and published without personal data; news per community."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.accounts.models import User
from civicgrid.cases import services as case_services
from civicgrid.cases.choices import Channel
from civicgrid.cases.models import Case, Category, SlaPolicy
from civicgrid.core.clock import now as clock_now
from civicgrid.core.testing import log_in
from civicgrid.notifications.models import Notification
from civicgrid.portal import services
from civicgrid.portal.models import News, PointsEntry, PointsRule, Publication, SignupCode, SuggestionRule

from .conftest import code_for, without_tokens


def test_sign_up_with_an_sms_code(client, tree, sms):
    response = client.post("/portal/signup/", {"step": "code", "phone": "13912345678"})
    assert response.status_code == 200 and len(sms) == 1
    assert SignupCode.objects.get().code_hash != code_for(sms)  # stored hashed
    data = {
        "step": "create",
        "phone": "13912345678",
        "code": code_for(sms),
        "full_name": "陈小红",
        "community": tree.community_a.pk,
        "password": "Kaixuan-Resident-2026",
    }
    response = client.post("/portal/signup/", data)
    assert response.status_code == 302
    user = User.objects.get(phone_index__isnull=False, full_name="陈小红")
    assert user.kind == "resident" and user.memberships.get().unit == tree.community_a
    assert client.get("/portal/").status_code == 200
    # The number is now taken: asking again looks exactly like a first request to the page, and the
    # phone's owner gets a reminder instead of a code; no code signs the number up twice.
    client.logout()
    with time_machine.travel(clock_now() + timedelta(minutes=2)):
        again = client.post("/portal/signup/", {"step": "code", "phone": "13912345678"})
        fresh = client.post("/portal/signup/", {"step": "code", "phone": "13912345679"})
    assert again.status_code == fresh.status_code == 200
    assert without_tokens(again) == without_tokens(fresh).replace("13912345679", "13912345678")
    reminder = sms[-2]
    assert reminder[0] == "13912345678" and "已注册" in reminder[1] and "验证码是" not in reminder[1]
    data["code"] = code_for(sms)  # the other number's code does not fit this one
    with time_machine.travel(clock_now() + timedelta(minutes=3)):
        refused = client.post("/portal/signup/", data)
    assert refused.status_code == 422 and "验证码错误或已过期" in refused.content.decode()
    assert User.objects.filter(full_name="陈小红").count() == 1


def test_wrong_codes_bad_numbers_and_rate_limits(client, tree, sms):
    bad = client.post("/portal/signup/", {"step": "code", "phone": "12345"})
    assert bad.status_code == 422 and not sms
    client.post("/portal/signup/", {"step": "code", "phone": "13912345678"})
    too_soon = client.post("/portal/signup/", {"step": "code", "phone": "13912345678"})
    assert too_soon.status_code == 429 and "60 秒" in too_soon.content.decode()
    data = {
        "step": "create",
        "phone": "13912345678",
        "code": "000000",
        "full_name": "陈",
        "community": tree.community_a.pk,
        "password": "Kaixuan-Resident-2026",
    }
    if code_for(sms) == "000000":
        data["code"] = "000001"
    for _ in range(5):
        assert client.post("/portal/signup/", data).status_code == 422
    data["code"] = code_for(sms)  # after five wrong tries the right code is dead too
    assert client.post("/portal/signup/", data).status_code == 422
    assert not User.objects.filter(full_name="陈").exists()


def test_daily_limit_per_number(tree, sms):
    for hour in range(5):
        with time_machine.travel(f"2026-11-02 0{hour}:00 +0800", tick=False):
            services.signup_send_code(phone="13912345678")
    with time_machine.travel("2026-11-02 06:00 +0800", tick=False), pytest.raises(services.RateLimited):
        services.signup_send_code(phone="13912345678")


@pytest.fixture
def categories(db):
    policy = SlaPolicy.objects.create(code="suggestion", name="意见建议", claim_hours=24, resolve_hours=72)
    suggestion = Category.objects.create(code="suggestion", name="意见建议", policy=policy)
    municipal = Category.objects.create(code="municipal", name="市政设施", policy=policy)
    SuggestionRule.objects.create(keyword="路灯", category=municipal)
    PointsRule.objects.create(code="published_suggestion", name="意见建议被公示", points=5)
    return suggestion, municipal


def jpeg() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "JPEG")
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def test_suggestion_to_case_reply_resolution_rating_and_publication(client, tree, personas, categories):
    resident = personas.resident
    log_in(client, resident)
    response = client.post(
        "/portal/suggestions/new/",
        {
            "text": "3幢12号楼1单元门口路灯不亮，我的电话13812345678",
            "grid": tree.grid_a1.pk,
            "photos": [jpeg()],
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.channel == Channel.SUGGESTION and case.category.code == "municipal"  # classified by keyword
    assert case.photos.count() == 1
    # The grid worker replies by name; the resident finds it in their inbox and on the page.
    log_in(client, personas.grid_worker_a)
    assert (
        client.post(
            f"/portal/staff/suggestions/{case.pk}/", {"form": "reply", "body": "已通知物业，明天修好。"}
        ).status_code
        == 302
    )
    assert Notification.objects.filter(user=resident, kind="portal.reply").exists()
    case_services.case_claim(case=case, actor=personas.grid_worker_a)
    case_services.case_verify(
        case=Case.objects.get(pk=case.pk), actor=personas.grid_worker_a, note="已到现场"
    )
    case_services.case_resolve(
        case=Case.objects.get(pk=case.pk), actor=personas.grid_worker_a, note="路灯已修复"
    )
    case_services.case_close(
        case=Case.objects.get(pk=case.pk), actor=personas.community_head_a, outcome="resolved", note="已核实"
    )
    log_in(client, resident)
    page = client.get(f"/portal/suggestions/{case.pk}/").content.decode()
    assert "已通知物业，明天修好。" in page and "甲网格员" in page
    assert (
        client.post(f"/portal/suggestions/{case.pk}/", {"rating": "5", "comment": "很快"}).status_code == 302
    )
    assert Case.objects.get(pk=case.pk).rating == 5
    # Another resident cannot open it.
    log_in(client, personas.volunteer)
    assert client.get(f"/portal/suggestions/{case.pk}/").status_code == 404
    # A grid worker may reply but not publish; the community head publishes, scrubbed.
    log_in(client, personas.grid_worker_a)
    publish = {
        "form": "publish",
        "title": "路灯修复",
        "summary": case.description,
        "reply": "已修复，联系 13812345678",
    }
    assert client.post(f"/portal/staff/suggestions/{case.pk}/", publish).status_code == 403
    log_in(client, personas.community_head_a)
    assert client.post(f"/portal/staff/suggestions/{case.pk}/", publish).status_code == 302
    publication = Publication.objects.get()
    assert (
        "13812345678" not in publication.summary + publication.reply
        and "12号楼1单元" not in publication.summary
    )
    client.logout()
    public = client.get("/portal/public/").content.decode()  # no log-in needed
    assert "路灯修复" in public
    for personal in ("13812345678", "12号楼1单元", resident.full_name, "甲网格员"):
        assert personal not in public
    assert PointsEntry.objects.filter(user=resident, rule="published_suggestion").count() == 1
    # The public list is cached for every reader, yet a hidden publication leaves it at once.
    log_in(client, personas.community_head_a)
    assert (
        client.post(f"/portal/hide/publication/{publication.pk}/", {"reason": "含个人信息"}).status_code
        == 302
    )
    client.logout()
    assert "路灯修复" not in client.get("/portal/public/").content.decode()


def test_bad_suggestions_are_refused_and_change_nothing(client, tree, personas, categories):
    log_in(client, personas.resident)
    short = client.post("/portal/suggestions/new/", {"text": "坏了", "grid": tree.grid_a1.pk})
    assert short.status_code == 422 and "至少写 5 个字" in short.content.decode()
    other = client.post("/portal/suggestions/new/", {"text": "路灯不亮好几天了", "grid": tree.grid_b1.pk})
    assert other.status_code == 422  # not a grid of their community
    fake = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    bad_photo = client.post(
        "/portal/suggestions/new/", {"text": "路灯不亮好几天了", "grid": tree.grid_a1.pk, "photos": [fake]}
    )
    assert bad_photo.status_code == 422 and "只能上传图片" in bad_photo.content.decode()
    assert not Case.objects.exists()
    log_in(client, personas.grid_worker_a)
    assert client.get("/portal/suggestions/new/").status_code == 403


def test_news_own_community_first_and_hiding(client, tree, personas):
    News.objects.create(
        unit=tree.street,
        title="街道新闻",
        body="正文",
        author=personas.street_leader,
        published_at="2026-11-02T10:00+08:00",
    )
    News.objects.create(
        unit=tree.community_a,
        title="甲社区通知",
        body="正文",
        author=personas.community_head_a,
        published_at="2026-11-01T10:00+08:00",
    )
    News.objects.create(
        unit=tree.community_b,
        title="乙社区通知",
        body="正文",
        author=personas.community_head_b,
        published_at="2026-11-03T10:00+08:00",
    )
    log_in(client, personas.resident)
    titles = [n.title for n in client.get("/portal/news/").context["items"]]
    assert titles[0] == "甲社区通知" and set(titles) == {"甲社区通知", "街道新闻", "乙社区通知"}
    log_in(client, personas.community_head_b)
    news_a = News.objects.get(title="甲社区通知")
    client.get("/portal/news/")  # the list is now cached: hiding and publishing must still show at once
    assert client.post(f"/portal/hide/news/{news_a.pk}/", {"reason": "内容有误"}).status_code == 404
    log_in(client, personas.community_head_a)
    assert client.post(f"/portal/hide/news/{news_a.pk}/", {"reason": "内容有误"}).status_code == 302
    assert News.objects.get(pk=news_a.pk).is_hidden
    assert client.get(f"/portal/news/{news_a.pk}/").status_code == 404
    created = client.post(
        "/portal/news/new/",
        {"unit": tree.community_a.pk, "title": "新通知", "body": "周六停水", "image": jpeg()},
    )
    assert created.status_code == 302
    assert News.objects.get(title="新通知").image.name.endswith(".jpg")
    log_in(client, personas.resident)
    titles = [n.title for n in client.get("/portal/news/").context["items"]]
    assert titles[0] == "新通知" and "甲社区通知" not in titles


def test_a_merchant_account_waits_for_its_community(client, tree, personas, sms):
    client.post("/portal/signup/", {"step": "code", "phone": "13912340000"})
    data = {
        "step": "create",
        "phone": "13912340000",
        "code": code_for(sms),
        "full_name": "周老板",
        "community": tree.community_a.pk,
        "organisation_kind": "merchant",
        "organisation_name": "",
        "password": "Kaixuan-Merchant-2026",
    }
    missing = client.post("/portal/signup/", data)
    assert missing.status_code == 422 and "请填写单位名称" in missing.content.decode()
    data["organisation_name"] = "凯旋便民超市"
    assert client.post("/portal/signup/", data).status_code == 302
    merchant = User.objects.get(full_name="周老板")
    assert merchant.kind == "organisation" and not merchant.memberships.exists()
    assert "等待社区确认" in client.get("/portal/").content.decode()
    log_in(client, personas.community_head_b)
    assert "凯旋便民超市" not in client.get("/portal/staff/organisations/").content.decode()
    log_in(client, personas.community_head_a)
    application = client.get("/portal/staff/organisations/").context["page"][0]
    assert (
        client.post(f"/portal/staff/organisations/{application.pk}/", {"decision": "refuse"}).status_code
        == 302
    )
    assert not merchant.memberships.exists()  # a refusal needs a reason: nothing happened
    assert (
        client.post(f"/portal/staff/organisations/{application.pk}/", {"decision": "confirm"}).status_code
        == 302
    )
    membership = merchant.memberships.get()
    assert membership.role == "org_admin" and membership.unit == tree.community_a
    assert Notification.objects.filter(user=merchant, kind="portal.organisation.confirmed").exists()
