"""``GET``/``OPTIONS`` on ``/<bucket>`` and ``/data/<group>/<type>`` (SPEC 3.1).

Every read is cacheable: ``Cache-Control`` from the bucket type, a strong
``ETag`` of the body and ``304`` for a matching ``If-None-Match``. Every
answer, errors included, carries ``Access-Control-Allow-Origin: *``.
"""
import hashlib
import json
from datetime import UTC, datetime

import orjson
from pyramid.response import Response
from pyramid.view import view_config

from ..errors import APIError
from ..interfaces import IReadEngine
from ..lookup import bucket_for
from ..store.errors import NonNumericCollect
from . import shaping
from .engine import Reader
from .params import ParamError, parse_params
from .protection import ProtectedQuery, check_protection
from .windows import WindowError

CORS = {"Access-Control-Allow-Origin": "*"}
PREFLIGHT = {
    **CORS,
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "cache-control",
    "Access-Control-Max-Age": "86400",
}
UNPUBLISHED_WARNING = (
    "Warning: This data-set is unpublished. Data may be subject to change or be inaccurate."
)
DEFAULT_MAX_AGE = 1800


def bad_request(message):
    return APIError(400, message, headers=CORS)


@view_config(route_name="bucket", request_method="GET")
@view_config(route_name="bucket.by_group", request_method="GET")
def read(request):
    bucket = bucket_for(request, readable=True, headers=CORS)
    plugins = request.plugins
    try:
        query_string = request.GET
    except UnicodeDecodeError:
        raise bad_request("the query string is not valid UTF-8") from None
    try:
        params = parse_params(query_string, plugins.collectors)
        check_protection(params, bucket)
        reader = Reader(
            request.find_service(IReadEngine), bucket["name"], params, plugins.collectors,
            datetime.now(UTC),
        )
        # A raw JSON answer is joined from the store's texts of its records, unparsed.
        texts = reader.raw_texts() if reader.is_raw and params.format == "json" else None
        rows = reader.rows() if texts is None else None
    except (ParamError, ProtectedQuery, WindowError, NonNumericCollect) as error:
        raise bad_request(str(error)) from None
    bucket_type = plugins.bucket_types.get(bucket.get("bucket_type"))
    max_age = bucket_type.cache_max_age if bucket_type else DEFAULT_MAX_AGE
    if params.format == "csv":
        body = shaping.csv_text(rows).encode("utf-8")
        return cached(request, body, "text/csv", max_age)
    warning = None if bucket.get("published", True) else UNPUBLISHED_WARNING
    body = json_body(rows, warning) if texts is None else records_body(texts, warning)
    return cached(request, body, "application/json", max_age)


def json_body(rows, warning=None):
    """``{"data": rows}`` (and the ``warning``) as compact UTF-8 JSON.

    orjson writes a large answer several times faster; it stops at 64-bit
    integers, and Python's ``json`` writes any integer exactly, so an answer
    holding a larger one (an exact integer sum) is written by ``json``.
    """
    payload = {"data": rows} if warning is None else {"data": rows, "warning": warning}
    try:
        return orjson.dumps(payload)
    except orjson.JSONEncodeError:
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False).encode("utf-8")


def records_body(texts, warning=None):
    """What ``json_body`` writes for raw records, from each record's JSON text."""
    tail = "]}" if warning is None else '],"warning":' + orjson.dumps(warning).decode() + "}"
    return ("{\"data\":[" + ",".join(texts) + tail).encode("utf-8")


def cached(request, body, content_type, max_age):
    """The response for ``body``, or ``304`` when the client already has it."""
    etag = hashlib.sha256(body).hexdigest()
    if etag in request.if_none_match:
        response = Response(status=304)
        del response.content_type
    else:
        response = Response(body=body, content_type=content_type, charset="utf-8")
    response.headers.update(CORS)
    response.etag = etag
    response.cache_control = f"max-age={max_age}, must-revalidate"
    return response


@view_config(route_name="bucket", request_method="OPTIONS")
@view_config(route_name="bucket.by_group", request_method="OPTIONS")
def preflight(request):
    """CORS preflight: browsers may read any bucket from any origin."""
    response = Response(status=200, body=b"")
    response.headers.update(PREFLIGHT)
    return response
