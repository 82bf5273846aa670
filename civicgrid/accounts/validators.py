"""Password rules beyond Django's: staff passwords need length and three character classes (等保 2.0)."""

import re

from django.conf import settings
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
