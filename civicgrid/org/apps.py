from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "civicgrid.org"
    label = "org"
    verbose_name = "组织架构"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register

        from . import receivers  # noqa: F401

        register(
            NavItem(_("组织架构"), "org:tree", "diagram-3", "org.view", order=10),
            NavItem(_("人员"), "org:people", "people", "org.view_members", order=11),
        )
