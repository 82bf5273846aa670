"""Keep the portal home's "my reports" count true to the cases."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.accounts.navigation import forget_panels

from .models import Case


@receiver([post_save, post_delete], sender=Case, dispatch_uid="cases_panel_reported")
def _reported(sender, instance, created=True, **kwargs):
    if created and instance.reporter_id:
        forget_panels([instance.reporter_id])
