from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "civicgrid.portal"
    label = "portal"
    verbose_name = "淘社区"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register, register_home_panel

        from . import receivers  # noqa: F401
        from .panels import portal_panel

        register(
            NavItem(_("实名认证审核"), "portal:verifications", "person-check", "portal.verify", order=60),
            NavItem(_("积分兑换"), "portal:redemptions", "gift", "portal.rewards", order=61),
        )
        register_home_panel(portal_panel, portal=True)
