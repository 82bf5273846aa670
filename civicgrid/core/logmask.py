"""Log lines never carry a full mainland mobile number or resident ID number.

`MaskPersonalData` is a logging filter on the console handler (settings.LOGGING): it formats the
record's message (msg % args), masks it, and does the same to the formatted traceback and stack, so
whatever the handler writes shows 138****5678 and 330104********1234 instead.

The rule: a phone is 11 digits starting 1[3-9] (optionally after +86 / 86), an ID number is 17 digits
and a digit or X; each must stand alone among digits. A digit right before or after makes it part of a
longer number (a 20-digit order number, a nanosecond timestamp), which is left as it is. Letters and
punctuation around do not protect: "tel13812345678" and "phone=13812345678" are masked.
"""

import logging
import re

from civicgrid.core.crypto import mask

PERSONAL = re.compile(
    r"(?<!\d)(?:"
    r"(?P<id>\d{17}[\dXx])"
    r"|(?P<cc>\+?86[- ]?)?(?P<phone>1[3-9]\d{9})"
    r")(?!\d)"
)


def _replace(match: re.Match) -> str:
    if match["id"]:
        return mask(match["id"], keep_start=6, keep_end=4)
    return (match["cc"] or "") + mask(match["phone"])


def mask_personal(text: str) -> str:
    """`text` with every phone and ID number masked (the same string when there is none)."""
    return PERSONAL.sub(_replace, text)


class MaskPersonalData(logging.Filter):
    """Rewrites a record that carries a phone or ID number in place (others are left untouched);
    never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it as it always does
            return True
        masked = mask_personal(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info or record.exc_text:
            text = record.exc_text or self._formatter.formatException(record.exc_info)
            masked = mask_personal(text)
            if masked != text:
                record.exc_text = masked  # the formatter uses the cached text as it is
        if record.stack_info:
            record.stack_info = mask_personal(record.stack_info)
        return True
