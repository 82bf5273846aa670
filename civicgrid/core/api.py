"""Structured API errors: every failure is {code, message, errors} with the right status."""

from decimal import Decimal

import orjson
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import BaseRenderer

from .errors import DomainError


def _body(code: str, message, errors=None) -> dict:
    return {"code": code, "message": str(message), "errors": errors or {}}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request, exc: DomainError):
        return api.create_response(request, _body(exc.code, exc.message, exc.errors), status=exc.status)

    @api.exception_handler(DjangoValidationError)
    def django_validation_error(request, exc: DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return api.create_response(request, _body("invalid", _("提交的数据有误。"), errors), status=400)

    @api.exception_handler(NinjaValidationError)
    def validation_error(request, exc: NinjaValidationError):
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            loc = [
                str(part) for part in err.get("loc", []) if part not in ("body", "query", "path", "payload")
            ]
            errors.setdefault(".".join(loc) or "__all__", []).append(err.get("msg", ""))
        return api.create_response(
            request, _body("validation_error", _("请求参数有误。"), errors), status=422
        )

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request, exc):
        return api.create_response(request, _body("not_authenticated", _("请先登录。")), status=401)

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return api.create_response(request, _body("forbidden", _("您的角色无权进行此操作。")), status=403)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return api.create_response(request, _body("not_found", _("未找到该记录，或您无权查看。")), status=404)

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return api.create_response(request, _body("http_error", exc.message), status=exc.status_code)


class ORJSONRenderer(BaseRenderer):
    """Fast JSON with Chinese kept as UTF-8 (not \\u escapes)."""

    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)


def _default(value):
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
