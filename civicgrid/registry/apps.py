from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "civicgrid.registry"
    label = "registry"
    verbose_name = "统一街区数据"
