from django.apps import AppConfig


class PollsConfig(AppConfig):
    name = "civicgrid.polls"
    label = "polls"
    verbose_name = "投票与调研"
