"""Two organisations — a dance team of community A run by an organisation account, a choir of community
B run by one of its residents — and the people around them."""

import io
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.core.testing import make_user
from civicgrid.org.choices import Role
from civicgrid.socialorgs import services


def jpeg(name: str = "photo.jpg", colour: str = "red") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@dataclass
class People:
    org_account: object  # 单位账号 of community A: admin of the dance team
    resident_b: object  # a resident of community B: admin of the choir
    neighbour: object  # another resident of community A


@pytest.fixture
def people(personas, tree) -> People:
    return People(
        org_account=make_user(
            "org_a",
            unit=tree.community_a,
            role=Role.ORG_ADMIN,
            kind="organisation",
            phone="13700000001",
            full_name="甲社区文化艺术团",
        ),
        resident_b=make_user(
            "resident_b", unit=tree.community_b, role=Role.RESIDENT, kind="resident", phone="13800000002"
        ),
        neighbour=make_user(
            "neighbour",
            unit=tree.community_a,
            role=Role.RESIDENT,
            kind="resident",
            phone="13800000003",
            full_name="邻居刘阿姨",
        ),
    )


@pytest.fixture
def dance(personas, people, tree):
    return services.socialorg_create(
        actor=personas.community_head_a,
        name="夕阳红舞蹈队",
        category="culture",
        unit=tree.community_a,
        introduction="社区退休居民自发组建的舞蹈队。",
        specialities="民族舞、广场舞",
        contact_name="王阿姨",
        contact_phone="13912345678",
        admin_phone="13700000001",
    )


@pytest.fixture
def choir(personas, people, tree):
    return services.socialorg_create(
        actor=personas.community_head_b,
        name="乙社区合唱团",
        category="culture",
        unit=tree.community_b,
        introduction="每周三晚排练。",
        admin_phone="13800000002",
    )
