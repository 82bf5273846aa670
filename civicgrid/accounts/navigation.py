"""The staff menu (each item shows only to roles whose permissions allow its action) and the panels of
the home pages."""

import functools
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civicgrid.org.permissions import PERMISSIONS
from civicgrid.org.selectors import roles_of, user_can


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    icon: str
    action: str | None = None
    order: int = 50
    # Items of one group show as one drop-down menu, placed where its first item would be.
    group: str | Promise | None = None


# Groups of the staff menu.
PORTAL_GROUP = _("淘社区")
GROUP_ICONS = {PORTAL_GROUP: "house-heart"}


STAFF_NAV: list[NavItem] = [NavItem(_("首页"), "home", "house", order=0)]


def register(*items: NavItem) -> None:
    """Add menu items; each app calls this from its AppConfig.ready()."""
    STAFF_NAV.extend(item for item in items if item not in STAFF_NAV)
    STAFF_NAV.sort(key=lambda item: item.order)


@functools.cache
def _url(name: str) -> str:
    return reverse(name)


def staff_nav(user, current_path: str) -> list[dict]:
    """The menu items this user may use, in order; grouped items as one entry with "children"."""
    items, groups = [], {}
    for item in STAFF_NAV:
        if item.action is not None and not user_can(user, item.action):
            continue
        url = _url(item.url_name)
        entry = {"label": item.label, "url": url, "icon": item.icon, "active": _is_active(url, current_path)}
        if item.group is None:
            items.append(entry)
        elif item.group in groups:
            groups[item.group]["children"].append(entry)
        else:
            groups[item.group] = {
                "label": item.group,
                "icon": GROUP_ICONS.get(item.group, "list"),
                "children": [entry],
            }
            items.append(groups[item.group])
    for group in groups.values():
        group["active"] = any(child["active"] for child in group["children"])
    # A group with one item the user may use is just that item.
    return [i["children"][0] if len(i.get("children", ())) == 1 else i for i in items]


# The rendered menu depends only on the language, the roles, the admin flags and the active items: it
# is rendered once for each such combination and then read from the cache (no personal data in it).
MENU_KEPT_S = 3600
MENU_TEMPLATE = "staff/_menu.html"


@functools.cache
def _menu_version() -> str:
    """A digest of the menu's definition and the permission table: a deploy that changes either one
    does not read menus cached by the previous version."""
    definition = repr([(i.label, i.url_name, i.icon, i.action, i.group) for i in STAFF_NAV])
    return hashlib.blake2b(f"{definition}{sorted(PERMISSIONS.items())}".encode(), digest_size=8).hexdigest()


def staff_menu(user, current_path: str) -> str:
    active = ",".join(item.url_name for item in STAFF_NAV if _is_active(_url(item.url_name), current_path))
    roles = ",".join(sorted(roles_of(user)))
    key = f"staff-menu:{_menu_version()}:{get_language()}:{user.is_superuser:d}{user.is_staff:d}:{roles}:{active}"
    html = cache.get(key)
    if html is None:
        context = {"nav_items": staff_nav(user, current_path), "is_admin": user.is_staff}
        html = str(render_to_string(MENU_TEMPLATE, context))
        cache.set(key, html, MENU_KEPT_S)
    return mark_safe(html)  # nosec B308 B703


def _is_active(url: str, current_path: str) -> bool:
    return current_path == url if url == "/" else current_path.startswith(url)


# Panels on the home pages, contributed by higher apps in their AppConfig.ready(): each is a
# callable (request) → dict with a "template" and its context, or None to show nothing.
HOME_PANELS: list = []
PORTAL_PANELS: list = []
# Cache keys holding a version that the portal panels also depend on (a panel showing the latest news
# registers the news' version): when one changes, every reader's cached panels are stale.
PORTAL_PANEL_VERSIONS: list[str] = []

# The portal home's panels, rendered, per reader and language. The apps whose figures they show drop
# a reader's entry when those change (forget_panels); the age limit is only a backstop.
PANELS_KEY = "panels:{}:{}"
PANELS_KEPT_S = 300
PANELS_TEMPLATE = "accounts/partials/panels.html"


def register_home_panel(panel, *, portal: bool = False, version_key: str | None = None) -> None:
    target = PORTAL_PANELS if portal else HOME_PANELS
    if panel not in target:
        target.append(panel)
    if version_key and version_key not in PORTAL_PANEL_VERSIONS:
        PORTAL_PANEL_VERSIONS.append(version_key)


def panels(request, *, portal: bool = False) -> list[dict]:
    return [p for p in (panel(request) for panel in (PORTAL_PANELS if portal else HOME_PANELS)) if p]


def portal_panels(request) -> dict:
    """The portal home's panels for this reader: rendered once and then read from the cache when every
    process shares it (a message written by the task worker must reach the web processes); else the
    panels themselves, rendered with the page."""
    if not settings.SHARED_CACHE:
        return {"panels": panels(request, portal=True)}
    key = PANELS_KEY.format(request.user.pk, get_language())
    found = cache.get_many([key, *PORTAL_PANEL_VERSIONS])
    versions = [found.get(name) for name in PORTAL_PANEL_VERSIONS]
    entry = found.get(key)
    if entry is not None and entry[0] == versions:
        return {"panels_html": mark_safe(entry[1])}  # nosec B308 B703
    html = render_to_string(PANELS_TEMPLATE, {"panels": panels(request, portal=True)}, request)
    cache.set(key, (versions, str(html)), PANELS_KEPT_S)
    return {"panels_html": html}


def forget_panels(user_ids) -> None:
    """Drop these readers' cached panels, now and again when the transaction commits."""
    keys = [PANELS_KEY.format(pk, code) for pk in set(user_ids) if pk for code, _name in settings.LANGUAGES]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))
