"""Password rules beyond Django's: staff passwords need length and three character classes (等保 2.0);
nobody may use a password common among Chinese users."""

import re
from pathlib import Path

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _classes(password: str) -> int:
    patterns = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")
    return sum(1 for p in patterns if re.search(p, password))


class StaffPasswordValidator:
    """Staff accounts: at least STAFF_PASSWORD_MIN_LENGTH characters from at least three classes."""

    def __init__(self):
        self.min_length = getattr(settings, "STAFF_PASSWORD_MIN_LENGTH", 12)

    def validate(self, password: str, user=None) -> None:
        from .choices import AccountKind

        if user is not None and getattr(user, "kind", AccountKind.STAFF) != AccountKind.STAFF:
            return
        if len(password) < self.min_length or _classes(password) < 3:
            raise ValidationError(
                _("工作人员密码至少 %(n)d 个字符，并包含大写字母、小写字母、数字、符号中的至少三类。")
                % {"n": self.min_length},
                code="staff_password_weak",
            )

    def get_help_text(self) -> str:
        return _("工作人员密码至少 %(n)d 个字符，并包含大写字母、小写字母、数字、符号中的至少三类。") % {
            "n": self.min_length
        }


class ChineseCommonPasswordValidator(password_validation.CommonPasswordValidator):
    """Refuses passwords common among Chinese users (leaked-list favourites such as woaini1314 or
    qq5201314, keyboard runs, pinyin names and phrases). Django's own list, checked too, is of
    English-speaking users; all-digit passwords (birthdays, 88888888) are refused by Django's
    NumericPasswordValidator."""

    PASSWORD_LIST = Path(__file__).resolve().parent / "data" / "common-passwords-zh.txt"

    def __init__(self):
        super().__init__(password_list_path=self.PASSWORD_LIST)

    def validate(self, password: str, user=None) -> None:
        if password.lower().strip() in self.passwords:
            raise ValidationError(
                _("密码过于常见（如 woaini1314、qwe123456、常用拼音），请换一个更难猜的密码。"),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("不能使用常见密码（如 woaini1314、qwe123456、常用拼音）。")


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with a message of our own: Django 5.2 changed the message's text and its Chinese
    catalogue still has the old one, so the page showed it in English."""

    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(n)d 个字符。") % {"n": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(n)d 个字符。") % {"n": self.min_length}
