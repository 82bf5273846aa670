"""Reads of the webhooks, scoped to the acting user: a platform admin sees the subscriptions (and
their deliveries) whose unit lies in their places; a superuser sees them all."""

from django.db.models import QuerySet

from civicgrid.org.models import OrgUnit
from civicgrid.org.selectors import path_q, scope_paths

from ..models import WebhookDelivery, WebhookSubscription


def _all(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def units_for_subscriptions(user) -> QuerySet[OrgUnit]:
    """The units whose cases the user may subscribe a system to."""
    units = OrgUnit.objects.filter(is_active=True)
    return units if _all(user) else units.filter(path_q(scope_paths(user)))


def subscriptions_visible_to(user) -> QuerySet[WebhookSubscription]:
    subscriptions = WebhookSubscription.objects.select_related("scope_unit", "created_by")
    if _all(user):
        return subscriptions
    return subscriptions.filter(path_q(scope_paths(user), "scope_unit__path"))


def deliveries_visible_to(user) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.all()
    if _all(user):
        return deliveries
    return deliveries.filter(path_q(scope_paths(user), "subscription__scope_unit__path"))
