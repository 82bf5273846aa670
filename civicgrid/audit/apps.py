from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "civicgrid.audit"
    label = "audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from . import receivers  # noqa: F401
