"""The plugin manager: one per app, kept in the registry.

Built-ins are registered by module name exactly like third-party plugins;
third parties come from the ``backdrop`` setuptools entry point group. Set
``BACKDROP_DISABLE_PLUGINS=1`` (or ``backdrop.load_entry_points = false``) to
load only the built-ins.
"""
import os

import pluggy
from pyramid.settings import asbool

from . import hookspecs

DEFAULT_PLUGINS = (
    "backdrop.builtins.bucket_types",
    "backdrop.builtins.collectors",
    "backdrop.builtins.upload_parsers",
    "backdrop.builtins.upload_filters",
)


class Registry:
    """The objects every hook contributed, looked up by name."""

    def __init__(self, pm):
        self.pm = pm
        self.bucket_types = _by_name(pm.hook.backdrop_bucket_types())
        self.collectors = _by_name(pm.hook.backdrop_collectors())
        self.upload_parsers = _by_name(pm.hook.backdrop_upload_parsers())
        self.upload_filters = _by_name(pm.hook.backdrop_upload_filters())


def _by_name(results):
    found = {}
    for contributed in results:
        for item in contributed or ():
            found.setdefault(item.name, item)
    return found


def make_plugin_manager(load_entry_points=True, extra_plugins=()):
    pm = pluggy.PluginManager("backdrop")
    pm.add_hookspecs(hookspecs)
    for name in DEFAULT_PLUGINS:
        module = __import__(name, fromlist=["_"])
        pm.register(module, name)
    for plugin in extra_plugins:
        pm.register(plugin)
    if load_entry_points and not os.environ.get("BACKDROP_DISABLE_PLUGINS"):
        pm.load_setuptools_entrypoints("backdrop")
    pm.check_pending()
    return pm


def get_plugins(request_or_registry):
    registry = getattr(request_or_registry, "registry", request_or_registry)
    return registry["backdrop.plugins"]


def includeme(config):
    settings = config.get_settings()
    pm = make_plugin_manager(
        load_entry_points=asbool(settings.get("backdrop.load_entry_points", True)),
        extra_plugins=settings.get("backdrop.extra_plugins", ()),
    )
    config.registry["backdrop.plugins"] = Registry(pm)
    config.add_request_method(lambda request: get_plugins(request), "plugins", reify=True)
