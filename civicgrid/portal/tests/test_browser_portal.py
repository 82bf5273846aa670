"""民情直通 on a phone, from sign-up to a named reply: a visitor registers with an SMS code, lands on the
portal home, reports a problem with a photo in their grid, gets a case number, and — once the grid
worker has answered on the staff page — reads the reply and the worker's name on their suggestion.

The database is read only once the page shows the answer: with in-memory SQLite the live server
shares the test's database connection, so the test must not query while a request runs."""

import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from civicgrid.cases.choices import Channel
from civicgrid.cases.models import Case, Category, SlaPolicy
from civicgrid.core.testing_browser import KNOWN_CONSOLE_ERRORS, PHONE, log_in_browser, wait_for_image

SCREENSHOT = "/tmp/browser-portal-{}.png"
MOBILE = "13912345678"
NAME = "陈小红"
RESIDENT_PASSWORD = "Kaixuan-Resident-2026"
TEXT = "小区3幢门口的井盖松动，晚上走路容易绊倒，请尽快处理"
REPLY = "已联系物业，今天下午更换井盖。"
CAMERA = "TestCam"  # an EXIF tag the upload carries and the stored photo must not


class Outbox:
    """An SMS backend that keeps what it sends (the live server runs in this process)."""

    sent: list = []

    def send(self, phone, text):
        Outbox.sent.append((phone, text))


@pytest.fixture
def sms(settings):
    settings.SMS_BACKEND = f"{__name__}.Outbox"
    Outbox.sent = []
    return Outbox.sent


@pytest.fixture
def suggestion_category(transactional_db):
    policy = SlaPolicy.objects.create(code="suggestion", name="意见建议", claim_hours=24, resolve_hours=72)
    return Category.objects.create(code="suggestion", name="意见建议", policy=policy)


@pytest.fixture
def photo(tmp_path):
    """A small JPEG from a camera, with EXIF metadata."""
    path = tmp_path / "manhole.jpg"
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    Image.new("RGB", (64, 48), "orange").save(path, "JPEG", exif=exif)
    with Image.open(path) as image:
        assert image.getexif()[0x010F] == CAMERA
    return path


def watch_console(page, errors: list[str]) -> None:
    """Gather a second page's errors into the test's `console_errors` (that fixture watches `page`)."""

    def on_console(msg):
        text = f"console.error: {msg.text} ({msg.location.get('url', '')})"
        if msg.type == "error" and not any(known.search(text) for known in KNOWN_CONSOLE_ERRORS):
            errors.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))


def code_from(sms) -> str:
    phone, text = sms[-1]
    assert phone == MOBILE
    return re.search(r"验证码是 (\d{6})", text).group(1)


@pytest.mark.browser_context_args(**PHONE)
def test_a_visitor_signs_up_reports_with_a_photo_and_reads_the_named_reply(
    transactional_db,
    live_server,
    tree,
    personas,
    suggestion_category,
    sms,
    photo,
    page,
    console_errors,
    browser,
    browser_context_args,
):
    base = live_server.url

    # Sign-up, step 1: text me a code.
    page.goto(f"{base}/portal/signup/")
    page.get_by_test_id("signup-phone").get_by_label("手机号").fill(MOBILE)
    page.get_by_role("button", name="发送验证码").click()
    expect(page.get_by_role("alert")).to_contain_text("验证码已发送")
    assert len(sms) == 1
    code = code_from(sms)

    # Step 2: code, name, community and password.
    form = page.get_by_test_id("signup-form")
    expect(form.locator("input[name=phone]")).to_have_value(MOBILE)
    expect(form.get_by_label("手机号")).to_have_value(MOBILE)  # each input has its own label
    form.get_by_label("短信验证码").fill(code)
    form.get_by_label("姓名").fill(NAME)
    form.get_by_label("所在社区").select_option(str(tree.community_a.pk))
    form.get_by_label("设置密码").fill(RESIDENT_PASSWORD)
    page.screenshot(path=SCREENSHOT.format(1), full_page=True)
    form.get_by_role("button", name="注册").click()

    expect(page).to_have_url(f"{base}/portal/")
    expect(page.get_by_role("alert")).to_contain_text("注册成功")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"您好，{NAME}")
    expect(page.get_by_test_id("portal-places")).to_contain_text("甲社区")

    # 民情直通: a suggestion in grid A1 with a photo.
    page.get_by_role("link", name="民情直通：我要反映").click()
    expect(page).to_have_url(f"{base}/portal/suggestions/new/")
    form = page.get_by_test_id("suggestion-form")
    form.get_by_label("您的意见、建议或反映的问题").fill(TEXT)
    form.get_by_label("发生在哪个网格").select_option(str(tree.grid_a1.pk))
    form.get_by_label("照片").set_input_files(photo)
    page.screenshot(path=SCREENSHOT.format(2), full_page=True)
    form.get_by_role("button", name="提交").click()

    expect(page).to_have_url(re.compile(rf"{re.escape(base)}/portal/suggestions/\d+/$"))
    expect(page.get_by_role("alert")).to_contain_text("已收到，编号")
    page.wait_for_load_state()  # the photo's request too is over before the database is read
    case = Case.objects.get()
    assert page.url == f"{base}/portal/suggestions/{case.pk}/"
    expect(page.get_by_role("alert")).to_have_text(f"已收到，编号 {case.number}，我们会尽快答复。")
    expect(page).to_have_title(re.compile(rf"^{case.number} · "))
    expect(page.get_by_role("heading", level=1)).to_contain_text("意见建议")
    expect(page.get_by_text(f"{case.number} · ")).to_be_visible()  # number and time under the heading
    expect(page.get_by_text(TEXT)).to_be_visible()
    expect(page.get_by_test_id("replies")).to_contain_text("工作人员还没有答复")
    expect(page.get_by_role("img", name="照片")).to_have_count(1)
    page.screenshot(path=SCREENSHOT.format(3), full_page=True)

    resident = case.reporter
    assert (resident.full_name, resident.kind) == (NAME, "resident")
    assert resident.memberships.get().unit == tree.community_a
    assert (case.channel, case.grid, case.category) == (Channel.SUGGESTION, tree.grid_a1, suggestion_category)
    assert case.description == TEXT
    # The photo was stored re-encoded: a fresh name, still a JPEG, the camera's EXIF gone.
    (stored,) = case.photos.all()
    assert stored.image.name.endswith(".jpg") and "manhole" not in stored.image.name
    with stored.image.open("rb") as file, Image.open(file) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif()

    # The grid worker answers by name on the staff page, at a desk.
    desk_context = browser.new_context(**browser_context_args)
    try:
        desk = desk_context.new_page()
        watch_console(desk, console_errors)
        log_in_browser(desk, base, "worker_a")
        desk.goto(f"{base}/portal/staff/suggestions/{case.pk}/")
        expect(desk.get_by_text(TEXT)).to_be_visible()
        desk.get_by_label("答复内容").fill(REPLY)
        desk.get_by_role("button", name="署名答复").click()
        expect(desk.get_by_role("alert")).to_contain_text("答复已发送给居民。")
        desk.screenshot(path=SCREENSHOT.format(4), full_page=True)
    finally:
        desk_context.close()

    # The resident reloads their suggestion and reads the reply, signed by the worker.
    page.reload()
    replies = page.get_by_test_id("replies")
    expect(replies).to_contain_text(REPLY)
    expect(replies).to_contain_text("甲网格员")
    expect(replies).not_to_contain_text("工作人员还没有答复")
    page.screenshot(path=SCREENSHOT.format(5), full_page=True)

    wait_for_image(page, page.get_by_role("img", name="照片"))
    assert console_errors == []
