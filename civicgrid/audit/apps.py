from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "civicgrid.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register

        from . import receivers  # noqa: F401

        register(NavItem(_("审计日志"), "audit:list", "journal-text", "audit.view", order=90))
