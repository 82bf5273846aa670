"""The demo street shows activities: upcoming, full with a waiting list, waiting for approval, and past
ones with photos — and loading it again adds nothing."""

import io

import pytest
from django.core.management import call_command

from civicgrid.activities.models import Activity, ActivityPhoto, ActivitySignup
from civicgrid.core.testing import log_in
from civicgrid.portal.models import PointsEntry

pytestmark = pytest.mark.django_db


def test_the_demo_street_has_activities_and_loads_twice(client, demo_street):
    counts = (Activity.objects.count(), ActivitySignup.objects.count(), ActivityPhoto.objects.count())
    assert counts[0] == 7 and counts[2] == 6
    assert Activity.objects.filter(status="draft", by_resident=True).count() == 1
    full = Activity.objects.get(title="社区乒乓球友谊赛")
    assert (full.confirmed_count, full.waiting_count) == (2, 1)
    assert PointsEntry.objects.filter(rule="activity", once_key__startswith="activity:").count() == 5
    call_command("demo", quiet_logins=True, scale=0, stdout=io.StringIO())
    assert (Activity.objects.count(), ActivitySignup.objects.count(), ActivityPhoto.objects.count()) == counts
    from django.contrib.auth import get_user_model

    log_in(client, get_user_model().objects.get(username="resident01"))
    assert "老年人如何防三高健康讲座" in client.get("/portal/activities/").content.decode()
    assert "厨艺大比拼" in client.get("/portal/activities/sharing/").content.decode()
    log_in(client, get_user_model().objects.get(username="head02"))
    assert "周末旧物交换集市" in client.get("/portal/activities/staff/").content.decode()
