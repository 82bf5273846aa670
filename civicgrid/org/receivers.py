"""Keep the shared cache of signed-in accounts (and their home panels) true to the rows."""

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.accounts.navigation import forget_panels

from .models import Membership, OrgUnit
from .selectors import forget_signed_in, units_changed


@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL, dispatch_uid="org_account_changed")
def _account_changed(sender, instance, **kwargs):
    forget_signed_in(instance.pk)


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="org_membership_changed")
def _membership_changed(sender, instance, **kwargs):
    forget_signed_in(instance.user_id)
    forget_panels([instance.user_id])  # which panels show follows the roles


@receiver([post_save, post_delete], sender=OrgUnit, dispatch_uid="org_unit_changed")
def _unit_changed(sender, instance, **kwargs):
    units_changed()
