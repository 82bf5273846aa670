"""The English catalogue is complete, compiled, and actually served.

The UI is written in Chinese (LANGUAGE_CODE = "zh-hans"); English comes from
locale/en/LC_MESSAGES/django.po, whose compiled django.mo is committed so that machines without
GNU gettext still get English. See locale/README.md for how to refresh both files.
"""

import gettext as stdlib_gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

CATALOGUE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = CATALOGUE_DIR / "django.po"
MO_PATH = CATALOGUE_DIR / "django.mo"

# Python-format placeholders: %(name)s, %(n)d … (a literal "%%" is not a placeholder).
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")
ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a PO string literal: {text!r}"
    return re.sub(r"\\(.)", lambda m: ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def parse_po(path: Path) -> list[Entry]:
    """A deliberately tiny PO reader: enough for Django's makemessages output, standard library only."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # which field continuation lines append to

    def start(lineno: int) -> Entry:
        entry = Entry(line=lineno)
        entries.append(entry)
        return entry

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:  # entries are separated by blank lines
            current, target = None, None
            continue
        if line.startswith("#~"):  # obsolete entry; makemessages --no-obsolete drops these
            continue
        if line.startswith("#"):
            if current is None or target is not None:  # a comment after keywords opens the next entry
                current, target = start(lineno), None
            if line.startswith("#,"):
                current.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{lineno}: stray continuation line"
            name, index = target
            if index is None:
                setattr(current, name, getattr(current, name) + _unquote(line))
            else:
                current.msgstr_plural[index] += _unquote(line)
            continue
        keyword, _, rest = line.partition(" ")
        opens_entry = keyword == "msgctxt" or (
            keyword == "msgid" and (target is None or target[0] != "msgctxt")
        )
        if current is None or (opens_entry and target is not None):
            current = start(lineno)
        plural = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if plural:
            index = int(plural.group(1))
            current.msgstr_plural[index] = _unquote(rest)
            target = ("msgstr_plural", index)
        elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
            setattr(current, keyword, _unquote(rest))
            target = (keyword, None)
        else:
            raise AssertionError(f"{path}:{lineno}: unexpected line {raw!r}")
    return entries


@pytest.fixture(scope="module")
def po_entries() -> list[Entry]:
    assert PO_PATH.exists(), f"{PO_PATH} is missing; run makemessages (see locale/README.md)"
    return parse_po(PO_PATH)


def _messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.msgid]


def test_parser_reads_the_whole_catalogue(po_entries):
    header = [e for e in po_entries if not e.msgid]
    assert len(header) == 1, "exactly one header entry expected"
    assert "Language: en" in header[0].msgstr
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header[0].msgstr
    messages = _messages(po_entries)
    assert len(messages) > 100
    assert len({(e.msgctxt, e.msgid) for e in messages}) == len(messages), "duplicate msgid"
    assert any(e.msgid_plural for e in messages), "the catalogue has at least one plural message"


def test_no_entry_is_fuzzy(po_entries):
    fuzzy = [f"line {e.line}: {e.msgid or '(header)'}" for e in po_entries if "fuzzy" in e.flags]
    assert not fuzzy, (
        "fuzzy entries are ignored by compilemessages; review them and drop the flag:\n" + "\n".join(fuzzy)
    )


def test_every_message_is_translated(po_entries):
    untranslated = []
    for e in _messages(po_entries):
        if e.msgid_plural is None:
            if not e.msgstr.strip():
                untranslated.append(e.msgid)
        elif sorted(e.msgstr_plural) != [0, 1] or not all(s.strip() for s in e.msgstr_plural.values()):
            untranslated.append(e.msgid)
    assert not untranslated, "messages without an English translation:\n" + "\n".join(untranslated)


def test_placeholders_are_kept(po_entries):
    broken = []
    for e in _messages(po_entries):
        if e.msgid_plural is None:
            pairs = [(e.msgid, e.msgstr)]
        else:
            pairs = [(e.msgid, e.msgstr_plural.get(0, "")), (e.msgid_plural, e.msgstr_plural.get(1, ""))]
        for source, translated in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(translated)):
                broken.append(f"{source!r} -> {translated!r}")
    assert not broken, "placeholders differ between source and translation:\n" + "\n".join(broken)


def test_compiled_catalogue_matches_the_po(po_entries):
    """django.mo is committed: it must hold exactly what django.po says (re-run compilemessages if not)."""
    assert MO_PATH.exists(), f"{MO_PATH} is missing; run compilemessages (see locale/README.md)"
    with MO_PATH.open("rb") as handle:
        catalog = stdlib_gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    stale = []
    for e in _messages(po_entries):
        key = e.msgid if e.msgctxt is None else f"{e.msgctxt}\x04{e.msgid}"
        if e.msgid_plural is None:
            if catalog.get(key) != e.msgstr:
                stale.append(e.msgid)
        elif any(catalog.get((key, i)) != s for i, s in e.msgstr_plural.items()):
            stale.append(e.msgid)
    assert not stale, "django.mo is out of date with django.po for:\n" + "\n".join(stale)


@pytest.mark.parametrize(
    ("source", "english"),
    [
        ("首页", "Home"),
        ("工作人员登录", "Staff sign-in"),
        ("淘社区", "Community Portal"),
        ("智慧云服务管理平台", "Smart Cloud Service Platform"),
        ("网格责任社工", "Grid social worker"),
        ("云平台中心", "Dispatch centre"),
        ("审计日志", "Audit log"),
        ("动态验证码", "One-time code"),
        ("二次验证", "Two-step verification"),
    ],
)
def test_django_serves_the_english_catalogue(source, english):
    with translation.override("en"):
        assert translation.gettext(source) == english
    with translation.override("zh-hans"):
        assert translation.gettext(source) == source


def test_english_formats_and_plurals():
    with translation.override("en"):
        assert translation.gettext("第 %(n)s / %(total)s 页") % {"n": 2, "total": 5} == "Page 2 of 5"
        assert (
            translation.ngettext("下辖 %(n)s 个单元：", "下辖 %(n)s 个单元：", 1) % {"n": 1}
            == "Oversees 1 unit:"
        )
        assert (
            translation.ngettext("下辖 %(n)s 个单元：", "下辖 %(n)s 个单元：", 3) % {"n": 3}
            == "Oversees 3 units:"
        )


@pytest.mark.django_db
def test_login_page_in_english_with_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "<title>Staff sign-in · Smart Cloud Service Platform</title>" in page
    assert '<h2 class="h5 mb-3">Staff sign-in</h2>' in page
    assert "Community Portal" in page
    assert "工作人员登录" not in page


@pytest.mark.django_db
def test_login_page_in_chinese_without_the_cookie(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert '<h2 class="h5 mb-3">工作人员登录</h2>' in page
    assert "Staff sign-in" not in page
