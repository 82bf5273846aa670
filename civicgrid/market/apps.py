from django.apps import AppConfig


class MarketConfig(AppConfig):
    name = "civicgrid.market"
    label = "market"
    verbose_name = "跳蚤市场与微商圈"
