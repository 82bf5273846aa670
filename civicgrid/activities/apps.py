from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "civicgrid.activities"
    label = "activities"
    verbose_name = "社区活动"
