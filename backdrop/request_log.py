"""Request ids and the access log: one tween, added by ``config.include``.

Every response carries ``X-Request-Id``: the caller's ``X-Request-Id`` or
``Govuk-Request-Id`` when well-formed (the GDS client sends the latter on every
request), else a new one. While the request runs, the id sits in a context
variable that a log record factory copies onto every log record, so every line
logged for the request carries it (``%(request_id)s``, or the JSON
``request_id`` field). After the response, one ``backdrop.access`` line says
method, path, status, duration, bytes and bucket.

Query values are never logged (a ``filter_by`` value may be an email address
or another person's data); only the query parameters' names are.
"""
import contextvars
import logging
import re
import time
import uuid
from urllib.parse import parse_qsl

from pyramid.tweens import EXCVIEW

HEADER = "X-Request-Id"
INCOMING_HEADERS = ("X-Request-Id", "Govuk-Request-Id")
# Letters, digits and the punctuation GOV.UK ids use (``12345-1401896402.031-10.3.3.1-382``);
# nothing that could split a log line or a header.
WELL_FORMED = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,199}\Z")
MAX_LOGGED_PARAMETERS = 20

access_log = logging.getLogger("backdrop.access")
current_request_id = contextvars.ContextVar("backdrop_request_id", default=None)


def request_id_for(request):
    """The caller's id when well-formed, else a new random one."""
    for name in INCOMING_HEADERS:
        value = request.headers.get(name)
        if value is not None and WELL_FORMED.match(value):
            return value
    return uuid.uuid4().hex


def _path(environ):
    """The path as received, without the query; bytes that are not UTF-8 shown as ``\\xff``."""
    raw = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")  # WSGI: bytes as latin-1
    return raw.encode("latin-1", "replace").decode("utf-8", "backslashreplace")


def _parameter_names(environ):
    """The query's parameter names; from the raw string, so a query that is not UTF-8 logs too."""
    pairs = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True, errors="replace")
    names = sorted({name for name, _ in pairs})
    return [name[:64] for name in names[:MAX_LOGGED_PARAMETERS]]


def logged_bucket(request):
    """The bucket a request was about: resolved by the view, else as named in the URL."""
    resolved = request.environ.get("backdrop.bucket")
    if resolved:
        return resolved
    match = request.matchdict or {}
    if "data_group" in match:
        return f"{match['data_group']}/{match.get('data_type')}"
    return match.get("bucket") or match.get("name")


def _log_access(request, status, started, size):
    duration_ms = round((time.perf_counter() - started) * 1000, 1)
    fields = {
        "method": request.method,
        "path": _path(request.environ),
        "query": _parameter_names(request.environ),
        "status": status,
        "duration_ms": duration_ms,
        "bytes": size,
        "bucket": logged_bucket(request),
    }
    access_log.info(
        "%s %s %s %.1fms %sB bucket=%s",
        fields["method"], fields["path"], status, duration_ms,
        "-" if size is None else size, fields["bucket"] or "-",
        extra={"access": fields},
    )


def request_log_tween_factory(handler, registry):
    def request_log_tween(request):
        request_id = request_id_for(request)
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            try:
                response = handler(request)
            except Exception:
                _log_access(request, 500, started, None)
                raise
            response.headers[HEADER] = request_id
            _log_access(request, response.status_int, started, response.content_length)
            return response
        finally:
            current_request_id.reset(token)

    return request_log_tween


def _record_factory(previous):
    def make_record(*args, **kwargs):
        record = previous(*args, **kwargs)
        record.request_id = current_request_id.get()
        return record

    make_record.backdrop_request_ids = True
    return make_record


def install_record_factory():
    """Make every log record carry the current request id (once per process)."""
    factory = logging.getLogRecordFactory()
    if not getattr(factory, "backdrop_request_ids", False):
        logging.setLogRecordFactory(_record_factory(factory))


def includeme(config):
    install_record_factory()
    config.add_tween("backdrop.request_log.request_log_tween_factory", over=EXCVIEW)
