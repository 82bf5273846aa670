"""Bookings on a fixed Tuesday morning (2026-12-01 09:00, Asia/Shanghai): a community room that confirms
at once, the street's hall that needs approval, a verified resident, an unverified volunteer, and an
organisation account confirmed in community A."""

from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
import time_machine
from django.utils import timezone

NOW = "2026-12-01 09:00 +0800"  # a Tuesday
TOMORROW = date(2026, 12, 2)  # a Wednesday


def at(hour: int, minute: int = 0, day: date = TOMORROW) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def verify(user, unit):
    from civicgrid.portal.models import Verification

    return Verification.objects.create(
        user=user,
        full_name=user.get_full_name(),
        id_masked="3301**********1234",
        unit=unit,
        status="confirmed",
        created_at=timezone.now(),
    )


def make_resource(unit, *, created_by, name="活动室", hours=None, organisation=None, **fields):
    from civicgrid.bookings.models import OpeningHours, Resource

    now = timezone.now()
    resource = Resource.objects.create(
        unit=unit,
        organisation=organisation,
        organisation_name=fields.pop("organisation_name", ""),
        kind=fields.pop("kind", "room"),
        name=name,
        capacity=fields.pop("capacity", 10),
        needs_approval=fields.pop("needs_approval", False),
        slot_minutes=fields.pop("slot_minutes", 60),
        created_by=created_by,
        created_at=now,
        updated_at=now,
        **fields,
    )
    for weekday, (opens, closes) in (hours or dict.fromkeys(range(7), (time(8), time(21)))).items():
        OpeningHours.objects.create(resource=resource, weekday=weekday, opens=opens, closes=closes)
    return resource


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@dataclass
class Place:
    room: object  # community A, confirmed at once, every day 08:00–21:00, 10 people
    hall: object  # the street, needs approval, weekdays 08:30–17:30, 100 people
    org_room: object  # the organisation's, needs approval
    organisation: object  # an organisation account confirmed in community A
    resident: object  # verified
    volunteer: object  # not verified


@pytest.fixture
def place(frozen, tree, personas) -> Place:
    from civicgrid.core.testing import make_user
    from civicgrid.org.choices import Role
    from civicgrid.org.services import membership_grant

    organisation = make_user("org_a", kind="organisation", phone="13700000001", full_name="王经理")
    membership_grant(user=organisation, unit=tree.community_a, role=Role.ORG_ADMIN, title="甲社区商贸公司")
    verify(personas.resident, tree.community_a)
    weekdays = dict.fromkeys(range(5), (time(8, 30), time(17, 30)))
    return Place(
        room=make_resource(tree.community_a, created_by=personas.community_head_a, name="甲社区会议室"),
        hall=make_resource(
            tree.street,
            created_by=personas.street_leader,
            name="街道多功能厅",
            kind="venue",
            capacity=100,
            needs_approval=True,
            hours=weekdays,
        ),
        org_room=make_resource(
            tree.community_a,
            created_by=organisation,
            name="商贸公司会议室",
            organisation=organisation,
            organisation_name="甲社区商贸公司",
            needs_approval=True,
            hours=weekdays,
        ),
        organisation=organisation,
        resident=personas.resident,
        volunteer=personas.volunteer,
    )
