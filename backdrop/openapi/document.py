"""The OpenAPI 3.1 document of the operations this process serves."""
import copy
import logging

from .components import components
from .operations import BY_ROUTE, CONTEXT_ROUTES
from .served import served_operations

log = logging.getLogger(__name__)
VERSION = "0.1.0"
PATH_KEYS = ("parameters", "summary", "description")


def build_document(registry):
    """``{"openapi": "3.1.0", ...}`` for ``registry``'s served operations."""
    settings = registry.settings
    paths = {}
    for served in sorted(served_operations(registry, CONTEXT_ROUTES),
                         key=lambda s: (s.path, s.method)):
        item = BY_ROUTE.get(served.route_name, {})
        if served.method not in item:
            # Left out, not fatal: tests/functional/openapi fails on it.
            log.warning("undocumented operation %s %s (route %s)",
                        served.method.upper(), served.path, served.route_name)
            continue
        path_item = paths.setdefault(served.path, {})
        for key in PATH_KEYS:
            if key in item:
                path_item.setdefault(key, copy.deepcopy(item[key]))
        path_item[served.method] = copy.deepcopy(item[served.method])
    roles = " ".join(settings["backdrop.roles"])
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": f"Backdrop ({roles})",
            "version": VERSION,
            "description": "A datastore for performance data. This document lists the "
                           f"operations of the roles this process serves: {roles}.",
        },
        "paths": paths,
        "components": components(registry.get("backdrop.plugins")),
    }
    public_url = settings.get("backdrop.public_url")
    if public_url:
        document["servers"] = [{"url": public_url.rstrip("/") or "/"}]
    return document

