"""Every URL Backdrop builds starts with the configured public URL, never the ``Host`` header.

A client chooses its ``Host`` header, so a URL built from it (a redirect's
``Location``, the OAuth ``redirect_uri``, links in pages) would point
wherever the client liked. Before anything reads the request, its host and
scheme are set from ``backdrop.public_url``; without that setting, from the
server's own name and port (``SERVER_NAME``/``SERVER_PORT``, which the WSGI
server sets, not the client).
"""
import logging
from urllib.parse import urlsplit

from pyramid.events import NewRequest
from pyramid.settings import asbool

log = logging.getLogger(__name__)


def public_host(settings):
    """``(scheme, host[:port])`` from ``backdrop.public_url``, or None when it is not set."""
    url = settings["backdrop.public_url"]
    if not url:
        return None
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def use_public_url(event):
    environ = event.request.environ
    configured = event.request.registry.get("backdrop.public_host")
    if configured:
        environ["wsgi.url_scheme"], environ["HTTP_HOST"] = configured
        return
    scheme = environ.get("wsgi.url_scheme", "http")
    name, port = environ.get("SERVER_NAME", "localhost"), environ.get("SERVER_PORT", "")
    default_port = {"http": "80", "https": "443"}.get(scheme)
    environ["HTTP_HOST"] = name if port in ("", default_port) else f"{name}:{port}"


def includeme(config):
    settings = config.get_settings()
    config.registry["backdrop.public_host"] = public_host(settings)
    if not settings["backdrop.public_url"] and asbool(settings.get("backdrop.secure_cookies")):
        log.warning("backdrop.public_url (BACKDROP_PUBLIC_URL) is not set: redirects and the "
                    "OAuth redirect_uri name the server itself, not the site")
    config.add_subscriber(use_public_url, NewRequest)
