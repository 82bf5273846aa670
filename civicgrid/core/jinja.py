"""The Jinja2 environment for list bodies (docs/decisions/0007-jinja2-for-long-lists.md)."""

from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from jinja2 import Environment


def environment(**options) -> Environment:
    # Block tags leave no blank lines behind (Django templates keep them).
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    options.pop("autoescape", None)  # always on, whatever the settings say
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=True, **options)
    # `_()` goes through Django's active language, as in Django templates. Old-style calls, so that
    # makemessages finds `{{ _("…") }}`; placeholders are filled with `|format(n=…)`.
    env.install_gettext_translations(translation, newstyle=False)
    env.globals.update(static=static, url=reverse)
    return env
