"""Data-set management over HTTP (SPEC 5), guarded by the admin token."""
import hmac
import logging

from pyramid.response import Response
from pyramid.view import view_config

from ..auth import presented_token, wrong_token
from ..buckets import ConfigError, changed_config, new_config, public, rotated_token
from ..errors import APIError
from ..interfaces import IStore
from ..store.errors import BucketExists, BucketNotFound, DataGroupClash
from .body import json_body

log = logging.getLogger(__name__)


def _require_admin(request):
    token = presented_token(request)
    expected = request.registry.settings.get("backdrop.admin_token") or ""
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise wrong_token("Bearer token is not the admin token")


def _json(body, status=200):
    response = Response(json_body=body, status=status)
    response.cache_control = "no-cache"
    return response


def _not_found(name):
    return APIError(404, f'No data set exists with name "{name}"')


def _config_body(request):
    body = json_body(request)
    if not isinstance(body, dict):
        raise APIError(400, "the config must be a JSON object")
    return body


@view_config(route_name="datasets.list", request_method="GET")
def list_datasets(request):
    _require_admin(request)
    store = request.find_service(IStore)
    return _json({"data": [public(config) for config in store.list_buckets()]})


@view_config(route_name="datasets.item", request_method="GET")
def show_dataset(request):
    _require_admin(request)
    name = request.matchdict["name"]
    config = request.find_service(IStore).get_bucket(name)
    if config is None:
        raise _not_found(name)
    return _json(public(config))


@view_config(route_name="datasets.item", request_method="POST")
def create_dataset(request):
    _require_admin(request)
    name = request.matchdict["name"]
    store = request.find_service(IStore)
    if store.get_bucket(name) is not None:
        raise APIError(409, f'A data set with name "{name}" already exists')
    try:
        config, token = new_config(name, _config_body(request), request.plugins)
        store.create_bucket(config)
    except ConfigError as error:
        raise APIError(400, str(error)) from None
    except BucketExists:
        raise APIError(409, f'A data set with name "{name}" already exists') from None
    except DataGroupClash:
        raise APIError(
            409, f"data_group {config['data_group']} and data_type {config['data_type']}"
            " are already used by another data set"
        ) from None
    return _json({**public(config), "bearer_token": token}, status=201)


@view_config(route_name="datasets.item", request_method="PATCH")
def update_dataset(request):
    _require_admin(request)
    name = request.matchdict["name"]
    store = request.find_service(IStore)
    config = store.get_bucket(name)
    if config is None:
        raise _not_found(name)
    try:
        changes = changed_config(config, _config_body(request), request.plugins)
        config = store.update_bucket(name, changes)
    except ConfigError as error:
        raise APIError(400, str(error)) from None
    except BucketNotFound:
        raise _not_found(name) from None
    except DataGroupClash:
        raise APIError(409, "data_group and data_type are already used by another data set") from None
    return _json(public(config))


@view_config(route_name="datasets.item", request_method="DELETE")
def delete_dataset(request):
    _require_admin(request)
    name = request.matchdict["name"]
    if not request.find_service(IStore).delete_bucket(name):
        raise _not_found(name)
    return _json({"status": "ok", "message": f"Deleted {name}"})


@view_config(route_name="datasets.token", request_method="POST")
def rotate_token(request):
    """A new bearer token for the bucket, shown once; the old one is refused from now on."""
    _require_admin(request)
    name = request.matchdict["name"]
    store = request.find_service(IStore)
    if store.get_bucket(name) is None:
        raise _not_found(name)
    changes, token = rotated_token()
    try:
        store.update_bucket(name, changes)
    except BucketNotFound:
        raise _not_found(name) from None
    log.info("rotated the bearer token of data set %s", name)
    return _json({**public(store.get_bucket(name)), "bearer_token": token})


# What each route answers, for the Allow header a 405 must carry (RFC 9110).
ALLOWED = {
    "datasets.list": "GET, HEAD",
    "datasets.item": "GET, HEAD, POST, PATCH, DELETE",
    "datasets.token": "POST",
}


@view_config(route_name="datasets.list")
@view_config(route_name="datasets.item")
@view_config(route_name="datasets.token")
def wrong_method(request):
    allowed = ALLOWED[request.matched_route.name]
    raise APIError(405, f"{request.method} is not allowed here", {"Allow": allowed})
