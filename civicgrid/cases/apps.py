from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "civicgrid.cases"
    label = "cases"
    verbose_name = "问题流转中心"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register, register_home_panel
        from civicgrid.core import media

        from . import panels, receivers  # noqa: F401
        from .models import CasePhoto
        from .selectors import cases_for

        media.register(
            "cases",
            lambda user, name: CasePhoto.objects.filter(
                image=name, case__in=cases_for(user).values("pk")
            ).exists(),
        )
        register_home_panel(panels.staff_panel)
        register_home_panel(panels.portal_panel, portal=True)

        register(
            NavItem(_("问题中心"), "cases:centre", "inbox", "cases.view", order=2),
            NavItem(_("上报问题"), "cases:report", "plus-circle", "cases.report", order=3),
            NavItem(_("预警"), "cases:warnings", "exclamation-octagon", "cases.warnings", order=4),
        )
