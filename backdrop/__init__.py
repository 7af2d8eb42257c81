"""Backdrop: a datastore for performance data.

``main`` is the Pyramid app factory (``egg:backdrop``); plugins import
``hookimpl`` from here.
"""
from .hookspecs import hookimpl

__all__ = ["hookimpl", "main", "make_config"]


def make_config(settings):
    """A Configurator for the roles ``settings`` ask for (``backdrop.roles``)."""
    # Imported here: the store's bulk-feed helper process imports the package
    # without a web app, and Pyramid would cost it a third of a second.
    from pyramid.config import Configurator

    from .settings import normalise_settings

    settings = normalise_settings(settings)
    config = Configurator(settings=settings)
    # Components every role needs, in dependency order.
    config.include(".services")
    config.include(".errors")
    config.include(".headers")
    config.include(".public_url")
    config.include(".request_log")
    config.include(".store")
    config.include(".mirror")
    config.include(".plugins")
    config.include(".routes")
    config.include(".store_space")
    config.include(".status")
    config.include(".metrics")
    config.include(".openapi")
    # One include per role the ini asks for.
    for role in settings["backdrop.roles"]:
        config.include(f".{role}")
    return config


def main(global_config, **settings):
    """Build the WSGI app for an ini file's ``[app:...]`` section."""
    config = make_config(settings)
    return config.make_wsgi_app()
