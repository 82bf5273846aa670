"""The signed-in account is read from the shared cache between requests (SHARED_CACHE): every
change to the account, its memberships or the units takes effect on the very next request."""

import pickle

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from civicgrid.core.testing import log_in
from civicgrid.org import services as org_services
from civicgrid.org.choices import Role
from civicgrid.org.models import Membership
from civicgrid.org.selectors import SIGNED_IN_KEY

pytestmark = pytest.mark.django_db

TREE = reverse("org:tree")


@pytest.fixture(autouse=True)
def _signed_in_cache(settings):
    settings.SHARED_CACHE = True


def signed_in(client, user):
    log_in(client, user)
    assert client.get(TREE).status_code == 200  # the account is cached from here on
    assert cache.get(SIGNED_IN_KEY.format(user.pk)) is not None


def test_the_second_request_reads_neither_the_account_nor_its_memberships(client, personas, settings):
    signed_in(client, personas.community_head_a)
    with CaptureQueriesContext(connection) as cached:
        assert client.get(TREE).status_code == 200
    settings.SHARED_CACHE = False
    with CaptureQueriesContext(connection) as uncached:
        assert client.get(TREE).status_code == 200
    assert len(uncached) - len(cached) == 2


def test_a_deactivated_account_is_signed_out_at_once(client, personas):
    user = personas.community_head_a
    signed_in(client, user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert client.get(TREE).status_code == 302


def test_a_revoked_membership_stops_counting_at_once(client, personas):
    user = personas.community_head_a
    signed_in(client, user)
    membership = Membership.objects.get(user=user, role=Role.COMMUNITY_HEAD, is_active=True)
    org_services.membership_revoke(membership=membership, actor=personas.platform_admin)
    assert client.get(TREE).status_code == 403


def test_a_granted_role_counts_at_once(client, personas, tree):
    user = personas.resident
    log_in(client, user)
    assert client.get(TREE).status_code == 403
    org_services.membership_grant(user=user, unit=tree.grid_a1, role=Role.GRID_WORKER)
    assert client.get(TREE).status_code == 200
    # A role that may reveal personal data in full asks for the second factor from the next request on.
    org_services.membership_grant(user=user, unit=tree.community_a, role=Role.COMMUNITY_HEAD)
    assert client.get(TREE).url.startswith("/accounts/otp/")


def test_a_deactivated_unit_takes_its_memberships_with_it(client, personas, tree):
    signed_in(client, personas.community_head_a)
    tree.community_a.is_active = False
    tree.community_a.save(update_fields=["is_active"])
    assert client.get(TREE).status_code == 403


def test_a_password_change_ends_other_sessions(client, personas):
    user = personas.community_head_a
    signed_in(client, user)
    user.set_password("Another-Pass-2026")
    user.save()
    assert client.get(TREE).status_code == 302


def test_the_cache_never_holds_the_mobile_number(client, personas):
    user = personas.resident
    log_in(client, user)
    client.get(reverse("portal_home"))
    entry = cache.get(SIGNED_IN_KEY.format(user.pk))
    assert entry is not None
    assert b"13800000001" not in pickle.dumps(entry)
