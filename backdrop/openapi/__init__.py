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
    response = Response(body=request.registry[DOCUMENT], content_type="application/json",
                        charset="utf-8")
    response.cache_control = "no-cache"
    return response


def wrong_method(request):
    return json_error(405, "method not allowed", {"Allow": "GET, HEAD"})


def _build(event):
    registry = event.app.registry
    registry[DOCUMENT] = json.dumps(build_document(registry), separators=(",", ":")).encode()


def includeme(config):
    config.add_view(openapi_view, route_name="openapi", request_method=("GET", "HEAD"))
    config.add_view(wrong_method, route_name="openapi")
    config.add_subscriber(_build, ApplicationCreated)
