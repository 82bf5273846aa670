from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "civicgrid.polls"
    label = "polls"
    verbose_name = "投票与调研"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import PORTAL_GROUP, NavItem, register, register_home_panel
        from civicgrid.activities.selectors import DemandSource, register_demand_source

        from .panels import polls_panel
        from .selectors import demand_in

        register(
            NavItem(
                _("投票与调研"), "polls:staff_list", "bar-chart", "polls.manage", order=70, group=PORTAL_GROUP
            )
        )
        register_home_panel(polls_panel, portal=True)
        register_demand_source(
            DemandSource("polls", _("投票意向"), demand_in, hint=_("居民在投票中选择的、提到该人群的选项"))
        )
