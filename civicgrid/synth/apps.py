from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SynthConfig(AppConfig):
    """A synthetic city for benchmarks and load tests (`manage.py synth`)."""

    name = "civicgrid.synth"
    verbose_name = _("模拟城市数据")
