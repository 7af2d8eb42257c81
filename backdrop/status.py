"""``GET /_status`` for every role: is the store answering?"""
from pyramid.response import Response
from pyramid.view import view_config

from .errors import json_error
from .interfaces import IStore


@view_config(route_name="status", request_method=("GET", "HEAD"))
def status(request):
    store = request.find_service(IStore)
    if not store.ping():
        return json_error(500, "cannot connect to store")
    body = {"status": "ok", "message": "store is reachable"}
    warning = getattr(store, "warning", None)  # e.g. a standalone MongoDB: batches not atomic
    if warning:
        body["warning"] = warning
    full_reason = request.registry["backdrop.store_space"].full_reason
    if full_reason is not None:
        # Still 200: reads go on, and a balancer must keep sending the writes that find room again.
        body = {**body, "message": f"store is full: {full_reason}", "store_full": True}
    response = Response(json_body=body)
    response.cache_control = "no-cache"
    return response


@view_config(route_name="status")
def status_wrong_method(request):
    return json_error(405, "method not allowed", {"Allow": "GET, HEAD"})


def includeme(config):
    config.scan(__name__)
