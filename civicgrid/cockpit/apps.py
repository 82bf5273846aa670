from django.apps import AppConfig


class CockpitConfig(AppConfig):
    """领导驾驶舱: the street's and communities' figures, each a link to the records behind it."""

    name = "civicgrid.cockpit"
    label = "cockpit"
    verbose_name = "领导驾驶舱"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register

        register(NavItem(_("领导驾驶舱"), "cockpit:home", "speedometer2", "cockpit.view", order=1))
