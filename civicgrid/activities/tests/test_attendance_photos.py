"""After the activity: attendance earns each person the activity points once; photos are cleaned,
a resident organiser's wait for the community, and past activities with photos form the sharing stream."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.activities import services
from civicgrid.activities.models import ActivityPhoto, ActivitySignup
from civicgrid.activities.services.attendance import NOT_STARTED
from civicgrid.core.errors import Conflict, Forbidden
from civicgrid.core.testing import log_in
from civicgrid.portal.models import PointsAccount, PointsEntry

pytestmark = pytest.mark.django_db


def jpeg_with_gps() -> SimpleUploadedFile:
    image = Image.new("RGB", (64, 48), (200, 80, 40))
    exif = Image.Exif()
    exif[0x8825] = {2: (30.0, 17.0, 0.0)}  # GPSInfo: a latitude
    exif[0x010F] = "相机厂商"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("现场.jpg", out.getvalue(), content_type="image/jpeg")


def test_attendance_earns_points_once(client, make_activity, personas, points_rule):
    activity = make_activity(capacity=2)
    for user in (personas.resident, personas.volunteer):
        services.signup_create(actor=user, activity=activity)
    log_in(client, personas.community_head_a)
    url = f"/portal/activities/{activity.pk}/attendance/"
    early = client.post(url, {"attended": [personas.resident.pk]})
    assert early.status_code == 422
    assert str(NOT_STARTED) in early.content.decode()
    with time_machine.travel(activity.ends_at + timedelta(minutes=10), tick=False):
        log_in(client, personas.community_head_a)  # a new session: the staff one timed out meanwhile
        assert client.post(url, {"attended": [personas.resident.pk]}).status_code == 302
        page = client.get(url).content.decode()
        assert "已登记 1 人签到，1 人本次获得积分" in page
        # Saved again, and once more with both: the resident is not paid twice.
        client.post(url, {"attended": [personas.resident.pk]})
        result = services.attendance_mark(
            actor=personas.community_head_a,
            activity=activity,
            attended_user_ids=[personas.resident.pk, personas.volunteer.pk],
        )
    assert result == {"attended": 2, "absent": 0, "points_awarded": 1}
    assert PointsEntry.objects.filter(user=personas.resident, rule="activity").count() == 1
    assert PointsAccount.objects.get(user=personas.resident).balance == 10
    assert PointsEntry.objects.get(user=personas.volunteer).note == f"参加活动：{activity.title}"
    assert ActivitySignup.objects.filter(activity=activity, attended=True).count() == 2


def test_only_people_with_a_place_and_only_the_organiser(make_activity, personas, tree, points_rule):
    activity = make_activity(capacity=1)
    services.signup_create(actor=personas.resident, activity=activity)
    services.signup_create(actor=personas.volunteer, activity=activity)  # waiting
    with time_machine.travel(activity.ends_at + timedelta(minutes=10), tick=False):
        with pytest.raises(Forbidden):
            services.attendance_mark(
                actor=personas.volunteer, activity=activity, attended_user_ids=[personas.volunteer.pk]
            )
        with pytest.raises(Forbidden):
            services.attendance_mark(
                actor=personas.community_head_b, activity=activity, attended_user_ids=[personas.resident.pk]
            )
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError):
            services.attendance_mark(
                actor=personas.community_head_a, activity=activity, attended_user_ids=[personas.volunteer.pk]
            )
    with time_machine.travel(activity.ends_at + timedelta(days=31), tick=False), pytest.raises(Conflict):
        services.attendance_mark(
            actor=personas.community_head_a, activity=activity, attended_user_ids=[personas.resident.pk]
        )
    assert not PointsEntry.objects.exists()


def test_photos_are_cleaned_and_a_residents_wait_for_the_community(client, make_activity, personas, tree):
    activity = make_activity(actor=personas.resident, title="楼道清洁日")
    services.activity_publish(actor=personas.community_head_a, activity=activity)
    with time_machine.travel(activity.ends_at + timedelta(hours=1), tick=False):
        log_in(client, personas.resident)
        url = f"/portal/activities/{activity.pk}/photos/"
        bad = client.post(url, {"photos": [SimpleUploadedFile("x.jpg", b"not an image")]})
        assert bad.status_code == 422 and "只能上传图片" in bad.content.decode()
        assert client.post(url, {"photos": [jpeg_with_gps()], "caption": "清洁前后"}).status_code == 302
        photo = ActivityPhoto.objects.get()
        assert photo.status == "pending"
        with Image.open(photo.image.open()) as stored:
            assert not stored.getexif()  # EXIF (GPS, camera) dropped
        # Not in the stream, not readable by a neighbour, until the community approves it.
        log_in(client, personas.volunteer)
        assert "楼道清洁日" not in client.get("/portal/activities/sharing/").content.decode()
        assert client.get(f"/media/{photo.image.name}").status_code == 404
        log_in(client, personas.community_head_a)
        assert client.get(f"/media/{photo.image.name}").status_code == 200
        client.post(f"/portal/activities/staff/photos/{photo.pk}/", {"decision": "approve"})
        log_in(client, personas.volunteer)
        stream = client.get("/portal/activities/sharing/").content.decode()
        assert "楼道清洁日" in stream and photo.image.url in stream
        assert client.get(f"/media/{photo.image.name}").status_code == 200
        # Hidden with a reason: gone again.
        services.photo_hide(actor=personas.community_head_a, photo=photo, reason="照片中有儿童正脸")
        assert client.get(f"/media/{photo.image.name}").status_code == 404
        assert "楼道清洁日" not in client.get("/portal/activities/sharing/").content.decode()


def test_photos_only_after_the_start_and_never_by_outsiders(make_activity, personas):
    activity = make_activity()
    image = jpeg_with_gps()
    with pytest.raises(Conflict):
        services.photo_add(actor=personas.community_head_a, activity=activity, images=[image])
    with time_machine.travel(activity.starts_at + timedelta(minutes=5), tick=False):
        with pytest.raises(Forbidden):
            services.photo_add(actor=personas.resident, activity=activity, images=[jpeg_with_gps()])
        photos = services.photo_add(
            actor=personas.community_head_a, activity=activity, images=[jpeg_with_gps()]
        )
    assert photos[0].status == "visible"


def test_the_sharing_stream_shows_the_streets_past_activities_to_members(
    client, make_activity, personas, tree, resident_b
):
    past = make_activity(title="重阳节敬老活动")
    make_activity(title="没有照片的活动")
    with time_machine.travel(past.starts_at + timedelta(minutes=30), tick=False):
        services.photo_add(actor=personas.community_head_a, activity=past, images=[jpeg_with_gps()])
        log_in(client, personas.resident)
        assert "重阳节敬老活动" not in client.get("/portal/activities/sharing/").content.decode()  # not over
    with time_machine.travel(past.ends_at + timedelta(hours=2), tick=False):
        # A resident of the street's other community sees it too; an activity without photos is not there.
        log_in(client, resident_b)
        stream = client.get("/portal/activities/sharing/").content.decode()
        assert "重阳节敬老活动" in stream and "甲社区" in stream
        assert "没有照片的活动" not in stream
        client.logout()
        assert client.get("/portal/activities/sharing/").status_code == 302  # to the log-in page
