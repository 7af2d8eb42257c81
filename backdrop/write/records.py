"""Appending and replacing records: ``POST``/``PUT /<bucket>`` and ``/data/<group>/<type>``."""
from contextlib import contextmanager

from pyramid.response import Response
from pyramid.view import view_config

from ..auth import presented_token, wrong_token
from ..buckets import token_matches
from ..errors import APIError
from ..interfaces import IStore
from ..lookup import bucket_for
from ..records import RecordError, prepare_batch
from ..store.errors import RecordsRefused
from .body import records_body


def _authorised_bucket(request):
    """The bucket addressed by the URL; 404 before 401, as SPEC 2.2 says."""
    config = bucket_for(request)
    if not token_matches(presented_token(request), config.get("token_hash")):
        raise wrong_token()
    return config


def _prepared(request, config):
    limit = request.registry.settings["backdrop.max_batch_records"]
    body = records_body(request, limit)
    records = body if isinstance(body, list) else [body]
    request.environ["backdrop.batch_size"] = len(records)  # for the metrics
    if len(records) > limit:
        raise APIError(413, f"A batch may hold at most {limit} records")
    bucket_type = request.plugins.bucket_types.get(config["bucket_type"])
    if bucket_type is None:
        raise APIError(500, f"bucket type {config['bucket_type']} is not installed")
    try:
        return bucket_type, prepare_batch(body, config, bucket_type)
    except RecordError as error:
        raise APIError(400, str(error), **({} if error.index is None else {"index": error.index})) from None


@contextmanager
def refused_as_400():
    """A store that cannot hold the records refuses them whole: a 400, not a 500."""
    try:
        yield
    except RecordsRefused as error:
        raise APIError(400, str(error)) from None


def _ok(count):
    response = Response(json_body={"status": "ok", "count": count})
    response.cache_control = "no-cache"
    return response


@view_config(route_name="bucket", request_method="POST")
@view_config(route_name="bucket.by_group", request_method="POST")
def append_records(request):
    config = _authorised_bucket(request)
    bucket_type, records = _prepared(request, config)
    capped_size = config.get("capped_size") if bucket_type.capped else None
    store = request.find_service(IStore)
    with refused_as_400():
        return _ok(store.insert(config["name"], records, capped_size=capped_size))


@view_config(route_name="bucket", request_method="PUT")
@view_config(route_name="bucket.by_group", request_method="PUT")
def replace_records(request):
    config = _authorised_bucket(request)
    bucket_type, records = _prepared(request, config)
    if bucket_type.capped and config.get("capped_size") is not None:
        records = records[max(0, len(records) - config["capped_size"]):] if config["capped_size"] else []
    store = request.find_service(IStore)
    with refused_as_400():
        return _ok(store.replace_all(config["name"], records))
