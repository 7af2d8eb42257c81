"""``GET /_openapi.json`` (every role, SPEC 9): the document of what this process serves.

Built once, after every role's views are added, from Pyramid's introspector
(``served.py``) and the descriptions in ``operations.py``.
"""
import json

from pyramid.events import ApplicationCreated
from pyramid.response import Response

from ..errors import json_error
from .document import build_document

DOCUMENT = "backdrop.openapi.document"


def openapi_view(request):
    body = request.registry.get(DOCUMENT)
    if body is None:  # an app made without make_wsgi_app (no ApplicationCreated)
        body = _encoded(request.registry)
    response = Response(body=body, content_type="application/json", charset="utf-8")
    response.cache_control = "no-cache"
    return response


def wrong_method(request):
    return json_error(405, "method not allowed", {"Allow": "GET, HEAD"})


def _encoded(registry):
    return json.dumps(build_document(registry), separators=(",", ":")).encode()


def _build(event):
    event.app.registry[DOCUMENT] = _encoded(event.app.registry)


def includeme(config):
    config.add_view(openapi_view, route_name="openapi", request_method=("GET", "HEAD"))
    config.add_view(wrong_method, route_name="openapi")
    config.add_subscriber(_build, ApplicationCreated)
