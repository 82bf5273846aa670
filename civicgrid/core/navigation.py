"""The staff menu: each item shows only to roles whose permissions allow its action."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from civicgrid.org.selectors import user_can


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    action: str | None = None


STAFF_NAV: tuple[NavItem, ...] = (
    NavItem(_("首页"), "core:home", "house"),
    NavItem(_("组织架构"), "org:tree", "diagram-3", "org.view"),
    NavItem(_("人员"), "org:people", "people", "org.view_members"),
    NavItem(_("审计日志"), "audit:list", "journal-text", "audit.view"),
)


def staff_nav(user, current_path: str) -> list[dict]:
    items = []
    for item in STAFF_NAV:
        if item.action is None or user_can(user, item.action):
            url = reverse(item.url_name)
            active = current_path == url if url == "/" else current_path.startswith(url)
            items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return items
