"""Which operations this process really serves, read from Pyramid's introspector.

The document lists exactly these, so it cannot drift from the views the
roles add: a view added without a description fails the document tests.
"""
import re
from dataclasses import dataclass

# Pyramid treats a GET view as a HEAD view too; HTTP says HEAD is GET without a body.
IMPLIED = {"HEAD": "GET"}
STAR = re.compile(r"\*(\w+)")


@dataclass(frozen=True)
class Served:
    route_name: str
    path: str  # OpenAPI form: /data/{data_group}/{data_type}
    method: str  # lower case, as OpenAPI keys operations


def openapi_path(pattern):
    """``/{bucket}`` stays; ``_admin/static/*subpath`` becomes ``/_admin/static/{subpath}``."""
    path = STAR.sub(r"{\1}", pattern)
    return path if path.startswith("/") else "/" + path


def _routes(introspector):
    return {
        item["introspectable"]["name"]: item["introspectable"]
        for item in introspector.get_category("routes") or ()
    }


def served_operations(registry, context_routes=()):
    """Every ``Served`` of this process.

    A view with no ``request_method`` beside views with one is that route's
    "wrong method" answer (405), not an operation; a route with only such
    views (``/_user``'s redirect, the static files) is documented as ``GET``.
    ``context_routes`` names routes whose views bind by context rather than
    by route name (the velruse callback): ``GET`` whenever the route exists.
    """
    introspector = registry.introspector
    routes = _routes(introspector)
    served = set()
    any_method = set(context_routes) & set(routes)
    for item in introspector.get_category("views") or ():
        view = item["introspectable"]
        route_name = view["route_name"]
        methods = view["request_methods"]
        if route_name is None or route_name not in routes:
            continue
        if not methods:
            any_method.add(route_name)
            continue
        if isinstance(methods, str):
            methods = (methods,)
        path = openapi_path(routes[route_name]["pattern"])
        for method in methods:
            if IMPLIED.get(method) in methods:
                continue
            served.add(Served(route_name, path, IMPLIED.get(method, method).lower()))
    with_methods = {operation.route_name for operation in served}
    for route_name in any_method - with_methods:
        served.add(Served(route_name, openapi_path(routes[route_name]["pattern"]), "get"))
    return served
