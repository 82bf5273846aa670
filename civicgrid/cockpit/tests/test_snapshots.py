"""A large area's cockpit is served from a snapshot at most COCKPIT_SNAPSHOT_MAX_AGE old
(docs/decisions/0010): the snapshot equals a recount of its moment, a newer change shows once it is
too old, a small area is always live, and the periodic task keeps watched snapshots fresh."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from civicgrid.cockpit import selectors, services, tasks
from civicgrid.cockpit.models import Snapshot
from civicgrid.core.testing import log_in

from .test_figures import NOVEMBER, NOW, _report, world  # noqa: F401

pytestmark = pytest.mark.django_db

ALWAYS = override_settings(COCKPIT_SNAPSHOT_MIN_MS=0, COCKPIT_SNAPSHOT_MAX_AGE=120)


def _registered(client, **params) -> int:
    page = client.get(reverse("cockpit:home"), {"month": "2026-11", **params})
    assert page.status_code == 200
    return next(
        c["value"] for c in page.context["month_cards"] if c["label"] == selectors.FIGURES["registered"]
    )


@override_settings(COCKPIT_SNAPSHOT_MIN_MS=10_000)
def test_an_area_quick_to_compute_is_computed_live_every_time(world, client, personas, flow):  # noqa: F811
    log_in(client, personas.street_leader)
    with time_machine.travel(NOW, tick=False):
        before = _registered(client)
        _report(personas, flow, community="a", rewarded=False, at=NOW)
        assert _registered(client) == before + 1
        page = client.get(reverse("cockpit:home"), {"month": "2026-11"})
    assert page.context["as_of"] is None and 'data-testid="as-of"' not in page.content.decode()
    assert not Snapshot.objects.exists()


@ALWAYS
def test_a_snapshot_is_its_moment_s_recount_and_is_renewed_when_too_old(world, client, personas, flow):  # noqa: F811
    log_in(client, personas.street_leader)
    with time_machine.travel(NOW, tick=False) as traveller:
        page = client.get(reverse("cockpit:home"), {"month": "2026-11"})
        assert page.context["as_of"] == NOW and "统计于" in page.content.decode()
        snapshot = Snapshot.objects.get()
        assert snapshot.area_id == page.context["area"].pk
        with translation.override(snapshot.language):
            recount = services.compute_panels(snapshot.area, NOVEMBER, NOW)
        assert snapshot.panels == recount
        assert snapshot.panels["counts"] == selectors.figures(area=snapshot.area, month=NOVEMBER, now=NOW)

        before = _registered(client)
        _report(personas, flow, community="a", rewarded=False, at=NOW)
        traveller.shift(timedelta(seconds=119))
        assert _registered(client) == before  # still the snapshot: at most two minutes old
        api = client.get("/api/v1/cockpit/figures", {"month": "2026-11"}).json()
        assert api["figures"]["registered"] == before and api["as_of"] is not None
        traveller.shift(timedelta(seconds=2))
        log_in(client, personas.street_leader)
        assert _registered(client) == before + 1
        assert Snapshot.objects.get().computed_at == NOW + timedelta(seconds=121)


@ALWAYS
def test_snapshots_are_kept_per_area_and_language(world, client, personas):  # noqa: F811
    log_in(client, personas.street_leader)
    with time_machine.travel(NOW, tick=False):
        street = client.get(reverse("cockpit:home"), {"month": "2026-11"}).context["area"]
        community = next(a for a in selectors.areas_for(personas.street_leader) if a.pk != street.pk)
        client.get(reverse("cockpit:home"), {"month": "2026-11", "community": community.pk})
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        english = client.get(reverse("cockpit:home"), {"month": "2026-11"})
    assert Snapshot.objects.filter(area=street).count() == 2
    assert Snapshot.objects.filter(area=community).count() == 1
    labels = [w["name"] for w in english.context["warnings"]]
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in label) for label in labels), labels


@ALWAYS
def test_the_refresh_keeps_watched_snapshots_fresh_and_leaves_the_others(world, client, personas, flow):  # noqa: F811
    log_in(client, personas.street_leader)
    with time_machine.travel(NOW, tick=False) as traveller:
        client.get(reverse("cockpit:home"), {"month": "2026-11"})
        watched = Snapshot.objects.get()
        _report(personas, flow, community="a", rewarded=False, at=NOW)
        traveller.shift(timedelta(seconds=30))
        assert tasks.refresh_snapshots.call_local() == 0  # not a minute old yet
        traveller.shift(timedelta(seconds=40))
        assert tasks.refresh_snapshots.call_local() == 1
        watched.refresh_from_db()
        assert watched.computed_at == NOW + timedelta(seconds=70) and watched.read_at == NOW
        assert (
            watched.panels["counts"]["registered"]
            == selectors.figures(area=watched.area, month=NOVEMBER, now=NOW)["registered"]
        )
        traveller.shift(timedelta(minutes=11))  # nobody has looked for ten minutes
        assert tasks.refresh_snapshots.call_local() == 0


@override_settings(COCKPIT_SNAPSHOT_MIN_MS=0)
def test_a_snapshot_tells_a_community_head_nothing_of_another_area(world, client, personas):  # noqa: F811
    log_in(client, personas.street_leader)
    with time_machine.travel(NOW, tick=False):
        client.get(reverse("cockpit:home"), {"month": "2026-11"})  # the street's snapshot
        street = Snapshot.objects.get().area
        log_in(client, personas.community_head_a)
        assert client.get(reverse("cockpit:home"), {"community": street.pk}).status_code == 404
        refused = client.get("/api/v1/cockpit/figures", {"community": street.pk})
        assert refused.status_code == 404
