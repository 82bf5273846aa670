from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "civicgrid.market"
    label = "market"
    verbose_name = "跳蚤市场与微商圈"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import PORTAL_GROUP, NavItem, register, register_home_panel
        from civicgrid.core import media

        from .panels import market_panel
        from .selectors import listing_photo_readable

        media.register("market", listing_photo_readable)
        register(
            NavItem(
                _("跳蚤市场审核"),
                "market:moderation",
                "shop",
                "market.moderate",
                order=66,
                group=PORTAL_GROUP,
            ),
            NavItem(
                _("微商圈商户"),
                "market:staff_merchants",
                "geo-alt",
                "market.moderate",
                order=67,
                group=PORTAL_GROUP,
            ),
        )
        register_home_panel(market_panel, portal=True)
