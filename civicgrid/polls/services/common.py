"""What the poll and survey services share: the audience, the window, the options and the messages."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from civicgrid.core.errors import Forbidden
from civicgrid.org.choices import UnitKind
from civicgrid.org.models import OrgUnit

from ..selectors import can_manage

TITLE_REQUIRED = _("请填写标题。")
UNIT_KIND = _("参与范围应为一个社区或整个街道。")
OPENS_REQUIRED = _("请填写开始时间。")
CLOSES_REQUIRED = _("请填写截止时间。")
WINDOW_ORDER = _("截止时间应晚于开始时间。")
WINDOW_PAST = _("截止时间已过，请先修改截止时间。")
OPTIONS_TOO_FEW = _("请至少填写两个选项。")
OPTIONS_TOO_MANY = _("选项不能超过 %(n)d 个。")
OPTION_TOO_LONG = _("每个选项不超过 100 个字。")
OPTION_REPEATED = _("选项不能重复：%(text)s")
NOT_MANAGER = _("您无权管理该范围的投票与调研。")
NOT_VERIFIED = _("完成实名认证后才能参与。")
EDIT_ONLY_DRAFT = _("已发布的内容不能再修改。")
ALREADY_PUBLISHED = _("已经发布过了。")
NOT_PUBLISHED = _("只有进行中的内容可以结束。")

MAX_OPTIONS = 30


def require_manager(actor, unit: OrgUnit) -> None:
    if not can_manage(actor, unit):
        raise Forbidden(NOT_MANAGER)


def header_errors(
    *, unit: OrgUnit | None, title: str, opens_at: datetime | None, closes_at: datetime | None
) -> dict[str, list]:
    """Errors of what polls and surveys share: the audience, the title and the window."""
    errors: dict[str, list] = {}
    if unit is None or unit.kind not in (UnitKind.STREET, UnitKind.COMMUNITY):
        errors["unit"] = [UNIT_KIND]
    if not (title or "").strip():
        errors["title"] = [TITLE_REQUIRED]
    if opens_at is None:
        errors["opens_at"] = [OPENS_REQUIRED]
    if closes_at is None:
        errors["closes_at"] = [CLOSES_REQUIRED]
    elif opens_at is not None and closes_at <= opens_at:
        errors["closes_at"] = [WINDOW_ORDER]
    return errors


def clean_options(options, *, field: str = "options") -> list[str]:
    """Trimmed option texts without blanks; at least two, at most MAX_OPTIONS, no repeats."""
    texts = [text.strip() for text in options or () if text and text.strip()]
    if len(texts) < 2:
        raise ValidationError({field: [OPTIONS_TOO_FEW]})
    if len(texts) > MAX_OPTIONS:
        raise ValidationError({field: [OPTIONS_TOO_MANY % {"n": MAX_OPTIONS}]})
    if any(len(text) > 100 for text in texts):
        raise ValidationError({field: [OPTION_TOO_LONG]})
    seen: set[str] = set()
    for text in texts:
        if text in seen:
            raise ValidationError({field: [OPTION_REPEATED % {"text": text}]})
        seen.add(text)
    return texts


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)
