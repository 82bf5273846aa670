from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "civicgrid.fieldwork"
    label = "fieldwork"
    verbose_name = "网格微管站"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import NavItem, register
        from civicgrid.core import media

        from . import search
        from .models import ServiceItem, VisitPhoto
        from .selectors import visits_for

        media.register(
            "visits",
            lambda user, name: VisitPhoto.objects.filter(
                image=name, visit__in=visits_for(user).values("pk")
            ).exists(),
        )

        # The search weighs terms by how many items hold them; a changed library counts again.
        post_save.connect(search.forget, sender=ServiceItem, dispatch_uid="fieldwork-search-forget")
        post_delete.connect(search.forget, sender=ServiceItem, dispatch_uid="fieldwork-search-forget-delete")

        register(
            NavItem(_("我的一天"), "fieldwork:my_day", "calendar-check", "fieldwork.visit", order=10),
            NavItem(_("政策库"), "fieldwork:policy", "journal-text", "fieldwork.policy", order=40),
            NavItem(_("案例分享"), "fieldwork:studies", "lightbulb", "fieldwork.studies", order=41),
            NavItem(_("工作日志"), "fieldwork:worklog", "pencil-square", "fieldwork.worklog", order=42),
            NavItem(
                _("走访计划"), "fieldwork:programmes", "clipboard-check", "fieldwork.programmes", order=43
            ),
        )
