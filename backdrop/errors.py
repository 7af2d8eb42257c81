"""One error shape for every API response: ``{"status": "error", "message": ...}``."""
import logging

from pyramid.exceptions import URLDecodeError
from pyramid.httpexceptions import HTTPException
from pyramid.response import Response
from pyramid.view import exception_view_config, notfound_view_config

from .store.errors import AnswerTooLarge, StoreFull, StoreUnavailable

log = logging.getLogger(__name__)


class APIError(Exception):
    """Raise from a view to answer with a JSON error."""

    def __init__(self, status, message, headers=None, **extra):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        self.extra = extra


def json_error(status, message, headers=None, **extra):
    response = Response(
        json_body={"status": "error", "message": message, **extra},
        status=status,
        charset="utf-8",
        content_type="application/json",
    )
    response.headers.update(headers or {})
    response.cache_control = "no-cache"
    return response


@exception_view_config(APIError)
def api_error_view(exc, request):
    return json_error(exc.status, exc.message, exc.headers, **exc.extra)


@notfound_view_config()
def not_found_view(request):
    return json_error(404, "not found")


@exception_view_config(HTTPException)
def http_exception_view(exc, request):
    if exc.code < 400:
        return exc
    message = exc.detail or exc.explanation or exc.title
    return json_error(exc.code, str(message), dict(exc.headers.items()) if exc.code == 405 else None)


@exception_view_config(StoreFull)
def store_full_view(exc, request):
    """507 Insufficient Storage: nothing of the write was stored; it may be sent again later."""
    return json_error(507, f"store is full: {exc}")


@exception_view_config(URLDecodeError)
def undecodable_url_view(exc, request):
    return json_error(400, "the URL is not valid UTF-8")


@exception_view_config(StoreUnavailable)
def store_unavailable_view(exc, request):
    # A bounded wait ran out: say so (and let cross-origin dashboards see it), never hang.
    return json_error(503, str(exc), {"Access-Control-Allow-Origin": "*", "Retry-After": "5"})


@exception_view_config(AnswerTooLarge)
def answer_too_large_view(exc, request):
    return json_error(400, str(exc), {"Access-Control-Allow-Origin": "*"})


@exception_view_config(Exception)
def unexpected_error_view(exc, request):
    # PATH_INFO, not request.path: the path may be what failed to decode.
    log.exception("unexpected error answering %s %r", request.method, request.environ.get("PATH_INFO"))
    # Dashboards read from any origin: let them see that it failed, not a CORS error.
    return json_error(500, "internal error", {"Access-Control-Allow-Origin": "*"})


def includeme(config):
    config.scan(__name__)
