"""No stored XSS: every free-text field of every record holds one of eight script payloads, and pages
crawled as each kind of user show them only escaped.

The demo street is loaded, then every plain text column of the platform's tables (names, titles,
descriptions, notes, addresses, reasons, messages…) is overwritten with the payload straight in the
database — past every form's validation, as an attacker who got text in through any door would.
Then, for one account of each kind, the pages are crawled from the home pages by following links.
"""

import io
import re
from collections import deque

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast, Concat

from civicgrid.accounts.models import User
from civicgrid.core.testing import log_in, record_figure
from civicgrid.org.choices import Role
from civicgrid.org.models import Membership

pytestmark = pytest.mark.django_db

# Payloads that run script when shown unescaped — in text, in an attribute, in a textarea, in a
# <script> block — each with the part that only appears if it was not escaped. Escaped, each is
# harmless text that still shows its alert(n).
PAYLOADS = [
    ('"><svg onload=alert(1)>', "<svg onload=alert(1)>"),
    ("<script>alert(2)</script>", "<script>alert(2)"),
    ("<img src=x onerror=alert(3)>", "<img src=x onerror=alert(3)>"),
    ("'><iframe src=javascript:alert(4)>", "<iframe src=javascript:alert(4)>"),
    ('<a href="javascript:alert(5)">x</a>', 'href="javascript:alert(5)"'),
    ("</textarea><details open ontoggle=alert(6)>", "<details open ontoggle=alert(6)>"),
    ("</script><script>alert(7)</script>", "</script><script>alert(7)"),
    ('" autofocus onfocus="alert(8)', '" autofocus onfocus="alert(8)'),
]
SHORTEST = min(len(payload) for payload, _ in PAYLOADS)
# Columns that are keys, codes or machine values rather than free text.
NOT_FREE_TEXT = {
    "password",
    "username",
    "path",
    "code",
    "number",
    "key",
    "token",
    "search_title",
    "search_body",
}
STAFF = ["head01", "grid001", "dispatcher01", "zzb01", "police01", "admin"]
PAGES_PER_ACCOUNT = 150
SKIP = re.compile(r"^/(admin|api|static|media|i18n|accounts/logout)/|export|\.xlsx|download")


def poison() -> list[str]:
    poisoned = []
    for model in apps.get_models():
        meta = model._meta
        if not model.__module__.startswith("civicgrid.") or meta.proxy or not meta.managed:
            continue
        if meta.app_label == "audit":
            continue
        fields = [
            f
            for f in meta.concrete_fields
            if type(f) in (models.CharField, models.TextField)
            and not f.choices
            and not f.unique
            and f.editable
            and (f.max_length or 1000) >= SHORTEST + 8
            and f.name not in NOT_FREE_TEXT
            and not f.name.endswith(("_index", "_key", "_url", "_code"))
        ]
        if fields and models.QuerySet(model).exists():
            # Each column its payload in turn; the row's id after it, so that columns that are unique
            # together stay unique.
            values = {}
            for field in fields:
                room = (field.max_length or 1000) - 8
                fitting = [payload for payload, _ in PAYLOADS if len(payload) <= room]
                payload = fitting[len(poisoned) % len(fitting)]
                values[field.name] = Concat(
                    Value(payload), Cast("pk", models.CharField()), output_field=models.TextField()
                )
                poisoned.append(f"{meta.label}.{field.name}")
            models.QuerySet(model).update(**values)
    return poisoned


SHOWN = re.compile(r"alert\([1-8]\)")


def crawl(client) -> tuple[int, int, list[str], list[str]]:
    """Pages seen, pages showing the payload escaped, pages showing it raw, server errors."""
    seen, shown, leaks, errors = set(), 0, [], []
    queue = deque(["/", "/portal/", "/cases/", "/cases/?tab=open", "/inbox/"])
    while queue and len(seen) < PAGES_PER_ACCOUNT:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            errors.append(f"{url} → {response.status_code}")
            continue
        if "text/html" not in response.get("Content-Type", "") or response.status_code != 200:
            continue
        html = response.content.decode()
        leaks += [f"{url} {raw}" for _, raw in PAYLOADS if raw in html]
        shown += bool(SHOWN.search(html))
        for link in re.findall(r'href="(/[^"#]*)"', html):
            link = link.replace("&amp;", "&")
            if not SKIP.search(link) and link not in seen:
                queue.append(link)
    return len(seen), shown, leaks, errors


@pytest.fixture
def demo(db):
    """The whole demo street, households and cases included."""
    call_command("demo", quiet_logins=True, stdout=io.StringIO())


def test_every_text_field_is_shown_escaped_on_every_page_each_account_reaches(client, demo):
    poisoned = poison()
    assert {"cases.Case.description", "org.OrgUnit.name", "accounts.User.full_name"} <= set(poisoned)
    report = {}
    volunteer = Membership.objects.filter(role=Role.VOLUNTEER).order_by("pk").first().user
    portal = [User.objects.filter(kind=kind).order_by("pk").first() for kind in ("resident", "organisation")]
    portal.append(volunteer)
    for user in [*User.objects.filter(username__in=STAFF), *portal]:
        username = user.username
        client.logout()
        log_in(client, user)
        pages, shown, leaks, errors = crawl(client)
        report[username] = (pages, shown)
        assert not errors, f"{username}: {errors}"
        assert not leaks, f"{username} sees the payload unescaped on {leaks}"
    # Every account reached pages, and pages that show the poisoned text (escaped): the crawl saw it.
    assert all(pages >= 5 and shown >= 3 for pages, shown in report.values()), report
    record_figure(
        "stored XSS",
        payloads=len(PAYLOADS),
        columns_poisoned=len(poisoned),
        accounts=len(report),
        pages_crawled=sum(pages for pages, _ in report.values()),
        pages_showing_payloads=sum(shown for _, shown in report.values()),
        unescaped=0,
    )
