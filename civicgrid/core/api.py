"""Structured API errors: every failure is {code, message, errors} with the right status."""

from datetime import UTC, datetime
from decimal import Decimal
from functools import wraps
from http.client import responses as reasons
from typing import Annotated, Any

import orjson
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import REF_TEMPLATE
from ninja.pagination import LimitOffsetPagination
from ninja.renderers import BaseRenderer
from pydantic import AfterValidator

from .errors import DomainError

# An id sent in a query or a body: Python's int has no bounds but a 64-bit key column has, and SQLite
# fails the query (OverflowError, 500) on a foreign-key or `__in` lookup past them instead of finding
# nothing. Out of range is a 422 like any other malformed id.
DB_ID_MAX = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=DB_ID_MAX)]


def _instant_in_utc(value: datetime) -> datetime:
    """An offset is only a way of writing the instant; PostgreSQL stores offsets up to ±15:59 and
    failed the query (500) on the ±23:59 that ISO 8601 and Python allow. Keep the instant, in UTC."""
    if value.tzinfo is None:
        return value  # naive: the view or service reads it as Asia/Shanghai, as before
    try:
        return value.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:00-05:00
        raise ValueError(_("时间超出范围。")) from None


# A date-time sent in a body or a query.
DateTimeIn = Annotated[datetime, AfterValidator(_instant_in_utc)]


def _body(code: str, message, errors=None) -> dict:
    return {"code": code, "message": str(message), "errors": errors or {}}


class ApiError(Schema):
    """错误答复 · The answer of every refused or failed request: a stable code, a message for people
    and, for invalid input, the errors by field."""

    code: str = Field(..., description="稳定的错误代码 · stable machine code, e.g. invalid, not_found")
    message: str = Field(..., description="给人看的说明 · message for people")
    errors: dict[str, Any] = Field(
        default_factory=dict, description="按字段的错误 · errors by field ({field: [messages]})"
    )


# The answers any operation may give besides its own, and why. 401 only where the operation needs a
# log-in; 503 is the database outage answer of `DatabaseUnavailableMiddleware`.
ERROR_RESPONSES: dict[int, str] = {
    400: "invalid — 业务规则拒绝了请求 · a rule of the platform refused the request",
    401: "not_authenticated / session_expired — 请先登录 · log in first",
    403: "forbidden / second_factor_required / … — 无权进行此操作 · not allowed",
    404: "not_found — 未找到，或无权查看 · not there, or not yours",
    409: "conflict — 与当前状态冲突 · conflicts with the current state",
    422: "validation_error — 请求参数有误 · the request does not fit this schema",
    503: "service_unavailable — 数据库暂不可用 · the database is unavailable",
}


def declare_error_responses(schema: dict) -> dict:
    """Add the `ApiError` answers to every operation of an OpenAPI document, so that clients (and
    the schema fuzzing test) know the error shapes the handlers give."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    name = ApiError.__name__
    if name in components:
        raise ImproperlyConfigured(f"Another API schema is named {name}.")
    components[name] = ApiError.model_json_schema(ref_template=REF_TEMPLATE)
    content = {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=name)}}}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answers = operation.setdefault("responses", {})
            declared = {int(status) for status in answers if str(status).isdigit()}
            for status, description in ERROR_RESPONSES.items():
                if status in declared or (status == 401 and not operation.get("security")):
                    continue
                answers[status] = {"description": f"{reasons[status]}: {description}", "content": content}
    return schema


def install_error_handlers(api: NinjaAPI) -> None:
    openapi_schema = api.get_openapi_schema

    @wraps(openapi_schema)
    def get_openapi_schema(*args, **kwargs):
        return declare_error_responses(openapi_schema(*args, **kwargs))

    api.get_openapi_schema = get_openapi_schema  # type: ignore[method-assign]

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


PAGE_MAX_LIMIT = 500
PAGE_MAX_OFFSET = 1_000_000_000


class BoundedLimitOffset(LimitOffsetPagination):
    """`?limit=&offset=` paging with bounds: Ninja's own takes any integer, and a limit or offset past
    the database's 64-bit range failed the query (500) instead of answering 422."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=PAGE_MAX_LIMIT, description="每页条数 · rows per page")
        offset: int = Field(0, ge=0, le=PAGE_MAX_OFFSET, description="跳过的条数 · rows to skip")

    def __init__(self, **kwargs):
        super().__init__(max_limit=PAGE_MAX_LIMIT, **kwargs)


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
