from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "civicgrid.activities"
    label = "activities"
    verbose_name = "社区活动"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import PORTAL_GROUP, NavItem, register, register_home_panel
        from civicgrid.core import media

        from . import panels
        from .selectors import can_read_photo

        media.register("activities", can_read_photo)
        register(
            NavItem(
                _("社区活动"),
                "activities:manage",
                "calendar-event",
                "activities.organise",
                order=65,
                group=PORTAL_GROUP,
            ),
            NavItem(
                _("需求菜单"),
                "activities:demand",
                "clipboard-data",
                "activities.demand",
                order=66,
                group=PORTAL_GROUP,
            ),
        )
        register_home_panel(panels.portal_panel, portal=True)
        register_home_panel(panels.staff_panel)
