from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    """N网合一: API keys for departmental systems, Open311 GeoReport v2, webhooks, single sign-on."""

    name = "civicgrid.integrations"
    label = "integrations"
    verbose_name = "开放接口"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register

        from . import receivers  # noqa: F401

        register(NavItem(_("接口密钥"), "integrations:keys", "key", "integrations.manage", order=95))
