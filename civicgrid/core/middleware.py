"""A clear 503 page when the database is unreachable; the next request reconnects by itself."""

import logging
import sys

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views import defaults

logger = logging.getLogger(__name__)
UNAVAILABLE = _("系统暂时无法访问数据库，请稍后再试。已提交的数据不会丢失。")


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not _is_outage(exception):
            return None
        return _unavailable(request, exception)


def server_error(request):
    """handler500: an outage met outside a view (a middleware reading the session or the signed-in
    account from the database) answers the same 503 as one met in a view."""
    exception = sys.exception()
    if _is_outage(exception):
        return _unavailable(request, exception)
    return defaults.server_error(request)


def _is_outage(exception) -> bool:
    # SQLite contention ("database is locked") is a bug to see, not an outage.
    return isinstance(exception, OperationalError | InterfaceError) and "locked" not in str(exception).lower()


def _unavailable(request, exception):
    logger.error("database unavailable: %s", exception)
    for connection in connections.all():
        connection.close_if_unusable_or_obsolete()
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "service_unavailable", "message": str(UNAVAILABLE)}, status=503)
    else:
        response = HttpResponse(render_to_string("503.html", {"message": str(UNAVAILABLE)}), status=503)
    response["Retry-After"] = "30"
    return response


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Pages need a log-in; the JSON API answers 401 itself instead of redirecting."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Chinese unless the user chose another language: the browser's Accept-Language is ignored."""

    def process_request(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in {lang for lang, _name in settings.LANGUAGES}:
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()
