from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from civicgrid.org.selectors import user_can

from .services import daily_login


@receiver(user_logged_in, dispatch_uid="portal_daily_login_points")
def _daily_login_points(sender, request, user, **kwargs):
    """Residents earn the daily log-in points once a day (the ledger's key makes it once)."""
    if user_can(user, "portal.points"):
        daily_login(user=user)
