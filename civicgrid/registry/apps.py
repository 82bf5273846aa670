from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "civicgrid.registry"
    label = "registry"
    verbose_name = "统一街区数据"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register

        register(
            NavItem(_("数据登记"), "registry:home", "buildings", "registry.view", order=20),
            NavItem(_("覆盖率"), "registry:coverage", "bar-chart", "registry.coverage", order=21),
            NavItem(_("数据导入"), "registry:imports", "upload", "registry.import", order=22),
            NavItem(
                _("数据冲突"), "registry:conflicts", "exclamation-triangle", "registry.conflicts", order=23
            ),
        )
