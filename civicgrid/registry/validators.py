"""Check digits of Chinese identifiers: national ID (GB 11643), unified social credit code (GB 32100).

Each validator returns the normalised value or raises ValidationError with a Chinese message.
"""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
CREDIT_RE = re.compile(rf"^[{CREDIT_ALPHABET}]{{18}}$")

MOBILE_RE = re.compile(r"^1[3-9][0-9]{9}$")
PLATE_RE = re.compile(
    r"^[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领]"
    r"[A-HJ-NP-Z][A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警港澳]$"
)


def id_check_digit(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def _ascii(value: str) -> str:
    """Full-width digits and letters (typed with a Chinese input method) as ASCII."""
    return unicodedata.normalize("NFKC", value or "")


def normalise_id_number(value: str) -> str:
    return _ascii(value).strip().upper().replace(" ", "")


def validate_id_number(value: str) -> str:
    """Return the normalised 18-character ID number, or raise with the reason in Chinese."""
    number = normalise_id_number(value)
    if not ID_RE.match(number):
        raise ValidationError(_("身份证号应为 18 位：17 位数字加 1 位数字或 X。"), code="id_format")
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth_date") from None
    if id_check_digit(number[:17]) != number[17]:
        raise ValidationError(_("身份证号校验位不正确，请核对。"), code="id_check_digit")
    return number


def id_birth_date(number: str) -> date:
    return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def id_sex(number: str) -> str:
    """'M' or 'F' from the 17th digit (odd for men)."""
    return "M" if int(number[16]) % 2 else "F"


def validate_credit_code(value: str) -> str:
    code = _ascii(value).strip().upper().replace(" ", "")
    if not CREDIT_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）。"), code="credit_format"
        )
    if credit_check_char(code[:17]) != code[17]:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对。"), code="credit_check")
    return code


def validate_mobile(value: str) -> str:
    phone = _ascii(value).strip().replace(" ", "").replace("-", "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not MOBILE_RE.match(phone):
        raise ValidationError(_("请输入有效的中国大陆手机号（11 位，以 1 开头）。"), code="mobile")
    return phone


def validate_plate(value: str) -> str:
    plate = _ascii(value).strip().upper().replace(" ", "").replace("·", "")
    if not PLATE_RE.match(plate):
        raise ValidationError(_("车牌号格式不正确，例如 浙A12345 或 浙AD12345。"), code="plate")
    return plate
