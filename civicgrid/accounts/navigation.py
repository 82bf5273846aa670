"""The staff menu: each item shows only to roles whose permissions allow its action."""

from dataclasses import dataclass
from functools import cache

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
    order: int = 50


STAFF_NAV: list[NavItem] = [NavItem(_("首页"), "home", "house", order=0)]


def register(*items: NavItem) -> None:
    """Add menu items; each app calls this from its AppConfig.ready()."""
    STAFF_NAV.extend(item for item in items if item not in STAFF_NAV)
    STAFF_NAV.sort(key=lambda item: item.order)


@cache
def _url(name: str) -> str:
    return reverse(name)


def staff_nav(user, current_path: str) -> list[dict]:
    items = []
    for item in STAFF_NAV:
        if item.action is None or user_can(user, item.action):
            url = _url(item.url_name)
            active = current_path == url if url == "/" else current_path.startswith(url)
            items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return items


# Panels on the home pages, contributed by higher apps in their AppConfig.ready(): each is a
# callable (request) → dict with a "template" and its context, or None to show nothing.
HOME_PANELS: list = []
PORTAL_PANELS: list = []


def register_home_panel(panel, *, portal: bool = False) -> None:
    target = PORTAL_PANELS if portal else HOME_PANELS
    if panel not in target:
        target.append(panel)


def panels(request, *, portal: bool = False) -> list[dict]:
    return [p for p in (panel(request) for panel in (PORTAL_PANELS if portal else HOME_PANELS)) if p]
