from django.apps import AppConfig


class SocialorgsConfig(AppConfig):
    name = "civicgrid.socialorgs"
    label = "socialorgs"
    verbose_name = "社会组织"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import PORTAL_GROUP, NavItem, register, register_home_panel
        from civicgrid.core import media

        from .panels import portal_panel
        from .selectors import can_read_file

        media.register("socialorgs", can_read_file)
        register(
            NavItem(
                _("社会组织"),
                "socialorgs:staff_orgs",
                "people",
                "socialorgs.manage",
                order=70,
                group=PORTAL_GROUP,
            )
        )
        register_home_panel(portal_panel, portal=True)
