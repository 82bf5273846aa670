from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "civicgrid.portal"
    label = "portal"
    verbose_name = "淘社区"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from django.utils.translation import gettext_lazy as _

        from civicgrid.accounts.navigation import PORTAL_GROUP, NavItem, register, register_home_panel
        from civicgrid.core import media

        from . import receivers  # noqa: F401
        from .models import News, Publication
        from .selectors import PUBLIC_VERSION, public_changed

        for model in (News, Publication):
            post_save.connect(public_changed, sender=model, dispatch_uid=f"portal-public-{model.__name__}")
            post_delete.connect(
                public_changed, sender=model, dispatch_uid=f"portal-public-del-{model.__name__}"
            )

        media.register("news", lambda user, name: News.objects.filter(image=name, is_hidden=False).exists())
        from .panels import links_panel, organisation_panel, portal_panel

        register(
            NavItem(
                _("实名认证审核"),
                "portal:verifications",
                "person-check",
                "portal.verify",
                order=60,
                group=PORTAL_GROUP,
            ),
            NavItem(
                _("积分兑换"), "portal:redemptions", "gift", "portal.rewards", order=61, group=PORTAL_GROUP
            ),
            NavItem(
                _("居民意见"),
                "portal:staff_suggestions",
                "chat-dots",
                "portal.reply",
                order=62,
                group=PORTAL_GROUP,
            ),
            NavItem(
                _("发布新闻"), "portal:news_new", "newspaper", "portal.publish", order=63, group=PORTAL_GROUP
            ),
            NavItem(
                _("单位账号审核"),
                "portal:organisations",
                "building-check",
                "portal.organisations",
                order=64,
                group=PORTAL_GROUP,
            ),
        )
        register_home_panel(portal_panel, portal=True)
        register_home_panel(links_panel, portal=True, version_key=PUBLIC_VERSION)
        register_home_panel(organisation_panel, portal=True)
