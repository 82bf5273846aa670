from django.apps import AppConfig


class ScoringConfig(AppConfig):
    """绩效考核: scoring rules as data, a ledger of score entries with their causes, the monthly close."""

    name = "civicgrid.scoring"
    label = "scoring"
    verbose_name = "绩效考核"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register

        register(NavItem(_("绩效考核"), "scoring:rankings", "trophy", "scoring.view", order=50))
