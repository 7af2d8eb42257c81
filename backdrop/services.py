"""``request.find_service`` for the process's singletons, without a container per request.

pyramid_services builds a ``wired`` container for each request that looks up
a service (a zope adapter registry of its own: about a tenth of a
millisecond, on every read). Backdrop registers only singletons made at
startup (the store, the read engine) and no context-specific services, so
the service a lookup finds depends only on the interface and name: it is
looked up the pyramid_services way once per process and kept.
"""
from pyramid_services import SingletonServiceWrapper, find_service_factory
from pyramid_services import find_service as find_in_container
from zope.interface import Interface


def includeme(config):
    config.include("pyramid_services")
    # Made in the includer of pyramid_services, so this one replaces its method.
    config.add_request_method(find_service, "find_service")


def find_service(request, iface=Interface, context=None, name=""):
    """The singleton registered for ``iface`` (and ``name``); any other kind as pyramid_services finds it."""
    registry = request.registry
    singletons = registry.__dict__.setdefault("backdrop_singletons", {})
    key = (iface, name)
    try:
        return singletons[key]
    except KeyError:
        pass
    try:
        factory = find_service_factory(request, iface, name=name)
    except LookupError:
        factory = None
    if not isinstance(factory, SingletonServiceWrapper):
        return find_in_container(request, iface, name=name)
    singletons[key] = factory.service
    return factory.service
