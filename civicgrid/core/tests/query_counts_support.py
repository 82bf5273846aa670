"""The world and the measuring of `test_query_counts.py`: the access matrix's world (its personas
and objects, `test_access_matrix._build`), and one way to count a list's queries at two sizes.

A list is measured as its caller sees it twice: once with a few rows, once with many more rows, each
with the objects a row shows (photos, holders, categories, people …). Both requests are made after a
warm-up request with the same rows, so that what a page keeps in the cache (the staff menu, the
categories, the signed-in account) is counted the same way in both.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from civicgrid.core.testing import build_tree, log_in

from .test_access_matrix import _build, _personas

# The rows a list has at the first count (the world's own row and one more) and at the second.
SMALL = 2
LARGE = 12


def jpeg(name: str = "photo.jpg") -> ContentFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (40, 120, 200)).save(out, "JPEG")
    return ContentFile(out.getvalue(), name=name)


@dataclass
class Ctx:
    """What the row makers need: the tree, the personas (`u`), the world's ids and a few objects."""

    tree: object
    u: dict
    ids: dict
    sessions: dict
    cache: dict = field(default_factory=dict)

    def get(self, model, id_name: str):
        key = (model.__name__, id_name)
        if key not in self.cache:
            self.cache[key] = model.objects.get(pk=self.ids[id_name])
        return self.cache[key]


def build_world(django_db_blocker):
    """The access matrix's world, in a transaction left open for the module (rolled back after)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            tree = build_tree(department="综治办")
            users = _personas(tree)
            built = _build(users, tree)
            sessions = {}
            for name, user in users.items():
                client = Client()
                log_in(client, user)  # past the second factor for the roles that need one
                sessions[name] = client.cookies[settings.SESSION_COOKIE_NAME].value
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    ctx = Ctx(tree=tree, u=users, ids=built["ids"], sessions=sessions)

    def close():
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)

    return ctx, close


@dataclass(frozen=True)
class Measure:
    queries: int
    status: int
    size: int  # bytes of the answer: more rows shown, a longer answer
    sql: list[str]


def measure(ctx: Ctx, caller: str | None, url: str, *, data=None, headers=None, cold=False) -> Measure:
    """One warm-up request, then the counted one, as `caller` (None: no session, e.g. an API key).
    `cold`: the list itself is kept in the cache, so the cache is emptied before the counted request
    (else it would be read from the cache, with no query to count)."""
    client = Client()
    if caller:
        client.cookies[settings.SESSION_COOKIE_NAME] = ctx.sessions[caller]
    headers = headers or {}
    client.get(url, data or {}, headers=headers)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {}, headers=headers)
    return Measure(
        len(captured),
        response.status_code,
        len(response.content),
        [q["sql"] for q in captured.captured_queries],
    )


@dataclass(frozen=True)
class ListCase:
    """One list as one caller sees it.

    `add(ctx, n)` adds the list's n-th row (n from 1) with its related objects, visible to the caller;
    the world already holds one row of most lists (`world_rows` says how many it shows). `url` is the
    path, or a function of the ctx; `data` the query string. `slack` is a constant number of queries the
    larger list may take more, only where it is by design (say why in `why`)."""

    key: str  # the access-table key (page "ns:name" or API "GET /api/v1/…")
    caller: str | None
    add: Callable
    url: str | Callable
    data: dict | Callable | None = None
    headers: dict | Callable | None = None
    world_rows: int = 1
    slack: int = 0
    why: str = ""
    label: str = ""  # a variant of the same route (a tab, a filter)
    cold: bool = False  # the list is kept in the cache: count it as read from the database

    @property
    def id(self) -> str:
        return self.key + (f"[{self.label}]" if self.label else "")


def resolve(value, ctx):
    return value(ctx) if callable(value) else value


def grow(case: ListCase, ctx: Ctx, start: int, stop: int) -> None:
    for n in range(start, stop):
        case.add(ctx, n)


def counts(case: ListCase, ctx: Ctx) -> tuple[Measure, Measure]:
    """The list measured with SMALL rows and with LARGE rows."""
    url = resolve(case.url, ctx)
    data = resolve(case.data, ctx)
    headers = resolve(case.headers, ctx)
    first = max(SMALL - case.world_rows, 0) + 1
    grow(case, ctx, 1, first)
    small = measure(ctx, case.caller, url, data=data, headers=headers, cold=case.cold)
    grow(case, ctx, first, first + LARGE - SMALL)
    large = measure(ctx, case.caller, url, data=data, headers=headers, cold=case.cold)
    return small, large
