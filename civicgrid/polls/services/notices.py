"""Telling the audience: one inbox message per resident when a poll or survey opens to them."""

from django.contrib.auth import get_user_model

from civicgrid.notifications.services import Message, bulk_notify
from civicgrid.org.models import Membership, OrgUnit

from ..selectors import VOTER_ROLES


def announce(*, unit: OrgUnit, kind: str, key: str, title: str, url: str) -> int:
    """Put the message in the inbox of every resident and volunteer of `unit` (once per key)."""
    members = Membership.objects.filter(
        unit__path__startswith=unit.path, role__in=VOTER_ROLES, is_active=True
    ).values("user_id")
    users = get_user_model().objects.filter(pk__in=members, is_active=True).only("id", "email")
    return bulk_notify(
        [
            Message(user=user, kind=kind, title=title, key=f"{key}:{user.pk}", url=url)
            for user in users.iterator()
        ]
    )
