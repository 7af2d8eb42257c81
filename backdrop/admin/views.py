"""Admin pages: home, uploads, and the old ``/_user`` address."""
import logging

from pyramid.httpexceptions import HTTPException, HTTPMovedPermanently, HTTPNotFound
from pyramid.view import exception_view_config, view_config

from ..interfaces import IStore
from ..store.errors import RecordsRefused
from ..uploads import UploadError
from .access import granted_bucket, not_found
from .auth import signed_in
from .charts import to_json, weekly_counts, weekly_counts_spec
from .pages import admin_headers, page, with_admin_headers
from .sheets import prepare_upload

log = logging.getLogger(__name__)

PAGE = {"decorator": (admin_headers, signed_in)}
UPLOAD_ERROR = "There was an error with your upload"


@view_config(route_name="admin.home", request_method=("GET", "HEAD"), **PAGE)
def home(request):
    store = request.find_service(IStore)
    buckets = []
    for name in request.admin_user["buckets"]:
        config = store.get_bucket(name)
        if config is None:
            continue  # granted, then deleted: nothing to upload to
        rows = weekly_counts(request, config)
        buckets.append({
            "name": name,
            "upload_format": config.get("upload_format") or "csv",
            "chart": to_json(weekly_counts_spec(rows, name)),
            "total": sum(row["_count"] for row in rows),
        })
    return page(request, "home", buckets=buckets, charts=True)


@view_config(route_name="admin.user", request_method=("GET", "HEAD"), decorator=admin_headers)
def old_user_page(request):
    return HTTPMovedPermanently(location=request.route_url("admin.home"))


def _permitted_bucket(request):
    """The bucket in the URL if this user may upload to it; else None (a 404)."""
    return granted_bucket(request)


def _not_found(request):
    return not_found(request, "There is no data set here that you may upload to.")


@view_config(route_name="admin.upload", request_method=("GET", "HEAD"), **PAGE)
def upload_form(request):
    config = _permitted_bucket(request)
    if config is None:
        return _not_found(request)
    parser = request.plugins.upload_parsers.get(config.get("upload_format") or "csv")
    return page(request, "upload", bucket=config, parser=parser)


@view_config(route_name="admin.upload", request_method="POST", require_csrf=True, **PAGE)
def upload(request):
    config = _permitted_bucket(request)
    if config is None:
        return _not_found(request)
    max_bytes = request.registry.settings["backdrop.upload_max_bytes"]
    field = request.POST.get("file")
    try:
        if not hasattr(field, "file"):
            raise UploadError("no file was uploaded: choose a file and try again")
        data = field.file.read(max_bytes)
        records = prepare_upload(
            data, field.filename, field.type, config, request.plugins, max_bytes
        )
        bucket_type = request.plugins.bucket_types[config["bucket_type"]]
        capped_size = config.get("capped_size") if bucket_type.capped else None
        stored = request.find_service(IStore).insert(
            config["name"], records, capped_size=capped_size
        )
    except (UploadError, RecordsRefused) as error:
        return page(request, "upload_error", status=400, bucket=config,
                    title=UPLOAD_ERROR, reason=str(error))
    return page(request, "upload_ok", bucket=config, count=stored,
                filename=field.filename)


@view_config(route_name="admin.upload", **PAGE)
def upload_wrong_method(request):
    response = page(request, "error", status=405, title="Method not allowed",
                    reason="Use the upload form on this page.")
    response.headers["Allow"] = "GET, HEAD, POST"
    return response


@exception_view_config(HTTPNotFound, admin_page=True)  # errors.py's JSON 404 is more specific
@exception_view_config(HTTPException, admin_page=True)
def admin_http_error(exc, request):
    """A 4xx on an admin route (e.g. a method it does not take): a page, not the API's JSON."""
    if exc.code < 400:
        return with_admin_headers(exc)
    response = page(request, "error", status=exc.code, user=None, csrf_token="",
                    title=exc.title, reason=str(exc.explanation or exc.title))
    if "Allow" in exc.headers:
        response.headers["Allow"] = exc.headers["Allow"]
    return response


@exception_view_config(Exception, admin_page=True)
def admin_error(exc, request):
    """An unexpected failure on an admin page: an HTML page, not the API's JSON."""
    log.exception("unexpected error answering %s %s", request.method, request.path)
    return page(request, "error", status=500, user=None, title="Something went wrong",
                reason="Backdrop could not complete this request. Please try again later.")
