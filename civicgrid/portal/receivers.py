from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.accounts.navigation import forget_panels
from civicgrid.cases.choices import EventKind
from civicgrid.cases.models import CaseEvent
from civicgrid.org.selectors import user_can

from .models import OrganisationApplication, PointsEntry, Verification
from .services import daily_login, points_award


@receiver([post_save, post_delete], sender=PointsEntry, dispatch_uid="portal_panel_points")
@receiver([post_save, post_delete], sender=Verification, dispatch_uid="portal_panel_verification")
@receiver([post_save, post_delete], sender=OrganisationApplication, dispatch_uid="portal_panel_organisation")
def _panel_changed(sender, instance, **kwargs):
    """The portal home shows the balance, the verification and the organisation's application."""
    forget_panels([instance.user_id])


@receiver(user_logged_in, dispatch_uid="portal_daily_login_points")
def _daily_login_points(sender, request, user, **kwargs):
    """Residents earn the daily log-in points once a day (the ledger's key makes it once)."""
    if user_can(user, "portal.points"):
        daily_login(user=user)


@receiver(post_save, sender=CaseEvent, dispatch_uid="portal_valid_report_points")
def _valid_report_points(sender, instance, created, **kwargs):
    """A rewarded report (黄金眼) closed as valid earns its reporter points, once per case."""
    if not created or instance.kind != EventKind.CLOSED:
        return
    case = instance.case
    if case.reporter_id and case.is_valid_report and case.category.is_rewarded:
        transaction.on_commit(
            lambda: points_award(
                user=case.reporter, rule_code="valid_report", once_key=f"valid_report:{case.pk}"
            )
        )
