from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "civicgrid.bookings"
    label = "bookings"
    verbose_name = "资源共享"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import PORTAL_GROUP, NavItem, register, register_home_panel
        from civicgrid.core import media

        from . import panels
        from .models import Resource

        # Photos of rooms and venues: for anyone signed in, as long as the resource is listed.
        media.register(
            "resources",
            lambda user, name: (
                getattr(user, "is_authenticated", False) and Resource.objects.filter(photo=name).exists()
            ),
        )
        register(
            NavItem(
                _("资源预约管理"),
                "bookings:manage",
                "calendar-week",
                "bookings.manage",
                order=65,
                group=PORTAL_GROUP,
            )
        )
        register_home_panel(panels.staff_panel)
        register_home_panel(panels.portal_panel, portal=True)
