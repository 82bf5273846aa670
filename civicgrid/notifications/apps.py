from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "civicgrid.notifications"
    label = "notifications"
    verbose_name = "消息"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register, register_home_panel

        from .panels import inbox_panel

        register_home_panel(inbox_panel)
        register_home_panel(inbox_panel, portal=True)

        register(NavItem(_("消息"), "notifications:inbox", "bell", None, order=5))
