from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "civicgrid.org"
    label = "org"
    verbose_name = "组织架构"
