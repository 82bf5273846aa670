"""Activity photos (活动剪影): posted by the organisation's admin, checked by content, served only to
those who may see the organisation."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.core.images import NOT_AN_IMAGE
from civicgrid.core.testing import log_in
from civicgrid.socialorgs import services
from civicgrid.socialorgs.models import SocialOrg, SocialOrgPhoto

from .conftest import jpeg

pytestmark = pytest.mark.django_db


def upload(client, org, *files, caption="重阳节汇演"):
    return client.post(f"/portal/groups/manage/{org.pk}/photos/", {"images": list(files), "caption": caption})


def test_the_admin_posts_photos_that_everybody_sees(client, personas, people, dance):
    log_in(client, people.org_account)
    response = upload(client, dance, jpeg("a.jpg"), jpeg("b.jpg", "blue"))
    assert response.status_code == 302
    photos = list(SocialOrgPhoto.objects.filter(org=dance))
    assert len(photos) == 2 and {p.caption for p in photos} == {"重阳节汇演"}
    client.logout()
    page = client.get(f"/portal/groups/{dance.pk}/").content.decode()  # a visitor, signed out
    assert photos[0].image.url in page and "重阳节汇演" in page
    image = client.get(photos[0].image.url)
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_gps_is_stripped_from_photos(client, people, dance):
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (30.0, 17.0, 0.0)}  # GPS
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, "JPEG", exif=exif)
    [photo] = services.photos_add(
        actor=people.org_account,
        org=dance,
        images=[SimpleUploadedFile("gps.jpg", out.getvalue(), content_type="image/jpeg")],
    )
    with photo.image.open("rb") as stored, Image.open(stored) as image:
        assert not image.getexif().get(0x8825)


def test_a_file_that_is_not_an_image_is_refused_and_nothing_is_saved(client, people, dance):
    log_in(client, people.org_account)
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not an image", content_type="image/jpeg")
    response = upload(client, dance, jpeg("good.jpg"), fake)
    assert response.status_code == 422
    assert str(NOT_AN_IMAGE) in response.content.decode()
    assert not SocialOrgPhoto.objects.exists()
    empty = upload(client, dance)
    assert empty.status_code == 422 and "请选择要上传的照片。" in empty.content.decode()


def test_only_the_admin_posts_photos(client, personas, people, dance, choir):
    log_in(client, personas.resident)
    assert upload(client, dance, jpeg()).status_code == 403
    log_in(client, people.resident_b)  # the choir's admin
    assert upload(client, dance, jpeg()).status_code == 404
    log_in(client, personas.community_head_a)  # oversees it, but photos are the organisation's own
    assert upload(client, dance, jpeg()).status_code == 403
    assert not SocialOrgPhoto.objects.exists()


def test_the_admin_deletes_a_photo_and_staff_may_take_one_down(client, personas, people, dance):
    first, second = services.photos_add(actor=people.org_account, org=dance, images=[jpeg(), jpeg()])
    log_in(client, personas.resident)
    assert client.post(f"/portal/groups/manage/{dance.pk}/photos/{first.pk}/delete/").status_code == 403
    log_in(client, people.org_account)
    client.post(f"/portal/groups/manage/{dance.pk}/photos/{first.pk}/delete/")
    log_in(client, personas.community_head_a)
    response = client.post(f"/portal/groups/manage/{dance.pk}/photos/{second.pk}/delete/")
    assert response.url == f"/portal/groups/staff/{dance.pk}/"
    assert not SocialOrgPhoto.objects.exists()


def test_photos_of_an_organisation_not_yet_confirmed_are_not_public(client, personas, people):
    org = services.socialorg_create(
        actor=people.org_account,
        unit=people.org_account.memberships.get().unit,
        name="甲社区太极拳队",
        category="sports",
        introduction="清晨练拳。",
        logo=jpeg("logo.jpg"),
    )
    [photo] = services.photos_add(actor=people.org_account, org=org, images=[jpeg()])
    for name in (photo.image.url, org.logo.url):
        client.logout()
        assert client.get(name).status_code == 404
        log_in(client, personas.resident)
        assert client.get(name).status_code == 404
        log_in(client, people.org_account)
        assert client.get(name).status_code == 200
    services.socialorg_decide(actor=personas.community_head_a, org=SocialOrg.objects.get(), confirm=True)
    client.logout()
    assert client.get(photo.image.url).status_code == 200
