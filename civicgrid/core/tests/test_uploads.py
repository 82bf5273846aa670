"""Uploads as an attacker would try them: every image goes through core/images.py::clean_image, which
judges the file by its content, refuses what is not a picture (or is too big, in bytes or in pixels)
with a Chinese message, and keeps only a fresh JPEG without EXIF. Then every real upload entry point
(pages and the JSON API): a bad file is refused in Chinese, nothing is created and no file is written
to MEDIA_ROOT; a good one is stored as a .jpg without EXIF. Last, the spreadsheet imports."""

import io
import struct
import time
import tracemalloc
import uuid
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.activities.models import ActivityPhoto
from civicgrid.audit.models import AuditEvent
from civicgrid.bookings.models import Resource
from civicgrid.cases.models import Case, CaseEvent, CasePhoto
from civicgrid.cases.tests.conftest import A1_POINT, flow  # noqa: F401
from civicgrid.core.images import MAX_BYTES, MAX_PIXELS, NOT_AN_IMAGE, TOO_LARGE, TOO_MANY_PIXELS, clean_image
from civicgrid.core.testing import log_in, record_figure
from civicgrid.fieldwork.models import ServiceItem, Visit, VisitPhoto
from civicgrid.market.models import Listing, ListingPhoto
from civicgrid.portal.models import News
from civicgrid.registry.models import ImportBatch, ImportSource
from civicgrid.registry.tests.conftest import registry  # noqa: F401
from civicgrid.socialorgs.models import SocialOrg, SocialOrgPhoto
from civicgrid.socialorgs.tests.conftest import dance, people  # noqa: F401

pytestmark = pytest.mark.django_db

PAYLOAD = b"<?php system($_GET['c']); ?><script>alert(document.cookie)</script>"
GPS = 0x8825
ORIENTATION = 0x0112
EMPTY = "所提交的是空文件。"  # Django's own (translated) message for a zero-byte file in a form


# -------------------------------------------------------------------------------- payloads


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few hundred bytes whose header announces width × height pixels (the
    pixel data is one row: decoding would fail, but only after allocating the whole picture)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\x00" * (1 + 3 * min(width, 64)))
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", row) + png_chunk(b"IEND", b"")
    )


def jpeg_with_gps(size=(64, 48), colour=(200, 80, 40), *, orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[GPS] = {1: "N", 2: (30.0, 17.0, 24.0), 3: "E", 4: (120.0, 10.0, 12.0)}
    exif[0x010F] = "TestCam"
    if orientation:
        exif[ORIENTATION] = orientation
    return encoded(Image.new("RGB", size, colour), "JPEG", exif=exif)


def good_photo(name: str = "现场.jpg") -> SimpleUploadedFile:
    return upload(name, jpeg_with_gps())


def html_named_jpg() -> SimpleUploadedFile:
    return upload("photo.jpg", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")


def svg_named_png() -> SimpleUploadedFile:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
    return upload("logo.png", svg, "image/png")


def truncated_jpeg() -> SimpleUploadedFile:
    data = encoded(Image.effect_noise((200, 200), 60).convert("RGB"), "JPEG")
    return upload("cut.jpg", data[: len(data) // 2])


def zero_bytes() -> SimpleUploadedFile:
    return upload("empty.jpg", b"")


def over_ten_mb() -> SimpleUploadedFile:
    data = encoded(Image.new("RGB", (8, 8), "red"), "JPEG")
    return upload("huge.jpg", data + b"\x00" * (MAX_BYTES + 1 - len(data)))


def bomb() -> SimpleUploadedFile:
    return upload("bomb.png", png_declaring(30000, 30000), "image/png")


def stored_is_clean_jpeg(data: bytes) -> Image.Image:
    """The bytes are a JPEG without EXIF (so without GPS) and without any trace of PAYLOAD."""
    assert data[:3] == b"\xff\xd8\xff"
    assert b"Exif\x00\x00" not in data and b"<?php" not in data and b"<script" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert dict(image.getexif()) == {}
    assert "exif" not in image.info and "comment" not in image.info
    return image


# -------------------------------------------------------------------------------- clean_image


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (html_named_jpg, NOT_AN_IMAGE),
        (svg_named_png, NOT_AN_IMAGE),
        (truncated_jpeg, NOT_AN_IMAGE),
        (zero_bytes, NOT_AN_IMAGE),
        (lambda: upload("a.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 40), NOT_AN_IMAGE),  # a JPEG header only
        (lambda: upload("a.gif", b"GIF89a\x10\x00\x10\x00"), NOT_AN_IMAGE),
        (over_ten_mb, TOO_LARGE),
        (bomb, TOO_MANY_PIXELS),
        (lambda: upload("wide.png", png_declaring(8000, 7000), "image/png"), TOO_MANY_PIXELS),
    ],
    ids=["html-as-jpg", "svg-script-as-png", "truncated-jpeg", "zero-bytes", "jpeg-header-only", "gif-header-only",
         "over-10mb", "bomb-30000x30000", "over-50-megapixels"],
)  # fmt: skip
def test_bad_files_are_refused_in_chinese(make, message):
    with pytest.raises(ValidationError) as refused:
        clean_image(make())
    assert refused.value.messages == [str(message)]


def test_the_messages_are_chinese():
    assert str(NOT_AN_IMAGE) == "只能上传图片（JPEG、PNG、WebP 等）。"
    assert str(TOO_LARGE) == "图片不能超过 10 MB。"
    assert str(TOO_MANY_PIXELS) == "图片尺寸过大，请缩小到 5000 万像素以内再上传。"


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's, for 12000²
def test_a_decompression_bomb_is_refused_at_once_without_decoding():
    """30000 × 30000 RGB would take 2.7 GB to decode; it is refused from its header. Pillow's own guard
    (MAX_IMAGE_PIXELS) only errors past ~179 MP; clean_image refuses past 50 MP, before decoding."""
    assert Image.MAX_IMAGE_PIXELS > MAX_PIXELS
    for width, height in ((30000, 30000), (12000, 12000), (7072, 7072)):
        file = upload("bomb.png", png_declaring(width, height), "image/png")
        tracemalloc.start()
        started = time.perf_counter()
        try:
            with pytest.raises(ValidationError) as refused:
                clean_image(file)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert refused.value.messages == [str(TOO_MANY_PIXELS)]
        assert time.perf_counter() - started < 1
        assert peak < 5 * 1024 * 1024, f"{width}×{height}: {peak} bytes allocated"


def test_a_size_that_lies_does_not_get_a_big_file_read():
    """The limit holds on what is read, not only on the size the upload announces."""
    file = over_ten_mb()
    file.size = 1024
    with pytest.raises(ValidationError) as refused:
        clean_image(file)
    assert refused.value.messages == [str(TOO_LARGE)]


def test_a_png_with_a_script_after_iend_is_re_encoded_and_the_payload_is_gone():
    data = encoded(Image.new("RGB", (40, 30), (10, 200, 10)), "PNG") + PAYLOAD
    with Image.open(io.BytesIO(data)) as still_opens:  # what a naive check would let through as-is
        assert still_opens.format == "PNG"
    cleaned = clean_image(upload("polyglot.png", data, "image/png"))
    assert cleaned.name.endswith(".jpg")
    image = stored_is_clean_jpeg(cleaned.read())
    assert image.size == (40, 30)


def test_comments_carrying_a_script_do_not_survive():
    """Pillow copies a JPEG or GIF comment into the JPEG it writes unless told otherwise."""
    for fmt in ("JPEG", "GIF"):
        data = encoded(Image.new("RGB", (20, 20), "red"), fmt, comment=PAYLOAD)
        assert PAYLOAD in data
        stored_is_clean_jpeg(clean_image(upload(f"a.{fmt.lower()}", data)).read())


def test_exif_and_gps_are_dropped_and_the_orientation_is_applied():
    data = jpeg_with_gps(size=(40, 30), orientation=6)  # "rotate 90° clockwise to display"
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif()[GPS] and original.getexif()[ORIENTATION] == 6
    image = stored_is_clean_jpeg(clean_image(upload("gps.jpg", data)).read())
    assert image.size == (30, 40)


def test_a_cmyk_jpeg_is_accepted_as_rgb():
    data = encoded(Image.new("CMYK", (30, 20), (0, 255, 255, 0)), "JPEG")  # red in print colours
    image = stored_is_clean_jpeg(clean_image(upload("print.jpg", data)).read())
    assert image.mode == "RGB" and image.size == (30, 20)
    red, green, blue = image.getpixel((15, 10))
    assert red > 200 and green < 60 and blue < 60


def test_a_transparent_png_is_accepted_on_white_not_black():
    logo = Image.new("RGBA", (40, 40), (0, 0, 0, 0))  # transparent black around …
    logo.paste((0, 0, 255, 255), (10, 10, 30, 30))  # … an opaque blue square
    image = stored_is_clean_jpeg(clean_image(upload("logo.png", encoded(logo, "PNG"), "image/png")).read())
    assert image.mode == "RGB"
    assert min(image.getpixel((2, 2))) > 240  # white
    red, green, blue = image.getpixel((20, 20))
    assert blue > 200 and red < 60 and green < 60


def test_a_palette_png_with_a_transparent_colour_is_accepted_on_white():
    image = Image.new("P", (20, 20), 0)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    image.paste(1, (5, 5, 15, 15))
    data = encoded(image, "PNG", transparency=0)
    cleaned = stored_is_clean_jpeg(clean_image(upload("p.png", data, "image/png")).read())
    assert min(cleaned.getpixel((1, 1))) > 240
    assert cleaned.getpixel((10, 10))[0] > 200


def test_a_16_bit_greyscale_png_keeps_its_greys():
    data = encoded(Image.new("I;16", (10, 10), 32768), "PNG")  # mid grey in 16 bits
    image = stored_is_clean_jpeg(clean_image(upload("scan.png", data, "image/png")).read())
    assert 100 < image.getpixel((5, 5))[0] < 160


def test_an_animated_gif_is_kept_as_its_first_frame():
    """Decision: an animation is accepted, as a still of its first frame (a JPEG has no frames)."""
    frames = [Image.new("RGB", (20, 20), colour) for colour in ("red", "blue", "green")]
    data = encoded(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    with Image.open(io.BytesIO(data)) as original:
        assert original.n_frames == 3
    image = stored_is_clean_jpeg(clean_image(upload("anim.gif", data, "image/gif")).read())
    assert getattr(image, "n_frames", 1) == 1
    red, green, blue = image.getpixel((10, 10))
    assert red > 200 and green < 60 and blue < 60


def test_big_photos_are_scaled_down_to_2560_pixels():
    data = encoded(Image.new("RGB", (5120, 1000), "white"), "JPEG")
    image = stored_is_clean_jpeg(clean_image(upload("wide.jpg", data)).read())
    assert image.size == (2560, 500)


def test_webp_and_a_file_read_before_are_accepted():
    file = upload("x.webp", encoded(Image.new("RGB", (16, 16), "blue"), "WEBP"), "image/webp")
    file.read()  # something looked at it first: the check starts from the beginning anyway
    stored_is_clean_jpeg(clean_image(file).read())


# -------------------------------------------------------------------------------- entry points


@pytest.fixture
def media(settings, tmp_path) -> Path:
    """Uploads go to real files under a temporary MEDIA_ROOT (the test settings keep them in memory)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = settings.STORAGES | {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    }
    return root


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@dataclass
class Entry:
    send: Callable[[list], object]  # posts the files (signed in as the entry's user); the response
    state: Callable[[], tuple]  # what a refused upload must leave as it was
    stored: Callable[[], list[str]]  # the stored names of the images (after a good upload)
    field: str  # where the error is reported
    multiple: bool = True  # several files in one upload (a bad one next to a good one)
    api: bool = False
    bug: str = ""  # a known bug that hides the message (the rest is still checked)


def _cases_report(request, client) -> Entry:
    categories = request.getfixturevalue("flow")
    personas = request.getfixturevalue("personas")
    log_in(client, personas.volunteer)
    form = {
        "category": categories.rewarded.pk,
        "description": "垃圾堆放",
        "lat": A1_POINT[0],
        "lng": A1_POINT[1],
    }
    return Entry(
        send=lambda files: client.post("/cases/report/", form | {"photos": files}),
        state=lambda: (Case.objects.count(), CasePhoto.objects.count()),
        stored=lambda: [p.image.name for p in CasePhoto.objects.all()],
        field="photos",
    )


def _cases_verify(request, client) -> Entry:
    from civicgrid.cases import services

    categories = request.getfixturevalue("flow")
    worker = request.getfixturevalue("personas").grid_worker_a
    case = services.case_report(
        actor=worker,
        channel="visit",
        category=categories.ordinary,
        description="路灯不亮",
        lat=A1_POINT[0],
        lng=A1_POINT[1],
    )
    case = services.case_claim(case=case, actor=worker)
    log_in(client, worker)
    return Entry(
        send=lambda files: client.post(
            f"/cases/{case.pk}/verify/", {"verify-note": "现场确认", "verify-photos": files}
        ),
        state=lambda: (Case.objects.get().status, CaseEvent.objects.count(), CasePhoto.objects.count()),
        stored=lambda: [p.image.name for p in CasePhoto.objects.all()],
        field="photos",
    )


def _suggestion(request, client) -> Entry:
    from civicgrid.cases.models import Category, SlaPolicy

    personas, tree = request.getfixturevalue("personas"), request.getfixturevalue("tree")
    policy = SlaPolicy.objects.create(code="suggestion", name="意见建议", claim_hours=24, resolve_hours=72)
    Category.objects.create(code="suggestion", name="意见建议", policy=policy)
    log_in(client, personas.resident)
    form = {"text": "小区门口的垃圾桶满了没人清", "grid": tree.grid_a1.pk}
    return Entry(
        send=lambda files: client.post("/portal/suggestions/new/", form | {"photos": files}),
        state=lambda: (Case.objects.count(), CasePhoto.objects.count()),
        stored=lambda: [p.image.name for p in CasePhoto.objects.all()],
        field="photos",
    )


def _visit(request, client, *, json: bool = False) -> Entry:
    household = request.getfixturevalue("registry").household_a
    log_in(client, request.getfixturevalue("personas").grid_worker_a)
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    return Entry(
        send=lambda files: client.post(
            f"/fieldwork/households/{household.pk}/visit/",
            {"notes": "入户走访", "idempotency_key": str(uuid.uuid4()), "photos": files},
            **headers,
        ),
        state=lambda: (Visit.objects.count(), VisitPhoto.objects.count()),
        stored=lambda: [p.image.name for p in VisitPhoto.objects.all()],
        field="photos",
    )


def _visit_offline_replay(request, client) -> Entry:
    return _visit(request, client, json=True)


def _org_register(request, client) -> Entry:
    log_in(client, request.getfixturevalue("people").org_account)
    form = {"name": "甲社区太极拳队", "category": "sports", "introduction": "每天清晨练习。"}
    return Entry(
        send=lambda files: client.post("/portal/groups/register/", form | {"logo": files[0]}),
        state=lambda: (SocialOrg.objects.count(),),
        stored=lambda: [o.logo.name for o in SocialOrg.objects.exclude(logo="")],
        field="logo",
        multiple=False,
    )


def _org_staff_create(request, client) -> Entry:
    personas, tree = request.getfixturevalue("personas"), request.getfixturevalue("tree")
    request.getfixturevalue("people")
    log_in(client, personas.community_head_a)
    form = {
        "name": "甲社区太极拳队",
        "category": "sports",
        "introduction": "每天清晨练习。",
        "unit": tree.community_a.pk,
        "admin_phone": "13800000003",
    }
    return Entry(
        send=lambda files: client.post("/portal/groups/staff/new/", form | {"logo": files[0]}),
        state=lambda: (SocialOrg.objects.count(),),
        stored=lambda: [o.logo.name for o in SocialOrg.objects.exclude(logo="")],
        field="logo",
        multiple=False,
    )


def _org_edit(request, client) -> Entry:
    org = request.getfixturevalue("dance")
    log_in(client, request.getfixturevalue("people").org_account)
    form = {"category": "culture", "introduction": "新的介绍。"}

    def state():
        org.refresh_from_db()
        return (org.logo.name, org.introduction, SocialOrg.objects.count())

    return Entry(
        send=lambda files: client.post(f"/portal/groups/manage/{org.pk}/edit/", form | {"logo": files[0]}),
        state=state,
        stored=lambda: [o.logo.name for o in SocialOrg.objects.exclude(logo="")],
        field="logo",
        multiple=False,
    )


def _org_photos(request, client) -> Entry:
    org = request.getfixturevalue("dance")
    log_in(client, request.getfixturevalue("people").org_account)
    return Entry(
        send=lambda files: client.post(
            f"/portal/groups/manage/{org.pk}/photos/", {"images": files, "caption": "重阳节汇演"}
        ),
        state=lambda: (SocialOrgPhoto.objects.count(),),
        stored=lambda: [p.image.name for p in SocialOrgPhoto.objects.all()],
        field="images",
    )


def _activity_photos(request, client) -> Entry:
    from civicgrid.activities import services
    from civicgrid.core import clock

    personas, tree = request.getfixturevalue("personas"), request.getfixturevalue("tree")
    starts = clock.now() + timedelta(days=2)
    activity = services.activity_create(
        actor=personas.community_head_a,
        unit=tree.community_a,
        title="楼道清洁日",
        description="一起打扫楼道。",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="甲社区活动室",
        capacity=10,
        audience="all",
    )
    traveller = time_machine.travel(starts + timedelta(hours=3), tick=False)
    traveller.start()
    request.addfinalizer(traveller.stop)
    log_in(client, personas.community_head_a)
    return Entry(
        send=lambda files: client.post(f"/portal/activities/{activity.pk}/photos/", {"photos": files}),
        state=lambda: (ActivityPhoto.objects.count(),),
        stored=lambda: [p.image.name for p in ActivityPhoto.objects.all()],
        field="photos",
    )


HOURS = {"opens_0": "09:00", "closes_0": "17:00"}
RESOURCE = {
    "kind": "room",
    "name": "甲社区书画室",
    "capacity": "16",
    "slot_minutes": "60",
    "days_ahead": "14",
}


def _resource_new(request, client) -> Entry:
    personas, tree = request.getfixturevalue("personas"), request.getfixturevalue("tree")
    log_in(client, personas.community_head_a)
    form = RESOURCE | HOURS | {"owner": f"unit:{tree.community_a.pk}"}
    return Entry(
        send=lambda files: client.post("/portal/resources/manage/new/", form | {"photo": files[0]}),
        state=lambda: (Resource.objects.count(),),
        stored=lambda: [r.photo.name for r in Resource.objects.exclude(photo="")],
        field="photo",
        multiple=False,
    )


def _resource_edit(request, client) -> Entry:
    from civicgrid.bookings.tests.conftest import make_resource

    personas, tree = request.getfixturevalue("personas"), request.getfixturevalue("tree")
    resource = make_resource(tree.community_a, created_by=personas.community_head_a, name="活动室")
    log_in(client, personas.community_head_a)
    form = RESOURCE | HOURS | {"name": "新名字", "is_active": "on"}

    def state():
        resource.refresh_from_db()
        return (resource.name, resource.photo.name, Resource.objects.count())

    return Entry(
        send=lambda files: client.post(
            f"/portal/resources/manage/{resource.pk}/", form | {"photo": files[0]}
        ),
        state=state,
        stored=lambda: [r.photo.name for r in Resource.objects.exclude(photo="")],
        field="photo",
        multiple=False,
    )


def _news(request, client) -> Entry:
    personas, tree = request.getfixturevalue("personas"), request.getfixturevalue("tree")
    log_in(client, personas.community_head_a)
    form = {"unit": tree.community_a.pk, "title": "新通知", "body": "周六停水"}
    return Entry(
        send=lambda files: client.post("/portal/news/new/", form | {"image": files[0]}),
        state=lambda: (News.objects.count(),),
        stored=lambda: [n.image.name for n in News.objects.exclude(image="")],
        field="image",
        multiple=False,
    )


def _listing(request, client) -> Entry:
    log_in(client, request.getfixturevalue("personas").resident)
    form = {"title": "九成新儿童自行车", "price": "150"}
    return Entry(
        send=lambda files: client.post("/portal/market/listings/new/", form | {"photos": files}),
        state=lambda: (Listing.objects.count(), ListingPhoto.objects.count()),
        stored=lambda: [p.image.name for p in ListingPhoto.objects.all()],
        field="photos",
    )


def _listing_api(request, client) -> Entry:
    entry = _listing(request, client)
    entry.send = lambda files: client.post(
        "/api/v1/market/listings", {"title": "电饭煲", "price": "35", "photos": files}
    )
    entry.api = True
    return entry


ENTRIES = {
    "cases-report": _cases_report,
    "cases-verify": _cases_verify,
    "portal-suggestion": _suggestion,
    "fieldwork-visit": _visit,
    "fieldwork-visit-offline-replay": _visit_offline_replay,
    "socialorgs-register-logo": _org_register,
    "socialorgs-staff-create-logo": _org_staff_create,
    "socialorgs-edit-logo": _org_edit,
    "socialorgs-photos": _org_photos,
    "activities-photos": _activity_photos,
    "bookings-resource-new": _resource_new,
    "bookings-resource-edit": _resource_edit,
    "portal-news": _news,
    "market-listing": _listing,
    "market-listing-api": _listing_api,
}

BAD = {
    "html-as-jpg": (html_named_jpg, [NOT_AN_IMAGE]),
    "svg-as-png": (svg_named_png, [NOT_AN_IMAGE]),
    "truncated-jpeg": (truncated_jpeg, [NOT_AN_IMAGE]),
    "zero-bytes": (zero_bytes, [NOT_AN_IMAGE, EMPTY]),
    "over-10mb": (over_ten_mb, [TOO_LARGE]),
    "bomb": (bomb, [TOO_MANY_PIXELS]),
}


def _messages(errors) -> list[str]:
    """Messages of one field: the API gives strings; the visit page's JSON gives form errors as
    {"message", "code"} and service errors as strings."""
    return [e["message"] if isinstance(e, dict) else e for e in errors]


def _error_shown(entry: Entry, response, messages) -> bool:
    """The status is the right one for the entry; returns whether one of `messages` is shown."""
    wanted = [str(m) for m in messages]
    if entry.api:
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid"
        return any(m in _messages(body["errors"].get(entry.field, [])) for m in wanted)
    if response.get("Content-Type", "").startswith("application/json"):  # the offline queue's replay
        assert response.status_code == 422, response.content
        body = response.json()
        assert body["code"] == "validation_error"
        return any(m in _messages(body["errors"].get(entry.field, [])) for m in wanted)
    assert response.status_code == 422, response.status_code
    page = response.content.decode()
    return any(m in page for m in wanted)


@pytest.mark.parametrize("bad", list(BAD))
@pytest.mark.parametrize("name", list(ENTRIES))
def test_a_bad_file_is_refused_in_chinese_and_nothing_is_kept(request, client, media, name, bad):
    entry = ENTRIES[name](request, client)
    make, messages = BAD[bad]
    before = entry.state()
    audit_before = AuditEvent.objects.count()
    files = [good_photo(), make()] if entry.multiple else [make()]  # a good photo does not save the day
    response = entry.send(files)
    shown = _error_shown(entry, response, messages)
    assert entry.state() == before
    assert AuditEvent.objects.count() == audit_before
    assert files_in(media) == []
    if entry.bug and not shown:
        pytest.xfail(entry.bug)
    assert shown, f"none of {[str(m) for m in messages]} shown"
    assert not entry.bug, "the message is shown now: drop Entry.bug"
    record_figure("uploads (bad file × entry point)", tried=1, refused_with_message=1, stored=0)


@pytest.mark.parametrize("name", list(ENTRIES))
def test_a_good_photo_is_stored_as_a_jpeg_without_exif(request, client, media, name):
    entry = ENTRIES[name](request, client)
    response = entry.send([good_photo("IMG_0001.png")])
    assert response.status_code in (200, 201, 302), response.content[:500]
    [name] = entry.stored()
    assert name.endswith(".jpg") and "IMG_0001" not in name  # a fresh name, never the user's
    [path] = files_in(media)
    assert path == media / name
    image = stored_is_clean_jpeg(path.read_bytes())
    assert image.size == (64, 48)


# -------------------------------------------------------------------------------- spreadsheets


def _zip_that_is_not_a_workbook() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.sh", "#!/bin/sh\nrm -rf /\n")
    return out.getvalue()


NOT_SPREADSHEETS = {
    "html": b"<html><script>alert(1)</script></html>",
    "png": encoded(Image.new("RGB", (8, 8), "red"), "PNG"),
    "zip": _zip_that_is_not_a_workbook(),
    "empty": b"",
}
UNREADABLE = "无法读取文件：请上传 CSV（UTF-8 或 GBK 编码）或 XLSX 文件。"
NOT_XLSX = "文件不是有效的 XLSX 表格。"


@pytest.fixture
def import_source(db) -> ImportSource:
    from civicgrid.registry import imports
    from civicgrid.registry.choices import ImportSourceKind

    return ImportSource.objects.create(
        name="公安人口库",
        kind=ImportSourceKind.PUBLIC_SECURITY,
        column_mapping=imports.DEFAULT_MAPPINGS[ImportSourceKind.PUBLIC_SECURITY],
    )


@pytest.mark.parametrize("content", list(NOT_SPREADSHEETS))
def test_the_registry_import_refuses_a_renamed_file_in_chinese(client, personas, import_source, content):
    log_in(client, personas.platform_admin)
    file = SimpleUploadedFile("人口.xlsx", NOT_SPREADSHEETS[content])
    response = client.post("/registry/imports/", {"source": import_source.pk, "file": file})
    page = response.content.decode()
    assert UNREADABLE in page or EMPTY in page or NOT_XLSX in page
    assert not ImportBatch.objects.exists()


def test_the_registry_import_answers_422_to_a_refused_file(client, personas, import_source):
    log_in(client, personas.platform_admin)
    file = SimpleUploadedFile("人口.xlsx", NOT_SPREADSHEETS["html"])
    response = client.post("/registry/imports/", {"source": import_source.pk, "file": file})
    assert response.status_code == 422


def test_the_registry_import_refuses_a_file_over_50_mb_in_chinese(client, personas, import_source):
    from civicgrid.registry.forms import UploadForm

    big = SimpleUploadedFile("人口.csv", b"a")
    big.size = 50 * 1024 * 1024 + 1  # the form judges the size the upload reports
    form = UploadForm(data={"source": import_source.pk}, files={"file": big}, sources=[import_source])
    assert form.errors["file"] == ["文件不能超过 50 MB。"]
    log_in(client, personas.platform_admin)
    response = client.post(
        "/registry/imports/",
        {"source": import_source.pk, "file": SimpleUploadedFile("人口.pdf", b"%PDF-1.4")},
    )
    assert "只支持 CSV 或 XLSX 文件。" in response.content.decode()
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("content", list(NOT_SPREADSHEETS))
def test_the_policy_import_refuses_a_renamed_file_in_chinese(client, personas, content):
    log_in(client, personas.platform_admin)
    before = ServiceItem.objects.count()
    file = SimpleUploadedFile("服务事项.xlsx", NOT_SPREADSHEETS[content])
    response = client.post("/fieldwork/policy/import/", {"file": file})
    assert response.status_code == 422
    page = response.content.decode()
    assert UNREADABLE in page or EMPTY in page or NOT_XLSX in page
    assert ServiceItem.objects.count() == before


def test_the_policy_import_refuses_a_file_over_50_mb(personas):
    from civicgrid.fieldwork.forms import ImportForm

    big = SimpleUploadedFile("服务事项.xlsx", b"a")
    big.size = 50 * 1024 * 1024 + 1
    form = ImportForm(data={}, files={"file": big})
    assert "file" in form.errors


@pytest.mark.parametrize("url", ["/registry/imports/", "/fieldwork/policy/import/"])
def test_an_xlsx_that_would_unpack_to_more_than_300_mb_is_refused_unopened(
    client, personas, import_source, url
):
    """A zip bomb: a few hundred kilobytes that unpack to 400 MB. Refused from the zip's directory,
    before any reader decompresses a byte."""
    buffer = io.BytesIO()
    chunk = b"0" * (1024 * 1024)
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bomb,
        bomb.open("xl/sharedStrings.xml", "w", force_zip64=True) as member,
    ):
        for _ in range(400):
            member.write(chunk)
    assert len(buffer.getvalue()) < 1024 * 1024
    log_in(client, personas.platform_admin)
    data = {"file": SimpleUploadedFile("炸弹.xlsx", buffer.getvalue())}
    if "registry" in url:
        data["source"] = import_source.pk
    response = client.post(url, data)
    assert response.status_code == 422
    assert "表格内容过大（解压后超过 300 MB）" in response.content.decode()
    assert not ImportBatch.objects.exists() and not ServiceItem.objects.exists()
