"""A platform admin corrects a ledger entry from the admin site: a new entry with its reason, the
original untouched, audited; without a reason or as another role, nothing changes."""

from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.urls import reverse

from civicgrid.audit.models import AuditEvent
from civicgrid.core.testing import log_in
from civicgrid.scoring.choices import EntryKind
from civicgrid.scoring.models import ScoreEntry
from civicgrid.scoring.services import period_close

from .conftest import DEC_1, NOVEMBER, at
from .test_close import scheme  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(scheme):  # noqa: F811
    with time_machine.travel(DEC_1, tick=False):
        period_close(scheme=scheme, day=NOVEMBER)
    return ScoreEntry.objects.filter(scheme=scheme).exclude(points=0).order_by("pk").first()


@time_machine.travel(at(12, 5), tick=False)
def test_an_admin_corrects_an_entry_with_a_reason(closed, client, personas):
    # The ledger's list is read with Django's model permission (the demo's admin is a superuser).
    personas.platform_admin.user_permissions.add(Permission.objects.get(codename="view_scoreentry"))
    log_in(client, personas.platform_admin)
    url = reverse("admin:scoring_scoreentry_correct", args=[closed.pk])
    page = client.get(url)
    assert page.status_code == 200 and "记入更正" in page.content.decode()
    assert f'href="{url}"' in client.get(reverse("admin:scoring_scoreentry_changelist")).content.decode()
    entries = ScoreEntry.objects.count()

    refused = client.post(url, {"points": "abc", "reason": ""})
    assert refused.status_code == 200
    html = refused.content.decode()
    assert "请填写数字。" in html and "请填写更正原因。" in html
    assert client.post(url, {"points": "0", "reason": "x"}).status_code == 200
    assert ScoreEntry.objects.count() == entries

    done = client.post(url, {"points": str(-closed.points), "reason": "系统故障导致超时"})
    assert done.status_code == 302 and done["Location"] == reverse("admin:scoring_scoreentry_changelist")
    [correction] = [e for e in ScoreEntry.objects.all() if e.corrects_id == closed.pk]
    assert correction.kind == EntryKind.CORRECTION and correction.points == -closed.points
    assert correction.period.starts_on.strftime("%Y-%m") == "2026-12"  # November is closed
    closed.refresh_from_db()
    assert closed.points != Decimal(0)  # never changed in place
    event = AuditEvent.objects.filter(action="create").latest("pk")
    assert event.details["corrects"] == closed.pk and event.details["reason"] == "系统故障导致超时"


def test_only_a_platform_admin_may_correct(closed, client, personas):
    personas.street_leader.is_staff = True
    personas.street_leader.save(update_fields=["is_staff"])
    log_in(client, personas.street_leader)
    url = reverse("admin:scoring_scoreentry_correct", args=[closed.pk])
    assert client.post(url, {"points": "1", "reason": "试图加分"}).status_code == 403
    assert not [e for e in ScoreEntry.objects.all() if e.corrects_id == closed.pk]
