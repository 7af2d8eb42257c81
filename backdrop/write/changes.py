"""Deleting and patching stored records: ``DELETE``/``PATCH /<bucket>`` and ``/data/<group>/<type>``.

Both authenticate as a write does, answer ``{"status": "ok", "count": n}``
and change nothing unless the whole request succeeds (SPEC 2.1).
"""
from pyramid.view import view_config

from ..deletes import delete_query
from ..errors import APIError
from ..interfaces import IStore
from ..patches import merged_records, patch_list
from ..read.params import ParamError
from ..records import RecordError
from ..store.errors import RecordNotFound
from .body import json_body
from .records import _authorised_bucket, _ok, refused_as_400


@view_config(route_name="bucket", request_method="DELETE")
@view_config(route_name="bucket.by_group", request_method="DELETE")
def delete_records(request):
    config = _authorised_bucket(request)
    try:
        query = delete_query(request.GET)
    except UnicodeDecodeError:
        raise APIError(400, "the query string is not valid UTF-8") from None
    except ParamError as error:
        raise APIError(400, str(error)) from None
    return _ok(request.find_service(IStore).delete_records(config["name"], query))


def _numbered_patches(request):
    body = json_body(request)
    try:
        numbered = patch_list(body)
    except RecordError as error:
        raise _bad_record(error) from None
    request.environ["backdrop.batch_size"] = len(numbered)  # for the metrics
    limit = request.registry.settings["backdrop.max_batch_records"]
    if len(numbered) > limit:
        raise APIError(413, f"A batch may hold at most {limit} records")
    return numbered


def _bad_record(error):
    return APIError(400, str(error), **({} if error.index is None else {"index": error.index}))


@view_config(route_name="bucket", request_method="PATCH")
@view_config(route_name="bucket.by_group", request_method="PATCH")
def patch_records(request):
    config = _authorised_bucket(request)
    numbered = _numbered_patches(request)
    bucket_type = request.plugins.bucket_types.get(config["bucket_type"])
    if bucket_type is None:
        raise APIError(500, f"bucket type {config['bucket_type']} is not installed")
    ids = [patch["_id"] for _, patch in numbered]
    store = request.find_service(IStore)
    try:
        with refused_as_400():
            count = store.update_records(
                config["name"], ids,
                lambda stored: merged_records(numbered, stored, config, bucket_type),
            )
    except RecordError as error:
        raise _bad_record(error) from None
    except RecordNotFound as error:
        index = next(index for index, patch in numbered if patch["_id"] == error.record_id)
        raise APIError(404, str(error), **({} if index is None else {"index": index})) from None
    return _ok(count)
