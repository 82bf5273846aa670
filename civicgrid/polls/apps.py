from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "civicgrid.polls"
    label = "polls"
    verbose_name = "投票与调研"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import PORTAL_GROUP, NavItem, register, register_home_panel

        from .panels import polls_panel

        register(
            NavItem(
                _("投票与调研"), "polls:staff_list", "bar-chart", "polls.manage", order=70, group=PORTAL_GROUP
            )
        )
        register_home_panel(polls_panel, portal=True)
