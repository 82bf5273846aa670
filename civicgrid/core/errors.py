"""Domain errors: a stable code for machines and a Chinese message for people."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A rule of the platform refused the request; nothing was changed."""

    code = "invalid"
    status = 400

    def __init__(self, message=None, *, code: str | None = None, errors: dict | None = None):
        self.message = message if message is not None else _("请求无效。")
        if code:
            self.code = code
        self.errors = errors or {}
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Not there, or not yours: the same answer for both, so nothing leaks."""

    code = "not_found"
    status = 404

    def __init__(self, message=None, **kwargs):
        super().__init__(message if message is not None else _("未找到该记录，或您无权查看。"), **kwargs)


class Forbidden(DomainError):
    code = "forbidden"
    status = 403

    def __init__(self, message=None, **kwargs):
        super().__init__(message if message is not None else _("您的角色无权进行此操作。"), **kwargs)


class Conflict(DomainError):
    code = "conflict"
    status = 409


class RateLimited(DomainError):
    """Too many requests for now; the client may try again later."""

    code = "rate_limited"
    status = 429
